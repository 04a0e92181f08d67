package dev.tollgate.bench.soak;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * The soak's report: {@code samples.csv} (one row per sample), {@code failures.csv} (every failed
 * exchange: when, kind, what the client saw, on which connection), and {@code summary.md}: the
 * exchanges by kind, the failures by cause, first/last/min/max of each series after the warm-up,
 * the least-squares slope of Tollgate's heap after full GC; and, appended by {@link #main} once
 * Envoy has stopped, what Envoy's access log says (answers by status, response flags and details;
 * the unusual lines themselves).
 */
final class SoakReport {
  /** The series the summary tabulates (the CSV has every column). */
  private static final List<String> SERIES = List.of("loadavg_1m", "cpu0_busy", "cpu1_busy", "interval_rate",
      "interval_p50_ms", "interval_p99_ms", "interval_max_ms", "client_connections",
      "tg_heap_after_gc_kb", "tg_heap_committed_kb", "tg_rss_kb", "tg_threads", "tg_fds", "tg_cores",
      "tg_streams_open", "tg_errors_total", "tg_errors_guard", "tg_errors_other", "tg_plugin_failures_total",
      "envoy_rss_kb", "envoy_threads", "envoy_fds", "envoy_cores",
      "ext_proc_streams_started", "ext_proc_streams_failed", "ext_proc_spurious_msgs_received",
      "ext_proc_failure_mode_allowed", "ext_proc_message_timeouts",
      "http_downstream_rq_total", "http_downstream_rq_4xx", "http_downstream_rq_5xx", "http_downstream_rq_rx_reset",
      "http_downstream_rq_tx_reset", "http_downstream_cx_active");
  private static final Pattern START = Pattern.compile("\"start_time\":\"([^\"]*)\"");
  private static final Pattern STATUS = Pattern.compile("\"status\":\"?([^\",]*)\"?");
  private static final Pattern FLAGS = Pattern.compile("\"response_flags\":\"([^\"]*)\"");
  private static final Pattern DETAILS = Pattern.compile("\"details\":\"([^\"]*)\"");
  private static final int UNUSUAL_LINES = 30;

  private final Map<String, String> tags;
  private final Instant startedAt;
  private final SoakRun.Snapshot end;
  private final Map<String, Long> causes;
  private final List<SoakRun.Failure> failures;
  private final Histogram latency;
  private final List<Map<String, String>> samples;
  private final double warmupSeconds;

  SoakReport(Map<String, String> tags, Instant startedAt, SoakRun.Snapshot end, Map<String, Long> causes,
             List<SoakRun.Failure> failures, Histogram latency, List<Map<String, String>> samples,
             double warmupSeconds) {
    this.tags = tags;
    this.startedAt = startedAt;
    this.end = end;
    this.causes = causes;
    this.failures = failures;
    this.latency = latency;
    this.samples = samples;
    this.warmupSeconds = warmupSeconds;
  }

  void write(Path dir) throws IOException {
    Files.writeString(dir.resolve("samples.csv"), csv());
    Files.writeString(dir.resolve("failures.csv"), failuresCsv());
    Files.writeString(dir.resolve("summary.md"), summary());
  }

