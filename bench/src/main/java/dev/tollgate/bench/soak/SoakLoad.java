package dev.tollgate.bench.soak;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The soak's command line: a steady mixed load through Envoy + Tollgate ({@link SoakRun}), sampled
 * every {@code --sample-every} seconds ({@link SoakSampler}), and at the end the report
 * ({@link SoakReport}): {@code OUT/samples.csv}, {@code OUT/failures.csv}, {@code OUT/summary.md}.
 *
 * <pre>
 * SoakLoad --url http://127.0.0.1:PORT/v1/chat/completions --bench DIR (bench/, for the request bodies)
 *          --tollgate-pid N --envoy-pid N --tollgate-admin PORT --envoy-admin PORT --out DIR
 *          [--rate 100] [--minutes 30] [--warmup 30 (s)] [--sample-every 30 (s)] [--timeout-ms 30000]
 *          [--max-connections 64] [--mix openai:2,stream:2,guard:1,guard-blocked:1,bedrock:2,bedrock-stream:2]
 *          [--tag key=value]...
 * </pre>
 * Exits 0 when no exchange failed, 1 otherwise.
 */
public final class SoakLoad {
  static final String DEFAULT_MIX = "openai:2,stream:2,guard:1,guard-blocked:1,bedrock:2,bedrock-stream:2";

  private SoakLoad() {
  }

