package dev.tollgate.conformance;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * An upstream's answer as recorded: status, headers (lower-case names) and body bytes.
 *
 * @param status  the HTTP status, below 400 for a sample (errors are the kit's own)
 * @param headers response headers
 * @param body    the exact body bytes, a whole answer or a whole stream
 */
public record UpstreamAnswer(int status, Map<String, String> headers, byte[] body) {
  public UpstreamAnswer {
    headers = Map.copyOf(headers);
    body = body.clone();
  }

  /** A 200 JSON answer. */
  public static UpstreamAnswer json(String body) {
    return new UpstreamAnswer(200, Map.of("content-type", "application/json"), bytes(body));
  }

  /** A 200 server-sent-events stream, its text exactly as sent (events end with a blank line). */
  public static UpstreamAnswer sse(String stream) {
    return new UpstreamAnswer(200, Map.of("content-type", "text/event-stream"), bytes(stream));
  }

  /** A 200 answer with any content type, e.g. AWS's {@code application/vnd.amazon.eventstream}. */
  public static UpstreamAnswer of(String contentType, byte[] body) {
    return new UpstreamAnswer(200, Map.of("content-type", contentType), body);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