  private String csv() {
    if (samples.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder(String.join(",", samples.get(0).keySet())).append('\n');
    for (Map<String, String> row : samples) {
      b.append(String.join(",", row.values())).append('\n');
    }
    return b.toString();
  }

  private String failuresCsv() {
    StringBuilder b = new StringBuilder("time_utc,t_s,kind,latency_ms,connection,nth_on_connection,what\n");
    for (SoakRun.Failure f : failures) {
      b.append(f.at()).append(',').append(String.format(Locale.ROOT, "%.3f", f.tSeconds())).append(',')
          .append(f.kind().label()).append(',').append(f.latencyMillis()).append(',').append(f.connection())
          .append(',').append(f.nth()).append(",\"").append(f.what().replace("\"", "\"\"")).append("\"\n");
    }
    return b.toString();
  }

  private List<Map<String, String>> measured() {
    List<Map<String, String>> out = new ArrayList<>();
    for (Map<String, String> row : samples) {
      if (Double.parseDouble(row.get("t_s")) >= warmupSeconds) {
        out.add(row);
      }
    }
    return out;
  }

  String summary() {
    StringBuilder b = new StringBuilder("# Soak through Envoy + Tollgate\n\n");
    b.append("Started ").append(startedAt).append("; ");
    tags.forEach((k, v) -> b.append(k).append('=').append(v).append(' '));
    b.append("\n\n## Exchanges\n\n| kind | ok | failed |\n| --- | ---: | ---: |\n");
    long ok = 0;
    long failed = 0;
    for (Map.Entry<SoakKind, long[]> e : end.byKind().entrySet()) {
      b.append("| ").append(e.getKey().label()).append(" | ").append(e.getValue()[0]).append(" | ")
          .append(e.getValue()[1]).append(" |\n");
      ok += e.getValue()[0];
      failed += e.getValue()[1];
    }
    b.append("| **all** | **").append(ok).append("** | **").append(failed).append("** |\n\n");
    b.append(String.format(Locale.ROOT, "Started %d, still in flight at the end %d. Latency of the successful "
            + "exchanges from their intended start (ramp included): p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, "
            + "max %.1f ms. Client connections opened: %d.%n%n", end.started(), end.inFlight(),
        latency.getValueAtPercentile(50) / 1e3, latency.getValueAtPercentile(99) / 1e3,
        latency.getValueAtPercentile(99.9) / 1e3, latency.getMaxValue() / 1e3, end.connectionsOpened()));
    b.append("## Failures by cause\n\n");
    if (causes.isEmpty()) {
      b.append("None.\n\n");
    } else {
      causes.forEach((c, n) -> b.append("- ").append(n).append(" × ").append(c).append('\n'));
      b.append("\nFirst of them (all in failures.csv):\n\n");
      failures.stream().limit(20).forEach(f -> b.append("- ").append(f.at()).append(String.format(Locale.ROOT,
          " (t=%.1fs) %s after %d ms, connection %d request %d: %s%n", f.tSeconds(), f.kind().label(),
          f.latencyMillis(), f.connection(), f.nth(), SoakKind.abbreviate(f.what()))));
      b.append('\n');
    }
    List<Map<String, String>> m = measured();
    b.append("## Series after the warm-up (").append(m.size()).append(" samples")
        .append(m.isEmpty() ? "" : ", t = " + m.get(0).get("t_s") + " … " + m.get(m.size() - 1).get("t_s") + " s")
        .append(")\n\nΔ run: last minus the value at the run's first sample (t ≈ 0, before the load), for the counters.\n\n"
            + "| series | first | last | min | max | Δ run |\n| --- | ---: | ---: | ---: | ---: | ---: |\n");
    for (String s : SERIES) {
      double[] v = values(m, s);
      if (v.length == 0) {
        continue;
      }
      double min = Double.MAX_VALUE;
      double max = -Double.MAX_VALUE;
      for (double x : v) {
        min = Math.min(min, x);
        max = Math.max(max, x);
      }
      b.append("| ").append(s).append(" | ").append(num(v[0])).append(" | ").append(num(v[v.length - 1]))
          .append(" | ").append(num(min)).append(" | ").append(num(max)).append(" | ")
          .append(counter(s) ? delta(s, v[v.length - 1]) : "").append(" |\n");
    }
    double[] t = values(m, "t_s");
    double[] heap = values(m, "tg_heap_after_gc_kb");
    if (heap.length >= 2 && t.length == heap.length) {
      double slope = slope(t, heap) * 60; // KiB per minute
      double mean = 0;
      for (double h : heap) {
        mean += h;
      }
      mean /= heap.length;
      b.append(String.format(Locale.ROOT, "%nTollgate's heap after a full GC: first %.0f KiB, last %.0f KiB, "
              + "mean %.0f KiB; least-squares slope %.1f KiB/min (%.2f %% of the mean per hour).%n",
          heap[0], heap[heap.length - 1], mean, slope, mean == 0 ? 0 : slope * 60 / mean * 100));
    }
    return b.toString();
  }

  private static boolean counter(String series) {
    return series.startsWith("ext_proc_") || (series.startsWith("http_") && !series.endsWith("_active"))
        || (series.startsWith("tg_") && series.contains("errors")) || series.equals("tg_plugin_failures_total");
  }

  /** {@code last} minus the series' value in the first sample of the run (the warm-up's included), or "". */
  private String delta(String series, double last) {
    double[] all = values(samples.isEmpty() ? List.of() : List.of(samples.get(0)), series);
    return all.length == 0 ? "" : num(last - all[0]);
  }

  /** The values of one column, leaving out the unreadable ones (-1, NaN). */
  private static double[] values(List<Map<String, String>> rows, String column) {
    List<Double> out = new ArrayList<>();
    for (Map<String, String> row : rows) {
      String s = row.get(column);
      if (s == null) {
        continue;
      }
      try {
        double d = Double.parseDouble(s);
        if (!Double.isNaN(d) && d != -1) {
          out.add(d);
        }
      } catch (NumberFormatException ignored) {
        // not a number
      }
    }
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }

  static double slope(double[] x, double[] y) {
    int n = Math.min(x.length, y.length);
    double mx = 0;
    double my = 0;
    for (int i = 0; i < n; i++) {
      mx += x[i];
      my += y[i];
    }
    mx /= n;
    my /= n;
    double sxy = 0;
    double sxx = 0;
    for (int i = 0; i < n; i++) {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) * (x[i] - mx);
    }
    return sxx == 0 ? 0 : sxy / sxx;
  }

