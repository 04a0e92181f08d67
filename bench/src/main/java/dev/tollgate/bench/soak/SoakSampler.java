package dev.tollgate.bench.soak;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One row of the soak's samples: the machine (load average, busy share of each CPU), the client's
 * counts, and for Tollgate and Envoy their memory, threads and descriptors from /proc, Tollgate's
 * heap after a forced full GC (the total of {@code jcmd PID GC.class_histogram}, which runs a full
 * GC and then counts the objects left), its open
 * ext_proc streams and error counters (admin {@code /metrics}), and Envoy's ext_proc and HTTP
 * counters (admin {@code /stats}). A value that cannot be read is -1, so a gap shows in the CSV.
 */
final class SoakSampler {
  /** Envoy ext_proc counters, summed over every ext_proc filter (each has its own stat prefix). */
  static final List<String> EXT_PROC_STATS = List.of("streams_started", "streams_closed", "streams_failed",
      "stream_msgs_sent", "stream_msgs_received", "spurious_msgs_received", "failure_mode_allowed",
      "message_timeouts", "rejected_header_mutations", "clear_route_cache_upstream_ignored");
  /** Envoy's HTTP listener counters and gauges (the admin listener's left out). */
  static final List<String> HTTP_STATS = List.of("downstream_rq_total", "downstream_rq_2xx", "downstream_rq_4xx",
      "downstream_rq_5xx", "downstream_rq_timeout", "downstream_rq_rx_reset", "downstream_rq_tx_reset",
      "downstream_cx_active", "downstream_rq_active");
  private static final Pattern HISTOGRAM_TOTAL = Pattern.compile("(?m)^Total\\s+(\\d+)\\s+(\\d+)\\s*$");
  private static final Pattern HEAP_USED = Pattern.compile("heap\\s+total (\\d+)K, used (\\d+)K");
  private static final Pattern METRIC = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})?\\s+(\\S+)$");

  private final long tollgatePid;
  private final long envoyPid;
  private final URI tollgateMetrics;
  private final URI envoyStats;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private long[] lastCpu; // /proc/stat cpu0, cpu1 {busy, total}
  private long lastTollgateCpu = -1;
  private long lastEnvoyCpu = -1;
  private long lastNanos;

  SoakSampler(long tollgatePid, long envoyPid, int tollgateAdminPort, int envoyAdminPort) {
    this.tollgatePid = tollgatePid;
    this.envoyPid = envoyPid;
    this.tollgateMetrics = URI.create("http://127.0.0.1:" + tollgateAdminPort + "/metrics");
    this.envoyStats = URI.create("http://127.0.0.1:" + envoyAdminPort + "/stats");
  }

  /** Takes one sample; {@code run} gives the client's side. */
  Map<String, String> sample(double tSeconds, SoakRun.Snapshot run) {
    Map<String, String> row = new LinkedHashMap<>();
    long now = System.nanoTime();
    double wall = lastNanos == 0 ? Double.NaN : (now - lastNanos) / 1e9;
    row.put("t_s", fmt(tSeconds));
    row.put("time_utc", Instant.now().toString());
    String[] load = read("/proc/loadavg").split("\\s+");
    row.put("loadavg_1m", load.length > 2 ? load[0] : "-1");
    row.put("loadavg_5m", load.length > 2 ? load[1] : "-1");
    long[] cpu = cpuBusy();
    row.put("cpu0_busy", lastCpu == null ? "NaN" : fmt(share(cpu, lastCpu, 0)));
    row.put("cpu1_busy", lastCpu == null ? "NaN" : fmt(share(cpu, lastCpu, 1)));
    lastCpu = cpu;
    long ok = run.ok();
    row.put("exchanges_started", Long.toString(run.started()));
    row.put("exchanges_ok", Long.toString(ok));
    row.put("exchanges_failed", Long.toString(run.failures()));
    row.put("in_flight", Long.toString(run.inFlight()));
    row.put("interval_rate", fmt(run.intervalDone() / wall));
    row.put("interval_p50_ms", fmt(run.intervalP50Micros() / 1e3));
    row.put("interval_p99_ms", fmt(run.intervalP99Micros() / 1e3));
    row.put("interval_max_ms", fmt(run.intervalMaxMicros() / 1e3));
    row.put("client_connections", Integer.toString(run.openConnections()));
    row.put("client_connections_opened", Integer.toString(run.connectionsOpened()));

    // the class histogram makes the JVM run a full GC and then counts what is left: the live heap at
    // that instant (GC.run then GC.heap_info would count what was allocated between the two jcmds too)
    long live = liveHeapBytes(tollgatePid);
    row.put("tg_heap_after_gc_kb", live < 0 ? "-1" : Long.toString(live / 1024));
    long[] heap = heapInfo(tollgatePid);
    row.put("tg_heap_committed_kb", Long.toString(heap[0]));
    row.put("tg_heap_used_kb", Long.toString(heap[1]));
    process(row, "tg", tollgatePid);
    long tgCpu = cpuNanos(tollgatePid);
    row.put("tg_cores", lastTollgateCpu < 0 || tgCpu < 0 ? "NaN" : fmt((tgCpu - lastTollgateCpu) / 1e9 / wall));
    lastTollgateCpu = tgCpu;
    Map<String, Double> m = tollgateMetrics();
    row.put("tg_streams_open", num(m.get("tollgate_extproc_streams_open")));
    row.put("tg_requests_total", num(m.get("tollgate_requests_total")));
    row.put("tg_errors_total", num(m.get("tollgate_errors_total")));
    // the guard's refusals are the load's guard-blocked exchanges: expected, counted apart
    row.put("tg_errors_guard", num(m.get("tollgate_errors_total{guard_rejected_request}")));
    row.put("tg_errors_other", num(m.containsKey("tollgate_errors_total")
        ? m.get("tollgate_errors_total") - m.getOrDefault("tollgate_errors_total{guard_rejected_request}", 0.0) : null));
    row.put("tg_plugin_failures_total", num(m.get("tollgate_plugin_failures_total")));

    process(row, "envoy", envoyPid);
    long envoyCpu = cpuNanos(envoyPid);
    row.put("envoy_cores", lastEnvoyCpu < 0 || envoyCpu < 0 ? "NaN" : fmt((envoyCpu - lastEnvoyCpu) / 1e9 / wall));
    lastEnvoyCpu = envoyCpu;
    Map<String, Long> s = envoyStats();
    for (String k : EXT_PROC_STATS) {
      row.put("ext_proc_" + k, Long.toString(s.getOrDefault("ext_proc." + k, -1L)));
    }
    for (String k : HTTP_STATS) {
      row.put("http_" + k, Long.toString(s.getOrDefault("http." + k, -1L)));
    }
    lastNanos = now;
    return row;
  }

  /** RSS, threads and open descriptors of a process, as PREFIX_rss_kb, PREFIX_threads, PREFIX_fds. */
  private static void process(Map<String, String> row, String prefix, long pid) {
    String status = read("/proc/" + pid + "/status");
    row.put(prefix + "_rss_kb", Long.toString(statusField(status, "VmRSS:")));
    row.put(prefix + "_threads", Long.toString(statusField(status, "Threads:")));
    long fds;
    try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
      fds = s.count();
    } catch (IOException | RuntimeException e) {
      fds = -1;
    }
    row.put(prefix + "_fds", Long.toString(fds));
  }

  static long statusField(String status, String field) {
    for (String line : status.split("\n")) {
      if (line.startsWith(field)) {
        return Long.parseLong(line.substring(field.length()).replace("kB", "").trim());
      }
    }
    return -1;
  }

  /** Bytes of the objects left after the full GC that {@code GC.class_histogram} runs first, or -1. */
  static long liveHeapBytes(long pid) {
    String histogram = jcmd(pid, "GC.class_histogram");
    return histogram == null ? -1 : histogramTotal(histogram);
  }

  /** The bytes of a class histogram's {@code Total} line, or -1. */
  static long histogramTotal(String histogram) {
    Matcher m = HISTOGRAM_TOTAL.matcher(histogram);
    return m.find() ? Long.parseLong(m.group(2)) : -1;
  }

  /** {committed, used} KiB of the heap now (used: live objects and garbage not collected yet), or {-1, -1}. */
  static long[] heapInfo(long pid) {
    String info = jcmd(pid, "GC.heap_info");
    Matcher m = info == null ? null : HEAP_USED.matcher(info);
    return m != null && m.find() ? new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))}
        : new long[] {-1, -1};
  }

  private static String jcmd(long pid, String command) {
    try {
      Process p = new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return null;
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Tollgate's Prometheus metrics, each name summed over its labels. */
  private Map<String, Double> tollgateMetrics() {
    Map<String, Double> out = new LinkedHashMap<>();
    String text = get(tollgateMetrics);
    if (text == null) {
      return out;
    }
    for (String line : text.split("\n")) {
      Matcher m = METRIC.matcher(line.trim());
      if (!line.startsWith("#") && m.matches()) {
        try {
          double v = Double.parseDouble(m.group(3));
          out.merge(m.group(1), v, Double::sum);
          if (m.group(2) != null && m.group(2).contains("cause=\"guard_rejected_request\"")) {
            out.merge(m.group(1) + "{guard_rejected_request}", v, Double::sum);
          }
        } catch (NumberFormatException ignored) {
          // NaN or +Inf of a summary: not one we read
        }
      }
    }
    return out;
  }

  /**
   * Envoy's counters as {@code ext_proc.NAME} (summed over the ext_proc filters) and
   * {@code http.NAME} (summed over the HTTP connection managers but the admin's).
   */
  private Map<String, Long> envoyStats() {
    Map<String, Long> out = new LinkedHashMap<>();
    String text = get(envoyStats);
    if (text == null) {
      return out;
    }
    for (String line : text.split("\n")) {
      int colon = line.lastIndexOf(": ");
      if (colon < 0) {
        continue;
      }
      String name = line.substring(0, colon);
      long value;
      try {
        value = Long.parseLong(line.substring(colon + 2).trim());
      } catch (NumberFormatException e) {
        continue; // histograms
      }
      int ext = name.indexOf(".ext_proc.");
      if (name.startsWith("http.") && ext > 0) {
        out.merge("ext_proc." + name.substring(ext + ".ext_proc.".length()), value, Long::sum);
      } else if (name.startsWith("http.") && !name.startsWith("http.admin.") && name.indexOf('.', 5) > 0) {
        String stat = name.substring(name.indexOf('.', 5) + 1);
        if (HTTP_STATS.contains(stat)) {
          out.merge("http." + stat, value, Long::sum);
        }
      }
    }
    return out;
  }

  private String get(URI uri) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.body() : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** {cpu0 busy, cpu0 total, cpu1 busy, cpu1 total} jiffies from /proc/stat. */
  private static long[] cpuBusy() {
    long[] out = new long[4];
    for (String line : read("/proc/stat").split("\n")) {
      int cpu = line.startsWith("cpu0 ") ? 0 : line.startsWith("cpu1 ") ? 1 : -1;
      if (cpu < 0) {
        continue;
      }
      String[] f = line.trim().split("\\s+");
      long total = 0;
      for (int i = 1; i < f.length; i++) {
        total += Long.parseLong(f[i]);
      }
      long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0); // idle + iowait
      out[cpu * 2] = total - idle;
      out[cpu * 2 + 1] = total;
    }
    return out;
  }

  private static double share(long[] now, long[] before, int cpu) {
    long total = now[cpu * 2 + 1] - before[cpu * 2 + 1];
    return total <= 0 ? Double.NaN : (now[cpu * 2] - before[cpu * 2]) / (double) total;
  }

  /** utime + stime of a process in nanoseconds (USER_HZ 100), -1 when it is gone. */
  static long cpuNanos(long pid) {
    String stat = read("/proc/" + pid + "/stat");
    if (stat.isEmpty()) {
      return -1;
    }
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
  }

  private static String read(String file) {
    try {
      return Files.readString(Path.of(file));
    } catch (IOException e) {
      return "";
    }
  }

  private static String num(Double d) {
    return d == null ? "-1" : d == Math.rint(d) ? Long.toString(d.longValue()) : fmt(d);
  }

  static String fmt(double d) {
    return Double.isNaN(d) || Double.isInfinite(d) ? "NaN" : String.format(java.util.Locale.ROOT, "%.3f", d);
  }
}
