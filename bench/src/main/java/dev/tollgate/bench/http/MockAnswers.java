package dev.tollgate.bench.http;

import dev.tollgate.bench.Scenario;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

/**
 * What the benchmark's mock provider answers, without the network: OpenAI chat completions (JSON,
 * or SSE with {@link #CHUNKS} content chunks), Bedrock Converse (JSON) and ConverseStream
 * (event-stream). Every answer is a fixed small body built once, apart from the echoed model
 * name; the request body is only searched for {@code "model"} and {@code "stream": true}, never
 * parsed, so the mock costs little next to the gateway it feeds.
 */
public final class MockAnswers {
  /** Content chunks of a streamed answer. */
  public static final int CHUNKS = 50;
  public static final String UPSTREAM_KEY = "sk-bench-upstream";
  static final String EVENT_STREAM = "application/vnd.amazon.eventstream";
  private static final Pattern SIGV4 = Pattern.compile("AWS4-HMAC-SHA256 Credential=AKIDBENCH/\\d{8}/us-east-1/bedrock"
      + "/aws4_request, .*");
  private static final Pattern MODEL = Pattern.compile("\"model\"\\s*:\\s*\"([^\"]{1,200})\"");
  private static final Pattern STREAM = Pattern.compile("\"stream\"\\s*:\\s*true");
  private static final Pattern INCLUDE_USAGE = Pattern.compile("\"include_usage\"\\s*:\\s*true");
  private static final String SCENARIO_MODEL = "gpt-4o-mini-2024-07-18";

  /** One answer: status, content type and the body as the pieces the mock writes (and flushes) one by one. */
  public record Answer(int status, String contentType, List<byte[]> pieces) {
    public int length() {
      return pieces.stream().mapToInt(p -> p.length).sum();
    }

    public String text() {
      StringBuilder b = new StringBuilder();
      pieces.forEach(p -> b.append(new String(p, StandardCharsets.UTF_8)));
      return b.toString();
    }
  }

  private final Map<String, Answer> completions = new ConcurrentHashMap<>();
  private final Map<String, Answer> streams = new ConcurrentHashMap<>();
  private final Answer converse = new Answer(200, "application/json", List.of(Scenario.converseJson()));
  private final Answer converseStream = new Answer(200, EVENT_STREAM, List.copyOf(Scenario.bedrockFrames(CHUNKS)));
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
  private final LongAdder rejected = new LongAdder();

  /**
   * The answer to one request.
   *
   * @param authorization the request's {@code Authorization} header, or null
   */
  public Answer answer(String method, String path, String authorization, byte[] body) {
    String p = path;
    int q = p.indexOf('?');
    if (q >= 0) {
      p = p.substring(0, q);
    }
    if ("GET".equals(method) && "/stats".equals(p)) {
      return json(200, stats());
    }
    if (!"POST".equals(method)) {
      return reject(405, openAiError("method " + method + " not allowed on " + p, "invalid_request_error"));
    }
    if ("/v1/chat/completions".equals(p)) {
      if (!("Bearer " + UPSTREAM_KEY).equals(authorization)) {
        return reject(401, openAiError("Incorrect API key provided (the mock wants Bearer " + UPSTREAM_KEY + ")",
            "invalid_request_error"));
      }
      String text = new String(body, StandardCharsets.UTF_8);
      java.util.regex.Matcher m = MODEL.matcher(text);
      String model = m.find() ? m.group(1) : SCENARIO_MODEL;
      if (STREAM.matcher(text).find()) {
        boolean usage = INCLUDE_USAGE.matcher(text).find();
        count(usage ? "/v1/chat/completions stream" : "/v1/chat/completions stream-no-usage");
        return usage ? streams.computeIfAbsent(model, k -> sse(k, true)) : sse(model, false);
      }
      count("/v1/chat/completions");
      return completions.computeIfAbsent(model, MockAnswers::completion);
    }
    if (p.startsWith("/model/") && (p.endsWith("/converse") || p.endsWith("/converse-stream"))) {
      if (authorization == null || !SIGV4.matcher(authorization).matches()) {
        return reject(403, "{\"message\":\"The security token included in the request is invalid (the mock wants "
            + "SigV4 by AKIDBENCH for us-east-1/bedrock).\"}");
      }
      boolean stream = p.endsWith("/converse-stream");
      String model = p.substring("/model/".length(), p.lastIndexOf('/')).replace("%3A", ":").replace("%3a", ":");
      count((stream ? "converse-stream " : "converse ") + model);
      return stream ? converseStream : converse;
    }
    return reject(404, openAiError("no such path on the mock: " + p, "invalid_request_error"));
  }

  /** Counts per path (and model for Bedrock) and of rejected requests, as JSON. */
  public String stats() {
    StringBuilder b = new StringBuilder("{\"rejected\":").append(rejected.sum()).append(",\"paths\":{");
    String sep = "";
    for (Map.Entry<String, LongAdder> e : new java.util.TreeMap<>(counts).entrySet()) {
      b.append(sep).append('"').append(e.getKey()).append("\":").append(e.getValue().sum());
      sep = ",";
    }
    return b.append("}}").toString();
  }

  private void count(String key) {
    counts.computeIfAbsent(key, k -> new LongAdder()).increment();
  }

  private Answer reject(int status, String json) {
    rejected.increment();
    return json(status, json);
  }

  private static Answer json(int status, String json) {
    return new Answer(status, "application/json", List.of(json.getBytes(StandardCharsets.UTF_8)));
  }

  private static String openAiError(String message, String type) {
    return "{\"error\":{\"message\":\"" + message.replace("\"", "'") + "\",\"type\":\"" + type
        + "\",\"param\":null,\"code\":null}}";
  }

  private static Answer completion(String model) {
    String body = new String(Scenario.completionJson(), StandardCharsets.UTF_8).replace(SCENARIO_MODEL, model);
    return new Answer(200, "application/json", List.of(body.getBytes(StandardCharsets.UTF_8)));
  }

  /** The scenario's SSE chunks with the model echoed; without usage, the usage chunk is left out. */
  private static Answer sse(String model, boolean usage) {
    List<byte[]> chunks = Scenario.sseChunks(CHUNKS);
    List<byte[]> out = new ArrayList<>(chunks.size());
    for (int i = 0; i < chunks.size(); i++) {
      String c = new String(chunks.get(i), StandardCharsets.UTF_8).replace(SCENARIO_MODEL, model);
      if (i == chunks.size() - 1 && !usage) {
        c = "data: [DONE]\n\n";
      }
      out.add(c.getBytes(StandardCharsets.UTF_8));
    }
    return new Answer(200, "text/event-stream", List.copyOf(out));
  }
}
