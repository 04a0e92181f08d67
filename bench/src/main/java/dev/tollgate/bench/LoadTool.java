package dev.tollgate.bench;

import java.time.Duration;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * The load tool's command line: drives an ext_proc server (Tollgate or the no-op baseline, in
 * another JVM) the way Envoy does, open loop at a fixed rate, and prints latency percentiles,
 * the achieved rate, errors and the server's CPU per request.
 *
 * <pre>
 * LoadTool --port 1063 --scenario passthrough|bedrock|passthrough-stream|bedrock-stream
 *          [--rate 1000] [--duration 20] [--warmup 10] [--channels 4] [--max-in-flight 20000]
 *          [--timeout-ms 10000] [--server-pid PID] [--chunks 50] [--no-verify] [--report-every 5]
 *          [--host 127.0.0.1] [--label NAME]
 * </pre>
 * The last line is machine-readable: {@code RESULT key=value ...}.
 */
public final class LoadTool {
  private LoadTool() {
  }

  public static void main(String[] args) throws Exception {
    String host = "127.0.0.1";
    int port = 1063;
    String scenario = "passthrough";
    String label = null;
    double rate = 1000;
    double duration = 20;
    double warmup = 10;
    int channels = 4;
    int maxInFlight = 20_000;
    long timeoutMs = 10_000;
    long pid = 0;
    int chunks = 50;
    boolean verify = true;
    double reportEvery = 5;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--host" -> host = args[++i];
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--scenario" -> scenario = args[++i];
        case "--label" -> label = args[++i];
        case "--rate" -> rate = Double.parseDouble(args[++i]);
        case "--duration" -> duration = Double.parseDouble(args[++i]);
        case "--warmup" -> warmup = Double.parseDouble(args[++i]);
        case "--channels" -> channels = Integer.parseInt(args[++i]);
        case "--max-in-flight" -> maxInFlight = Integer.parseInt(args[++i]);
        case "--timeout-ms" -> timeoutMs = Long.parseLong(args[++i]);
        case "--server-pid" -> pid = Long.parseLong(args[++i]);
        case "--chunks" -> chunks = Integer.parseInt(args[++i]);
        case "--no-verify" -> verify = false;
        case "--report-every" -> reportEvery = Double.parseDouble(args[++i]);
        default -> {
          System.err.println("load tool: unknown option " + a + "; see the class javadoc of " + LoadTool.class.getName());
          System.exit(2);
        }
      }
    }
    Scenario sc = Scenario.of(scenario, chunks, verify);
    LoadRun.Config config = new LoadRun.Config(host, port, sc, rate, seconds(warmup), seconds(duration), channels,
        maxInFlight, Duration.ofMillis(timeoutMs), pid, seconds(reportEvery));
    System.out.printf(Locale.ROOT, "load: %s%s against %s:%d, %.0f req/s open loop, %d channels, warm-up %.0fs, "
            + "measured %.0fs, %d messages per exchange, server pid %d%n", scenario,
        label == null ? "" : " (" + label + ")", host, port, rate, channels, warmup, duration, sc.steps().size(), pid);
    LoadRun.Result r = new LoadRun(config, System.out).run();
    print(r, label == null ? scenario : label, sc);
    System.exit(r.errors() + r.shed() > 0 ? 1 : 0);
  }

  private static Duration seconds(double s) {
    return Duration.ofNanos(Math.round(s * 1e9));
  }

  static void print(LoadRun.Result r, String label, Scenario sc) {
    Histogram l = r.latency();
    Histogram s = r.service();
    System.out.printf(Locale.ROOT, "%nresult %s: target %.0f req/s, achieved %.1f req/s over %.1fs%n", label,
        r.targetRate(), r.achievedRate(), r.wallSeconds());
    System.out.printf(Locale.ROOT, "  exchanges: started %d, completed %d, errors %d, shed %d%n", r.started(),
        r.completed(), r.errors(), r.shed());
    r.errorKinds().forEach((k, v) -> System.out.printf("    %6d  %s%n", v, k));
    System.out.printf(Locale.ROOT, "  latency from intended start (us): p50 %d  p90 %d  p99 %d  p99.9 %d  max %d%n",
        l.getValueAtPercentile(50), l.getValueAtPercentile(90), l.getValueAtPercentile(99),
        l.getValueAtPercentile(99.9), l.getMaxValue());
    System.out.printf(Locale.ROOT, "  service time from actual start (us): p50 %d  p99 %d  p99.9 %d%n",
        s.getValueAtPercentile(50), s.getValueAtPercentile(99), s.getValueAtPercentile(99.9));
    System.out.printf(Locale.ROOT, "  server CPU: %.1f us/request (%.0f%% in the kernel), %.2f cores; load tool CPU: %.2f cores "
            + "(same 2-core machine)%n", r.serverCpuMicrosPerRequest(), r.kernelShare() * 100, r.serverCores(), r.clientCores());
    if (!r.serverCpuByThreadGroup().isEmpty()) {
      StringBuilder b = new StringBuilder("  server CPU by thread (us/request):");
      r.serverCpuByThreadGroup().keySet().forEach(g -> b.append(String.format(Locale.ROOT, "  %s %.1f", g,
          r.serverCpuMicrosPerRequest(g))));
      System.out.println(b);
    }
    System.out.printf(Locale.ROOT, "RESULT label=%s scenario=%s target=%.0f achieved=%.1f completed=%d errors=%d shed=%d "
            + "p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d svc_p99_us=%d server_cpu_us_per_req=%.1f "
            + "server_kernel_pct=%.0f server_cores=%.2f client_cores=%.2f body_msgs=%d",
        label, r.scenario(), r.targetRate(), r.achievedRate(), r.completed(), r.errors(), r.shed(),
        l.getValueAtPercentile(50), l.getValueAtPercentile(90), l.getValueAtPercentile(99),
        l.getValueAtPercentile(99.9), l.getMaxValue(), s.getValueAtPercentile(99), r.serverCpuMicrosPerRequest(),
        r.kernelShare() * 100, r.serverCores(), r.clientCores(), sc.responseBodyMessages());
    StringBuilder groups = new StringBuilder();
    r.serverCpuByThreadGroup().keySet().forEach(g -> groups.append(String.format(Locale.ROOT, " cpu_%s=%.1f",
        g.replace(' ', '_'), r.serverCpuMicrosPerRequest(g))));
    System.out.println(groups);
  }
}