  /**
   * Appends what Envoy's access log says to a summary written before: run once Envoy has stopped,
   * since Envoy flushes its access log only every few seconds and at exit.
   *
   * <pre>SoakReport --access-log FILE --summary OUT/summary.md [--since 2026-12-02T00:52:04Z]</pre>
   * Lines of requests that started before {@code --since} (the start-up probes) are left out.
   */
  public static void main(String[] args) throws IOException {
    Path log = null;
    Path summary = null;
    String since = "";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--access-log" -> log = Path.of(args[++i]);
        case "--summary" -> summary = Path.of(args[++i]);
        case "--since" -> since = args[++i];
        default -> throw new IllegalArgumentException("unknown option " + args[i] + "; use --access-log FILE --summary FILE");
      }
    }
    if (log == null || summary == null) {
      throw new IllegalArgumentException("--access-log FILE and --summary FILE are required");
    }
    String section = accessLogSummary(log, since);
    Files.writeString(summary, "\n" + section, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
    System.out.print(section);
  }

  static String accessLogSummary(Path accessLog, String since) {
    if (accessLog == null || !Files.exists(accessLog)) {
      return "## Envoy's access log\n\nNone read.\n";
    }
    Map<String, Long> byOutcome = new TreeMap<>();
    List<String> unusual = new ArrayList<>();
    long lines = 0;
    long unusualCount = 0;
    long earlier = 0;
    try (BufferedReader r = Files.newBufferedReader(accessLog)) {
      String line;
      while ((line = r.readLine()) != null) {
        if (!line.startsWith("{")) {
          continue;
        }
        String start = find(START, line);
        if (start.compareTo(since) < 0) {
          earlier++;
          continue;
        }
        lines++;
        String status = find(STATUS, line);
        String flags = find(FLAGS, line);
        String details = find(DETAILS, line);
        byOutcome.merge("status " + status + ", flags " + flags + ", details " + details, 1L, Long::sum);
        boolean expected = ("200".equals(status) || "400".equals(status)) && "-".equals(flags);
        if (!expected) {
          unusualCount++;
          if (unusual.size() < UNUSUAL_LINES) {
            unusual.add(line);
          }
        }
      }
    } catch (IOException e) {
      return "## Envoy's access log\n\nUnreadable: " + e.getMessage() + "\n";
    }
    StringBuilder b = new StringBuilder("## Envoy's access log\n\n").append(lines).append(" lines of requests started from ")
        .append(since.isEmpty() ? "the beginning" : since).append(earlier == 0 ? "" : " (" + earlier
            + " earlier ones, the start-up probes', left out)").append(":\n\n");
    byOutcome.forEach((k, n) -> b.append("- ").append(n).append(" × ").append(k).append('\n'));
    b.append('\n').append(unusualCount).append(" lines with another status than 200/400 or a response flag");
    if (!unusual.isEmpty()) {
      b.append(" (the first ").append(unusual.size()).append("):\n\n```\n");
      unusual.forEach(l -> b.append(l).append('\n'));
      b.append("```\n");
    } else {
      b.append(".\n");
    }
    return b.toString();
  }

  private static String find(Pattern p, String line) {
    Matcher m = p.matcher(line);
    return m.find() ? m.group(1) : "?";
  }

  private static String num(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : String.format(Locale.ROOT, "%.3f", d);
  }
}
