package dev.tollgate.bench.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * The Markdown table of a series that {@code bench/http/run-series.sh} wrote: for each scenario and
 * set-up the medians over the rounds with their spread (min–max), and ratios to the floor and to
 * Envoy AI Gateway ({@code aigw}) taken round by round (the set-ups of one round ran one after the
 * other, so they share that round's machine state) and then summarised the same way.
 *
 * <pre>SeriesReport DIR   (reads DIR/series.txt and DIR/raw/SCENARIO/round-N/SETUP/result.txt)</pre>
 */
public final class SeriesReport {
  static final String FLOOR = "floor";
  static final String AIGW = "aigw";

  private SeriesReport() {
  }

  /** One measured run: its {@code key=value} lines. */
  record Run(String scenario, int round, String setup, Map<String, String> values) {
    double num(String key) {
      String v = values.get(key);
      try {
        return v == null ? Double.NaN : Double.parseDouble(v);
      } catch (NumberFormatException e) {
        return Double.NaN;
      }
    }

    /** Sum of a per-role key ({@code cpu_us_per_req_ROLE}) over all roles; NaN when there is none. */
    double sumOf(String prefix) {
      double sum = 0;
      boolean any = false;
      for (Map.Entry<String, String> e : values.entrySet()) {
        if (e.getKey().startsWith(prefix)) {
          double d = num(e.getKey());
          if (!Double.isNaN(d)) {
            sum += d;
            any = true;
          }
        }
      }
      return any ? sum : Double.NaN;
    }

    boolean clean() {
      return num("errors") == 0 && num("shed") == 0 && num("mock_rejected") <= 0;
    }
  }

  /** A median with its spread. */
  record Summary(double median, double min, double max, int n) {
    static Summary of(List<Double> values) {
      List<Double> v = values.stream().filter(d -> !Double.isNaN(d) && !Double.isInfinite(d)).sorted().toList();
      if (v.isEmpty()) {
        return new Summary(Double.NaN, Double.NaN, Double.NaN, 0);
      }
      int n = v.size();
      double median = n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
      return new Summary(median, v.get(0), v.get(n - 1), n);
    }

    String format(String pattern) {
      if (n == 0) {
        return "–";
      }
      String m = String.format(Locale.ROOT, pattern, median);
      return n == 1 ? m : m + " (" + String.format(Locale.ROOT, pattern, min) + "–"
          + String.format(Locale.ROOT, pattern, max) + ")";
    }
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: SeriesReport DIR");
      System.exit(2);
    }
    System.out.print(report(Path.of(args[0])));
  }

  static String report(Path dir) throws IOException {
    List<Run> runs = read(dir.resolve("raw"));
    Map<String, String> series = Files.exists(dir.resolve("series.txt")) ? keyValues(dir.resolve("series.txt"))
        : Map.of();
    StringBuilder b = new StringBuilder();
    b.append("# HTTP through real Envoy: ").append(dir.getFileName()).append("\n\n");
    b.append(String.format(Locale.ROOT, "Rate %s req/s open loop for every set-up; warm-up %s s, measured %s s; "
            + "%s rounds, set-ups interleaved (order rotating per round); client and mock on CPU %s, gateway on CPU %s; "
            + "Envoy --concurrency %s. %s. Load average at the start: %s. Commit %s.%n%n",
        series.getOrDefault("rate", "?"), series.getOrDefault("warmup_s", "?"), series.getOrDefault("duration_s", "?"),
        series.getOrDefault("rounds", "?"), series.getOrDefault("client_cpus", "?"),
        series.getOrDefault("gateway_cpus", "?"), series.getOrDefault("envoy_concurrency", "?"),
        series.getOrDefault("machine", "?"), series.getOrDefault("loadavg_at_start", "?"),
        series.getOrDefault("commit", "?")));
    b.append("Each cell: median over the rounds (min–max). Latency from each request's intended start; ")
        .append("\"added\" is the set-up's value minus the floor's in the same round. CPU: utime+stime from ")
        .append("/proc over the measured window per completed request. RSS: peak (VmHWM) at the end. ")
        .append("Ratios are taken per round, then summarised.\n\n");
    Map<String, List<Run>> byScenario = new LinkedHashMap<>();
    for (String sc : AnswerCheck.SCENARIOS) {
      byScenario.put(sc, new ArrayList<>());
    }
    runs.forEach(r -> byScenario.computeIfAbsent(r.scenario(), k -> new ArrayList<>()).add(r));
    byScenario.forEach((sc, list) -> {
      if (!list.isEmpty()) {
        scenario(b, sc, list);
      }
    });
    if (Files.exists(dir.resolve("skipped.txt"))) {
      List<String> skipped = Files.readAllLines(dir.resolve("skipped.txt")).stream().filter(l -> !l.isBlank()).toList();
      if (!skipped.isEmpty()) {
        b.append("Skipped:\n\n");
        skipped.forEach(l -> b.append("- ").append(l).append('\n'));
        b.append('\n');
      }
    }
    return b.toString();
  }

  private static void scenario(StringBuilder b, String scenario, List<Run> runs) {
    Map<String, Map<Integer, Run>> bySetup = new LinkedHashMap<>();
    List<String> notes = new ArrayList<>();
    for (Run r : runs) {
      if (r.values().containsKey("na")) {
        notes.add(r.setup() + ": not applicable (" + r.values().get("na") + ")");
        continue;
      }
      if (r.values().containsKey("failed")) {
        notes.add(r.setup() + " round " + r.round() + ": " + r.values().get("failed"));
        continue;
      }
      bySetup.computeIfAbsent(r.setup(), k -> new TreeMap<>()).put(r.round(), r);
    }
    b.append("## ").append(scenario).append("\n\n");
    b.append("| set-up | rounds | achieved req/s | p50 ms | p99 ms | p99.9 ms | added p50 ms | added p99 ms | added p99.9 ms "
        + "| CPU µs/req Envoy | CPU µs/req processor | RSS MiB Envoy | RSS MiB processor | start-up ms | errors |\n");
    b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    Map<Integer, Run> floor = bySetup.getOrDefault(FLOOR, Map.of());
    for (Map.Entry<String, Map<Integer, Run>> e : bySetup.entrySet()) {
      Map<Integer, Run> rounds = e.getValue();
      long errors = rounds.values().stream().mapToLong(r -> (long) (num0(r, "errors") + num0(r, "shed")
          + Math.max(0, num0(r, "mock_rejected")))).sum();
      b.append("| ").append(e.getKey()).append(" | ").append(rounds.size())
          .append(" | ").append(of(rounds, r -> r.num("achieved_rate")).format("%.0f"))
          .append(" | ").append(of(rounds, r -> r.num("p50_us") / 1e3).format("%.2f"))
          .append(" | ").append(of(rounds, r -> r.num("p99_us") / 1e3).format("%.2f"))
          .append(" | ").append(of(rounds, r -> r.num("p999_us") / 1e3).format("%.2f"))
          .append(" | ").append(added(rounds, floor, "p50_us").format("%.2f"))
          .append(" | ").append(added(rounds, floor, "p99_us").format("%.2f"))
          .append(" | ").append(added(rounds, floor, "p999_us").format("%.2f"))
          .append(" | ").append(of(rounds, r -> r.num("cpu_us_per_req_envoy")).format("%.0f"))
          .append(" | ").append(of(rounds, r -> nonEnvoy(r, "cpu_us_per_req_")).format("%.0f"))
          .append(" | ").append(of(rounds, r -> r.num("hwm_kib_envoy") / 1024).format("%.0f"))
          .append(" | ").append(of(rounds, r -> nonEnvoy(r, "hwm_kib_") / 1024).format("%.0f"))
          .append(" | ").append(of(rounds, r -> r.num("startup_ms")).format("%.0f"))
          .append(" | ").append(errors).append(" |\n");
    }
    b.append('\n');
    ratios(b, "floor", bySetup, floor, false);
    if (bySetup.containsKey(AIGW)) {
      ratios(b, "Envoy AI Gateway (aigw)", bySetup, bySetup.get(AIGW), true);
    }
    for (String n : notes) {
      b.append("- ").append(n).append('\n');
    }
    if (!notes.isEmpty()) {
      b.append('\n');
    }
  }

  /** Ratios per round to a reference set-up: latency (or, against aigw, the latency added over the floor), CPU, RSS, start-up. */
  private static void ratios(StringBuilder b, String name, Map<String, Map<Integer, Run>> bySetup,
                             Map<Integer, Run> ref, boolean added) {
    if (ref.isEmpty()) {
      return;
    }
    Map<Integer, Run> floor = bySetup.getOrDefault(FLOOR, Map.of());
    String what = added ? "added p50 | added p99 | added p99.9" : "p50 | p99 | p99.9";
    b.append("Ratios to ").append(name).append(" (per round, median (min–max)):\n\n");
    b.append("| set-up | ").append(what).append(" | CPU/req total | RSS total | start-up |\n|---|---|---|---|---|---|---|\n");
    for (Map.Entry<String, Map<Integer, Run>> e : bySetup.entrySet()) {
      Map<Integer, Run> rounds = e.getValue();
      if (rounds == ref) {
        continue;
      }
      b.append("| ").append(e.getKey());
      for (String key : List.of("p50_us", "p99_us", "p999_us")) {
        List<Double> v = new ArrayList<>();
        rounds.forEach((round, r) -> {
          Run x = ref.get(round);
          if (x != null) {
            if (added) {
              Run f = floor.get(round);
              if (f != null) {
                v.add((r.num(key) - f.num(key)) / (x.num(key) - f.num(key)));
              }
            } else {
              v.add(r.num(key) / x.num(key));
            }
          }
        });
        b.append(" | ").append(Summary.of(v).format("%.2f×"));
      }
      b.append(" | ").append(ratio(rounds, ref, r -> r.sumOf("cpu_us_per_req_")).format("%.2f×"));
      b.append(" | ").append(ratio(rounds, ref, r -> r.sumOf("hwm_kib_")).format("%.2f×"));
      b.append(" | ").append(ratio(rounds, ref, r -> r.num("startup_ms")).format("%.2f×"));
      b.append(" |\n");
    }
    b.append('\n');
  }

  private static Summary ratio(Map<Integer, Run> rounds, Map<Integer, Run> ref, ToDoubleFunction<Run> f) {
    List<Double> v = new ArrayList<>();
    rounds.forEach((round, r) -> {
      Run x = ref.get(round);
      if (x != null) {
        v.add(f.applyAsDouble(r) / f.applyAsDouble(x));
      }
    });
    return Summary.of(v);
  }

  private static double num0(Run r, String key) {
    double d = r.num(key);
    return Double.isNaN(d) ? 0 : d;
  }

  /** The sum of a per-role key over every role but Envoy (the processor, or a gateway without Envoy). */
  static double nonEnvoy(Run r, String prefix) {
    double all = r.sumOf(prefix);
    double envoy = r.num(prefix + "envoy");
    if (Double.isNaN(all)) {
      return Double.NaN;
    }
    boolean onlyEnvoy = r.values().keySet().stream().filter(k -> k.startsWith(prefix)).allMatch(k -> k.equals(prefix + "envoy"));
    return onlyEnvoy ? Double.NaN : all - (Double.isNaN(envoy) ? 0 : envoy);
  }

  private static Summary of(Map<Integer, Run> rounds, ToDoubleFunction<Run> f) {
    return Summary.of(rounds.values().stream().map(r -> f.applyAsDouble(r)).toList());
  }

  private static Summary added(Map<Integer, Run> rounds, Map<Integer, Run> floor, String key) {
    List<Double> v = new ArrayList<>();
    rounds.forEach((round, r) -> {
      Run f = floor.get(round);
      if (f != null) {
        v.add((r.num(key) - f.num(key)) / 1e3);
      }
    });
    return Summary.of(v);
  }

  /** Every round directory's outcome: its result, or why it has none ({@code na}, {@code failed}). */
  static List<Run> read(Path raw) throws IOException {
    List<Run> out = new ArrayList<>();
    if (!Files.isDirectory(raw)) {
      return out;
    }
    try (Stream<Path> s = Files.walk(raw, 3)) {
      for (Path d : s.filter(p -> raw.relativize(p).getNameCount() == 3 && Files.isDirectory(p))
          .sorted(Comparator.naturalOrder()).toList()) {
        Path rel = raw.relativize(d);
        String scenario = rel.getName(0).toString();
        int round = Integer.parseInt(rel.getName(1).toString().replace("round-", ""));
        String setup = rel.getName(2).toString();
        Map<String, String> values = new LinkedHashMap<>();
        if (Files.exists(d.resolve("result.txt"))) {
          values.putAll(keyValues(d.resolve("result.txt")));
        } else if (Files.exists(d.resolve("na"))) {
          values.put("na", Files.readString(d.resolve("na")).trim());
        } else if (Files.exists(d.resolve("failed"))) {
          values.put("failed", Files.readString(d.resolve("failed")).trim());
        } else {
          values.put("failed", "no result (see " + d + ")");
        }
        out.add(new Run(scenario, round, setup, values));
      }
    }
    return out;
  }

  static Map<String, String> keyValues(Path file) throws IOException {
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file)) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        m.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return m;
  }
}
