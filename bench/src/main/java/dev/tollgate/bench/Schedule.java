package dev.tollgate.bench;

/**
 * The open-loop schedule: the gap between two intended exchange starts. During the warm-up the
 * rate ramps linearly from 10% to 100% of the target, so that a cold JVM (interpreter, JIT
 * compiling on the same 2 cores) is not buried under a backlog that would spill into the measured
 * phase; afterwards it is constant.
 */
public final class Schedule {
  private Schedule() {
  }

  /**
   * @param rate        target exchanges per second
   * @param sinceStart  nanoseconds from the run's start to the previous intended start
   * @param warmupNanos length of the warm-up
   * @return nanoseconds to the next intended start (at least 1)
   */
  public static long gapNanos(double rate, long sinceStart, long warmupNanos) {
    double fraction = warmupNanos <= 0 || sinceStart >= warmupNanos ? 1.0 : 0.1 + 0.9 * sinceStart / (double) warmupNanos;
    return Math.max(1, Math.round(1e9 / (rate * fraction)));
  }
}
