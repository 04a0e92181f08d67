package dev.tollgate.bench.http;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

/**
 * The HTTP load generator's command line (see {@link HttpLoadRun}): one scenario's request,
 * open loop at a fixed rate, through a gateway's listener.
 *
 * <pre>
 * HttpLoad --url http://127.0.0.1:PORT/v1/chat/completions --body FILE --scenario openai|bedrock|stream|guard
 *          [--header 'Name: value']... [--headers-file FILE] [--rate 500] [--warmup 10] [--duration 30]
 *          [--connections 8] [--max-connections 64] [--max-queued 100000] [--timeout-ms 10000]
 *          [--pids FILE (ROLE PID lines)] [--pid ROLE:PID]... [--out FILE] [--hlog FILE]
 *          [--tag key=value]... [--report-every 5]
 * HttpLoad --once ... [--answer-out FILE]   one request, its answer checked; exit 1 when wrong
 * </pre>
 * The result goes to stdout (and {@code --out}) as {@code key=value} lines.
 */
public final class HttpLoad {
  private HttpLoad() {
  }

  public static void main(String[] args) throws Exception {
    URI url = null;
    Path body = null;
    String scenario = null;
    List<String> headers = new ArrayList<>();
    double rate = 500;
    double warmup = 10;
    double duration = 30;
    int connections = 8;
    int maxConnections = 64;
    int maxQueued = 100_000;
    long timeoutMs = 10_000;
    List<HttpLoadRun.Target> targets = new ArrayList<>();
    Path out = null;
    Path hlog = null;
    Path answerOut = null;
    boolean once = false;
    double reportEvery = 5;
    Map<String, String> tags = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--url" -> url = URI.create(args[++i]);
        case "--body" -> body = Path.of(args[++i]);
        case "--scenario" -> scenario = args[++i];
        case "--header" -> headers.add(args[++i]);
        case "--headers-file" -> {
          Path f = Path.of(args[++i]);
          if (Files.exists(f)) {
            Files.readAllLines(f).stream().filter(l -> !l.isBlank()).forEach(headers::add);
          }
        }
        case "--rate" -> rate = Double.parseDouble(args[++i]);
        case "--warmup" -> warmup = Double.parseDouble(args[++i]);
        case "--duration" -> duration = Double.parseDouble(args[++i]);
        case "--connections" -> connections = Integer.parseInt(args[++i]);
        case "--max-connections" -> maxConnections = Integer.parseInt(args[++i]);
        case "--max-queued" -> maxQueued = Integer.parseInt(args[++i]);
        case "--timeout-ms" -> timeoutMs = Long.parseLong(args[++i]);
        case "--pids" -> targets.addAll(readPids(Path.of(args[++i])));
        case "--pid" -> {
          String[] rp = args[++i].split(":", 2);
          targets.add(new HttpLoadRun.Target(rp[0], Long.parseLong(rp[1])));
        }
        case "--out" -> out = Path.of(args[++i]);
        case "--hlog" -> hlog = Path.of(args[++i]);
        case "--answer-out" -> answerOut = Path.of(args[++i]);
        case "--once" -> once = true;
        case "--report-every" -> reportEvery = Double.parseDouble(args[++i]);
        case "--tag" -> {
          String[] kv = args[++i].split("=", 2);
          tags.put(kv[0], kv[1]);
        }
        default -> usage("unknown option " + a);
      }
    }
    if (url == null || body == null || scenario == null) {
      usage("--url, --body and --scenario are required");
    }
    byte[] bodyBytes = Files.readAllBytes(body);
    AnswerCheck check = AnswerCheck.forScenario(scenario);
    if (once) {
      System.exit(once(url, bodyBytes, headers, check, answerOut) ? 0 : 1);
    }
    byte[] request = encode(url, bodyBytes, headers);
    HttpLoadRun.Config config = new HttpLoadRun.Config(url.getHost(), url.getPort(), request, check, rate,
        seconds(warmup), seconds(duration), connections, maxConnections, maxQueued, Duration.ofMillis(timeoutMs),
        List.copyOf(targets), seconds(reportEvery));
    System.out.printf(Locale.ROOT, "http load: %s %s at %.0f req/s open loop, warm-up %.0fs, measured %.0fs, "
            + "processes %s%n", scenario, url, rate, warmup, duration, targets);
    HttpLoadRun.Result r = new HttpLoadRun(config, System.out).run();
    tags.put("scenario", scenario);
    String text = format(r, tags);
    System.out.print(text);
    if (out != null) {
      Files.writeString(out, text);
    }
    if (hlog != null) {
      try (PrintStream ps = new PrintStream(Files.newOutputStream(hlog), false, StandardCharsets.UTF_8)) {
        HistogramLogWriter w = new HistogramLogWriter(ps);
        w.outputComment("latency from the intended start, microseconds: " + tags);
        w.outputLogFormatVersion();
        w.outputLegend();
        w.outputIntervalHistogram(r.latency());
      }
    }
    System.exit(r.errors() + r.shed() > 0 ? 1 : 0);
  }

  private static void usage(String problem) {
    System.err.println("http load: " + problem + "; see the class javadoc of " + HttpLoad.class.getName());
    System.exit(2);
  }

  private static Duration seconds(double s) {
    return Duration.ofNanos(Math.round(s * 1e9));
  }

  /** {@code ROLE PID} lines, as a set-up's {@code start} writes them. */
  static List<HttpLoadRun.Target> readPids(Path file) throws IOException {
    List<HttpLoadRun.Target> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      String[] f = line.trim().split("\\s+");
      if (f.length == 2) {
        out.add(new HttpLoadRun.Target(f[0], Long.parseLong(f[1])));
      }
    }
    return out;
  }

  /** The request as it goes on the wire: POST, HTTP/1.1, keep-alive, JSON body. */
  static byte[] encode(URI url, byte[] body, List<String> headers) {
    StringBuilder b = new StringBuilder();
    String path = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
    b.append("POST ").append(path).append(" HTTP/1.1\r\n");
    b.append("Host: ").append(url.getHost()).append(':').append(url.getPort()).append("\r\n");
    b.append("Content-Type: application/json\r\n");
    b.append("Content-Length: ").append(body.length).append("\r\n");
    for (String h : headers) {
      b.append(h.trim()).append("\r\n");
    }
    b.append("\r\n");
    byte[] head = b.toString().getBytes(StandardCharsets.ISO_8859_1);
    byte[] all = new byte[head.length + body.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(body, 0, all, head.length, body.length);
    return all;
  }

  /** One request with the JDK's client (speed does not matter here); prints what is wrong, if anything. */
  private static boolean once(URI url, byte[] body, List<String> headers, AnswerCheck check, Path answerOut)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30))
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
    for (String h : headers) {
      int colon = h.indexOf(':');
      b.header(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
    }
    HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
        .send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (answerOut != null) {
      Files.writeString(answerOut, r.body());
    }
    String problem = check.problem(r.statusCode(), r.headers().firstValue("content-type").orElse(null), r.body());
    System.out.println(problem == null ? "ok: " + r.statusCode() + " " + check.name().toLowerCase(Locale.ROOT)
        + " with the mock's text" : "wrong answer: " + problem);
    return problem == null;
  }

  static String format(HttpLoadRun.Result r, Map<String, String> tags) {
    Map<String, String> kv = new LinkedHashMap<>(tags);
    Histogram l = r.latency();
    Histogram s = r.service();
    kv.put("target_rate", fmt(r.targetRate()));
    kv.put("achieved_rate", fmt(r.achievedRate()));
    kv.put("started", Long.toString(r.started()));
    kv.put("completed", Long.toString(r.completed()));
    kv.put("errors", Long.toString(r.errors()));
    kv.put("shed", Long.toString(r.shed()));
    kv.put("wall_s", fmt(r.wallSeconds()));
    kv.put("p50_us", Long.toString(l.getValueAtPercentile(50)));
    kv.put("p90_us", Long.toString(l.getValueAtPercentile(90)));
    kv.put("p99_us", Long.toString(l.getValueAtPercentile(99)));
    kv.put("p999_us", Long.toString(l.getValueAtPercentile(99.9)));
    kv.put("max_us", Long.toString(l.getMaxValue()));
    kv.put("mean_us", fmt(l.getMean()));
    kv.put("svc_p50_us", Long.toString(s.getValueAtPercentile(50)));
    kv.put("svc_p99_us", Long.toString(s.getValueAtPercentile(99)));
    kv.put("connections_opened", Integer.toString(r.connectionsOpened()));
    kv.put("client_cores", fmt(r.clientCpuNanos() / 1e9 / r.wallSeconds()));
    Map<String, long[]> byRole = new LinkedHashMap<>();
    for (HttpLoadRun.Usage u : r.usage()) {
      long[] sum = byRole.computeIfAbsent(u.role(), k -> new long[3]);
      sum[0] += Math.max(0, u.cpuNanos());
      sum[1] += Math.max(0, u.hwmKib());
      sum[2] += Math.max(0, u.rssKib());
    }
    byRole.forEach((role, v) -> {
      kv.put("cpu_us_per_req_" + role, fmt(r.cpuMicrosPerRequest(role)));
      kv.put("cores_" + role, fmt(v[0] / 1e9 / r.wallSeconds()));
      kv.put("hwm_kib_" + role, Long.toString(v[1]));
      kv.put("rss_kib_" + role, Long.toString(v[2]));
    });
    StringBuilder b = new StringBuilder();
    kv.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
    int n = 0;
    for (Map.Entry<String, Long> e : r.errorKinds().entrySet()) {
      b.append("error_kind_").append(n++).append('=').append(e.getValue()).append(' ')
          .append(e.getKey().replace('\n', ' ')).append('\n');
    }
    return b.toString();
  }

  private static String fmt(double d) {
    return Double.isNaN(d) ? "NaN" : String.format(Locale.ROOT, "%.2f", d);
  }
}
