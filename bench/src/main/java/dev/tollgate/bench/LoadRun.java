package dev.tollgate.bench;

import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * An open-loop load run against an ext_proc server: exchanges start at fixed intended times
 * ({@code rate} per second, whatever the server's speed), each one a gRPC stream played as
 * Envoy's filter plays it (each message waits for its answer). Latency is measured from the
 * intended start, so a server that falls behind is charged for the queueing it causes
 * (no coordinated omission); the service time from the actual start is kept too.
 *
 * <p>Streams are spread over {@code channels} HTTP/2 connections (Envoy opens one per worker
 * thread). A run has a warm-up phase, whose exchanges are not counted, then the measured phase.
 */
public final class LoadRun {
  /** What to run. {@code serverPid} 0: no server CPU measurement. */
  public record Config(String host, int port, Scenario scenario, double rate, Duration warmup, Duration duration,
                       int channels, int maxInFlight, Duration timeout, long serverPid, Duration reportEvery) {
  }

  /** What a run measured. Latencies in microseconds. */
  public record Result(String scenario, double targetRate, double achievedRate, long started, long completed,
                       long errors, long shed, Map<String, Long> errorKinds, Histogram latency, Histogram service,
                       double wallSeconds, double serverCpuSeconds, double serverSystemCpuSeconds,
                       double clientCpuSeconds, Map<String, Long> serverCpuByThreadGroup) {
    /** Server CPU µs per completed exchange spent by one group of threads (see {@link ThreadCpu}). */
    public double serverCpuMicrosPerRequest(String group) {
      return completed == 0 ? Double.NaN : serverCpuByThreadGroup.getOrDefault(group, 0L) / 1e3 / completed;
    }

    public double serverCpuMicrosPerRequest() {
      return completed == 0 ? Double.NaN : serverCpuSeconds * 1e6 / completed;
    }

    /** Share of the server's CPU time spent in the kernel (syscalls, thread wake-ups). */
    public double kernelShare() {
      return serverCpuSeconds == 0 ? 0 : serverSystemCpuSeconds / serverCpuSeconds;
    }

    public double serverCores() {
      return serverCpuSeconds / wallSeconds;
    }

    public double clientCores() {
      return clientCpuSeconds / wallSeconds;
    }
  }

  private final Config config;
  private final PrintStream log;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<ExternalProcessorGrpc.ExternalProcessorStub> stubs = new ArrayList<>();
  private final Recorder latencyRecorder = new Recorder(3);
  private final Recorder serviceRecorder = new Recorder(3);
  private final Recorder intervalRecorder = new Recorder(3);
  private final LongAdder completed = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final LongAdder intervalCompleted = new LongAdder();
  private final LongAdder intervalErrors = new LongAdder();
  private final Map<String, LongAdder> errorKinds = new ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger measuredInFlight = new AtomicInteger();

  public LoadRun(Config config, PrintStream log) {
    this.config = config;
    this.log = log;
    for (int i = 0; i < config.channels(); i++) {
      ManagedChannel ch = NettyChannelBuilder.forAddress(config.host(), config.port()).usePlaintext()
          .directExecutor().build();
      channels.add(ch);
      stubs.add(ExternalProcessorGrpc.newStub(ch));
    }
  }

  /** Runs warm-up then the measured phase; blocks until done. */
  public Result run() throws InterruptedException {
    try {
      return doRun();
    } finally {
      for (ManagedChannel ch : channels) {
        ch.shutdownNow();
      }
      for (ManagedChannel ch : channels) {
        ch.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private Result doRun() throws InterruptedException {
    long t0 = System.nanoTime();
    long measureStart = t0 + config.warmup().toNanos();
    long end = measureStart + config.duration().toNanos();
    long nextReport = t0 + config.reportEvery().toNanos();
    long started = 0;
    long shed = 0;
    CpuSample cpuStart = null;
    ThreadCpu threadsStart = null;
    Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    Histogram service = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    int channel = 0;
    long intended = t0;
    while (true) {
      if (intended >= end) {
        break;
      }
      long now = System.nanoTime();
      if (now >= nextReport) {
        report(now - t0, measureStart);
        nextReport += config.reportEvery().toNanos();
      }
      if (intended > now) {
        LockSupport.parkNanos(intended - now);
        continue;
      }
      boolean measured = intended >= measureStart;
      if (measured && cpuStart == null) {
        cpuStart = CpuSample.take(config.serverPid());
        threadsStart = ThreadCpu.take(config.serverPid());
      }
      long thisStart = intended;
      intended += Schedule.gapNanos(config.rate(), intended - t0, config.warmup().toNanos());
      if (inFlight.get() >= config.maxInFlight()) {
        if (measured) {
          shed++;
          errorKinds.computeIfAbsent("shed: " + config.maxInFlight() + " exchanges already in flight",
              k -> new LongAdder()).increment();
        }
        continue;
      }
      if (measured) {
        started++;
        measuredInFlight.incrementAndGet();
      }
      inFlight.incrementAndGet();
      new Exchange(stubs.get(channel), thisStart, measured).start();
      channel = (channel + 1) % stubs.size();
    }
    // let the measured exchanges finish (bounded by the per-exchange timeout)
    long drainUntil = System.nanoTime() + config.timeout().toNanos() + TimeUnit.SECONDS.toNanos(1);
    while (measuredInFlight.get() > 0 && System.nanoTime() < drainUntil) {
      Thread.sleep(5);
    }
    long wallEnd = System.nanoTime();
    CpuSample cpuEnd = CpuSample.take(config.serverPid());
    ThreadCpu threadsEnd = ThreadCpu.take(config.serverPid());
    if (cpuStart == null) {
      cpuStart = cpuEnd;
      threadsStart = threadsEnd;
    }
    latency.add(latencyRecorder.getIntervalHistogram());
    service.add(serviceRecorder.getIntervalHistogram());
    long lost = measuredInFlight.get();
    if (lost > 0) {
      errorKinds.computeIfAbsent("unfinished at the end", k -> new LongAdder()).add(lost);
    }
    double wall = (wallEnd - measureStart) / 1e9;
    Map<String, Long> kinds = new java.util.TreeMap<>();
    errorKinds.forEach((k, v) -> kinds.put(k, v.sum()));
    return new Result(config.scenario().name(), config.rate(), completed.sum() / wall, started, completed.sum(),
        errors.sum() + lost, shed, kinds, latency, service, wall,
        (cpuEnd.serverNanos() - cpuStart.serverNanos()) / 1e9,
        (cpuEnd.serverSystemNanos() - cpuStart.serverSystemNanos()) / 1e9,
        (cpuEnd.clientNanos() - cpuStart.clientNanos()) / 1e9,
        threadsEnd.since(threadsStart, cpuEnd.serverNanos() - cpuStart.serverNanos()));
  }

  private long lastReport;
  private Histogram intervalHistogram;

  private void report(long sinceStart, long measureStart) {
    intervalHistogram = intervalRecorder.getIntervalHistogram(intervalHistogram);
    long done = intervalCompleted.sumThenReset();
    long failed = intervalErrors.sumThenReset();
    double secs = (sinceStart - lastReport) / 1e9;
    lastReport = sinceStart;
    log.printf("  t=%5.0fs %s ok=%.0f/s err=%d in-flight=%d p50=%dus p99=%dus max=%dus%n", sinceStart / 1e9,
        System.nanoTime() < measureStart ? "warm-up " : "measured", done / secs, failed, inFlight.get(),
        intervalHistogram.getValueAtPercentile(50), intervalHistogram.getValueAtPercentile(99),
        intervalHistogram.getMaxValue());
    log.flush();
  }

  private void failed(Exchange e, String kind) {
    inFlight.decrementAndGet();
    intervalErrors.increment();
    if (e.measured) {
      measuredInFlight.decrementAndGet();
      errors.increment();
      errorKinds.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }
  }

  private void succeeded(Exchange e, long now) {
    inFlight.decrementAndGet();
    intervalCompleted.increment();
    long latencyMicros = (now - e.intended) / 1000;
    long serviceMicros = (now - e.actualStart) / 1000;
    long cap = TimeUnit.SECONDS.toMicros(60);
    intervalRecorder.recordValue(Math.min(latencyMicros, cap));
    if (e.measured) {
      latencyRecorder.recordValue(Math.min(latencyMicros, cap));
      serviceRecorder.recordValue(Math.min(serviceMicros, cap));
      measuredInFlight.decrementAndGet();
      completed.increment();
    }
  }

  /** One HTTP exchange on its own stream: send a message, wait for its answer, send the next. */
  private final class Exchange implements StreamObserver<ProcessingResponse> {
    private final ExternalProcessorGrpc.ExternalProcessorStub stub;
    private final long intended;
    private final boolean measured;
    private long actualStart;
    private StreamObserver<ProcessingRequest> requests;
    private int step;
    private boolean done;

    Exchange(ExternalProcessorGrpc.ExternalProcessorStub stub, long intended, boolean measured) {
      this.stub = stub;
      this.intended = intended;
      this.measured = measured;
    }

    void start() {
      actualStart = System.nanoTime();
      requests = stub.withDeadlineAfter(config.timeout().toMillis(), TimeUnit.MILLISECONDS).process(this);
      requests.onNext(config.scenario().steps().get(0).request());
    }

    @Override
    public synchronized void onNext(ProcessingResponse r) {
      if (done) {
        return;
      }
      Scenario.Step s = config.scenario().steps().get(step);
      String problem = null;
      if (r.hasImmediateResponse()) {
        problem = "immediate_response " + r.getImmediateResponse().getStatus().getCodeValue() + " to "
            + s.request().getRequestCase();
      } else if (r.getResponseCase() != s.expected()) {
        problem = "spurious " + r.getResponseCase() + " to " + s.request().getRequestCase();
      } else if (!s.check().test(r)) {
        problem = "answer to " + s.request().getRequestCase() + " lacks " + s.checkDescription();
      }
      if (problem != null) {
        done = true;
        failed(this, problem);
        requests.onError(Status.CANCELLED.withDescription(problem).asRuntimeException());
        return;
      }
      step++;
      if (step < config.scenario().steps().size()) {
        requests.onNext(config.scenario().steps().get(step).request());
      } else {
        done = true;
        succeeded(this, System.nanoTime());
        requests.onCompleted();
      }
    }

    @Override
    public synchronized void onError(Throwable t) {
      if (!done) {
        done = true;
        Status st = Status.fromThrowable(t);
        // the step and gRPC's description tell a reset by the server from one by the transport
        failed(this, "stream failed: " + st.getCode() + " after " + step + " of "
            + config.scenario().steps().size() + " answers" + (st.getDescription() == null ? ""
            : " (" + st.getDescription() + ")"));
      }
    }

    @Override
    public synchronized void onCompleted() {
      if (!done) {
        done = true;
        failed(this, "stream completed by the server before the exchange ended");
      }
    }
  }

  /** CPU time used so far by the server process (all, and in the kernel) and by this JVM. */
  record CpuSample(long serverNanos, long serverSystemNanos, long clientNanos) {
    static CpuSample take(long serverPid) {
      long[] server = serverPid <= 0 ? new long[2] : cpuNanos(serverPid);
      return new CpuSample(server[0], server[1], cpuNanos(ProcessHandle.current().pid())[0]);
    }

    /** {utime + stime, stime} of a process from /proc (clock ticks, USER_HZ 100 on Linux). */
    static long[] cpuNanos(long pid) {
      try {
        String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
        return parseStat(stat);
      } catch (java.io.IOException e) {
        long all = ProcessHandle.of(pid).flatMap(p -> p.info().totalCpuDuration()).map(Duration::toNanos).orElse(0L);
        return new long[] {all, 0};
      }
    }

    /** Fields 14 and 15 (utime, stime) of a /proc/PID/stat line as {utime + stime, stime}, in ns at 100 ticks/s. */
    static long[] parseStat(String stat) {
      // the command name (field 2) is in parentheses and may hold spaces: count from the last ')'
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
      long user = Long.parseLong(f[11]);
      long system = Long.parseLong(f[12]);
      return new long[] {(user + system) * 10_000_000L, system * 10_000_000L};
    }
  }
}
