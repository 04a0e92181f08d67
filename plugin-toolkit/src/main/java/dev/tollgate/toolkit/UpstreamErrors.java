package dev.tollgate.toolkit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.Headers;
import dev.tollgate.api.UpstreamError;
import java.nio.charset.StandardCharsets;

/**
 * Reads an upstream's error answer, whatever its shape, into an {@link UpstreamError}:
 * <ul>
 *   <li>OpenAI and Azure: {@code {"error":{"message":..,"type":..,"code":..}}};</li>
 *   <li>Anthropic: {@code {"type":"error","error":{"type":..,"message":..}}};</li>
 *   <li>Google: {@code {"error":{"code":400,"message":..,"status":"INVALID_ARGUMENT"}}} (the status is the code);</li>
 *   <li>AWS: {@code {"message":..}} or {@code {"Message":..}}, the code from {@code x-amzn-errortype} or {@code __type};</li>
 *   <li>{@code {"error":".."}}, and plain text from proxies (shortened to 500 characters).</li>
 * </ul>
 * The upstream's error type is kept only when its body is in the client's own dialect (an
 * Anthropic error for an Anthropic client, an OpenAI one for an OpenAI client): another API's
 * vocabulary means something else there, so the type is then left to the status.
 */
public final class UpstreamErrors {
  private static final int MAX_TEXT = 500;

  private UpstreamErrors() {
  }

  /**
   * @param client the client's API, whose error vocabulary the type must be in
   */
  public static UpstreamError read(ClientApi client, int status, Headers headers, byte[] body) {
    JsonNode root = JsonSupport.tryParse(body);
    if (root != null && root.isArray() && root.size() == 1) {
      root = root.get(0); // Google's streaming endpoints wrap the error in an array
    }
    if (root != null && root.isObject()) {
      JsonNode err = root.get("error");
      if (err != null && err.isObject() && err.hasNonNull("message")) {
        boolean anthropicShape = "error".equals(text(root, "type"));
        boolean sameDialect = anthropicShape == (client == ClientApi.ANTHROPIC);
        String type = sameDialect ? text(err, "type") : null;
        String code = text(err, "code");
        if (code == null || err.path("code").isNumber()) {
          // Google's code is the HTTP status again; its canonical name, e.g. INVALID_ARGUMENT, says more
          String canonical = text(err, "status");
          code = canonical != null ? canonical : code;
        }
        return new UpstreamError(type, err.get("message").asText(), code);
      }
      if (err != null && err.isTextual()) {
        return new UpstreamError(null, err.asText(), null);
      }
      for (String f : new String[] {"message", "Message"}) {
        if (root.hasNonNull(f)) {
          return new UpstreamError(null, root.get(f).asText(), awsCode(headers, root));
        }
      }
    }
    String text = body == null ? "" : new String(body, StandardCharsets.UTF_8).trim();
    String message = "upstream returned HTTP " + status;
    if (!text.isEmpty()) {
      message += ": " + (text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) + "…" : text);
    }
    return new UpstreamError(null, message, null);
  }

  /** AWS's error type, e.g. {@code ValidationException} (from {@code ValidationException:http://...}). */
  private static String awsCode(Headers headers, JsonNode root) {
    String t = headers == null ? null : headers.value("x-amzn-errortype");
    if (t == null || t.isBlank()) {
      t = text(root, "__type");
    }
    if (t == null || t.isBlank()) {
      return null;
    }
    int colon = t.indexOf(':');
    t = colon >= 0 ? t.substring(0, colon) : t;
    int hash = t.lastIndexOf('#');
    return hash >= 0 ? t.substring(hash + 1) : t;
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() || v.isContainerNode() ? null : v.asText();
  }
}