  public static void main(String[] args) throws Exception {
    URI url = null;
    Path bench = null;
    Path out = null;
    long tollgatePid = -1;
    long envoyPid = -1;
    int tollgateAdmin = -1;
    int envoyAdmin = -1;
    double rate = 100;
    double minutes = 30;
    double warmup = 30;
    double sampleEvery = 30;
    long timeoutMs = 30_000;
    int maxConnections = 64;
    String mix = DEFAULT_MIX;
    Map<String, String> tags = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--url" -> url = URI.create(args[++i]);
        case "--bench" -> bench = Path.of(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        case "--tollgate-pid" -> tollgatePid = Long.parseLong(args[++i]);
        case "--envoy-pid" -> envoyPid = Long.parseLong(args[++i]);
        case "--tollgate-admin" -> tollgateAdmin = Integer.parseInt(args[++i]);
        case "--envoy-admin" -> envoyAdmin = Integer.parseInt(args[++i]);
        case "--rate" -> rate = Double.parseDouble(args[++i]);
        case "--minutes" -> minutes = Double.parseDouble(args[++i]);
        case "--warmup" -> warmup = Double.parseDouble(args[++i]);
        case "--sample-every" -> sampleEvery = Double.parseDouble(args[++i]);
        case "--timeout-ms" -> timeoutMs = Long.parseLong(args[++i]);
        case "--max-connections" -> maxConnections = Integer.parseInt(args[++i]);
        case "--mix" -> mix = args[++i];
        case "--tag" -> {
          String[] kv = args[++i].split("=", 2);
          tags.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
        default -> usage("unknown option " + args[i]);
      }
    }
    if (url == null || bench == null || out == null || tollgatePid < 0 || envoyPid < 0 || tollgateAdmin < 0
        || envoyAdmin < 0) {
      usage("--url, --bench, --out, --tollgate-pid, --envoy-pid, --tollgate-admin and --envoy-admin are required");
    }
    List<SoakKind> slots = mix(mix);
    Map<SoakKind, byte[]> requests = new EnumMap<>(SoakKind.class);
    for (SoakKind k : SoakKind.values()) {
      requests.put(k, encode(url, Files.readAllBytes(k.body(bench))));
    }
    Files.createDirectories(out);
    SoakRun.Config config = new SoakRun.Config(url.getHost(), url.getPort(), requests, slots, rate,
        seconds(warmup), seconds(minutes * 60), maxConnections, Duration.ofMillis(timeoutMs));
    tags.put("rate", fmt(rate));
    tags.put("minutes", fmt(minutes));
    tags.put("warmup_s", fmt(warmup));
    tags.put("timeout_ms", Long.toString(timeoutMs));
    tags.put("mix", mix);

    SoakRun run = new SoakRun(config);
    Path csv = out.resolve("samples.csv");
    Files.deleteIfExists(csv);
    SoakSampler sampler = new SoakSampler(tollgatePid, envoyPid, tollgateAdmin, envoyAdmin);
    List<Map<String, String>> samples = new ArrayList<>();
    ScheduledExecutorService every = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "soak-sampler");
      t.setDaemon(true);
      return t;
    });
    Runnable take = () -> {
      Map<String, String> row = sampler.sample(run.secondsSinceStart(), run.snapshot());
      synchronized (samples) {
        samples.add(row);
        appendCsv(csv, row, samples.size() == 1); // as it goes, so that a run cut short keeps its samples
      }
      System.out.println("sample " + brief(row));
      System.out.flush();
    };
    System.out.printf(Locale.ROOT, "soak: %s at %.0f req/s (mix %s), %.1f min after a %.0f s ramp, sampled every %.0f s, "
        + "timeout %d ms -> %s%n", url, rate, mix, minutes, warmup, sampleEvery, timeoutMs, out);
    every.scheduleAtFixedRate(take, 0, Math.round(sampleEvery * 1000), TimeUnit.MILLISECONDS);
    try {
      run.run();
    } finally {
      every.shutdown();
      every.awaitTermination(120, TimeUnit.SECONDS);
    }
    take.run(); // the last sample, after the drain
    List<SoakRun.Failure> failures = run.failures();
    SoakReport report = new SoakReport(tags, run.startedAt(), run.snapshot(), run.failureCauses(), failures,
        run.latency(), List.copyOf(samples), warmup);
    report.write(out);
    run.close();
    System.out.print(Files.readString(out.resolve("summary.md")));
    System.exit(failures.isEmpty() ? 0 : 1);
  }

  private static void appendCsv(Path csv, Map<String, String> row, boolean header) {
    String text = (header ? String.join(",", row.keySet()) + "\n" : "") + String.join(",", row.values()) + "\n";
    try {
      Files.writeString(csv, text, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    } catch (java.io.IOException e) {
      System.err.println("soak: cannot write " + csv + ": " + e.getMessage());
    }
  }

  /** {@code kind:weight,...} as a sequence of slots in which the kinds are spread out (smooth weighted round robin). */
  static List<SoakKind> mix(String spec) {
    Map<SoakKind, Integer> weights = new LinkedHashMap<>();
    for (String part : spec.split(",")) {
      String[] kw = part.trim().split(":", 2);
      weights.put(SoakKind.of(kw[0]), kw.length > 1 ? Integer.parseInt(kw[1]) : 1);
    }
    int total = weights.values().stream().mapToInt(Integer::intValue).sum();
    if (total <= 0) {
      throw new IllegalArgumentException("--mix " + spec + ": the weights add up to nothing");
    }
    Map<SoakKind, Integer> current = new LinkedHashMap<>();
    weights.keySet().forEach(k -> current.put(k, 0));
    List<SoakKind> slots = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      SoakKind best = null;
      for (SoakKind k : weights.keySet()) {
        current.merge(k, weights.get(k), Integer::sum);
        if (best == null || current.get(k) > current.get(best)) {
          best = k;
        }
      }
      current.merge(best, -total, Integer::sum);
      slots.add(best);
    }
    return List.copyOf(slots);
  }

  /** The request as it goes on the wire: POST, HTTP/1.1, keep-alive, JSON body. */
  static byte[] encode(URI url, byte[] body) {
    String head = "POST " + url.getRawPath() + " HTTP/1.1\r\nHost: " + url.getHost() + ":" + url.getPort()
        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
    byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
    byte[] all = new byte[h.length + body.length];
    System.arraycopy(h, 0, all, 0, h.length);
    System.arraycopy(body, 0, all, h.length, body.length);
    return all;
  }

  private static String brief(Map<String, String> row) {
    StringBuilder b = new StringBuilder();
    for (String k : List.of("t_s", "loadavg_1m", "cpu1_busy", "exchanges_ok", "exchanges_failed", "interval_rate",
        "interval_p99_ms", "tg_heap_after_gc_kb", "tg_rss_kb", "tg_threads", "tg_fds", "tg_streams_open",
        "envoy_rss_kb", "envoy_fds", "ext_proc_streams_failed")) {
      b.append(k).append('=').append(row.get(k)).append(' ');
    }
    return b.toString().trim();
  }

  private static Duration seconds(double s) {
    return Duration.ofNanos(Math.round(s * 1e9));
  }

  static String fmt(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : String.format(Locale.ROOT, "%.2f", d);
  }

  private static void usage(String problem) {
    System.err.println("soak: " + problem + "; see the class javadoc of " + SoakLoad.class.getName());
    System.exit(2);
  }
}
