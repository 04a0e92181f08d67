package dev.tollgate.plugins.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;

/**
 * The human-readable message of an upstream error body, whatever its shape: Anthropic's
 * {@code {"type":"error","error":{"message":..}}}, Google's {@code {"error":{"message":..}}},
 * AWS's {@code {"message":..}} / {@code {"Message":..}}, or plain text (shortened).
 */
final class ErrorText {
  private ErrorText() {
  }

  static String message(int status, byte[] body) {
    JsonNode root = Json.tryParse(body);
    if (root != null && root.isObject()) {
      JsonNode err = root.get("error");
      if (err != null && err.isObject() && err.hasNonNull("message")) {
        return err.get("message").asText();
      }
      if (err != null && err.isTextual()) {
        return err.asText();
      }
      for (String f : new String[] {"message", "Message"}) {
        if (root.hasNonNull(f)) {
          return root.get(f).asText();
        }
      }
    }
    String text = body == null ? "" : new String(body, StandardCharsets.UTF_8).trim();
    if (text.isEmpty()) {
      return "upstream returned HTTP " + status;
    }
    return "upstream returned HTTP " + status + ": " + (text.length() > 500 ? text.substring(0, 500) + "…" : text);
  }

  /** Whether the body already is an Anthropic error object. */
  static boolean isAnthropicError(byte[] body) {
    JsonNode root = Json.tryParse(body);
    return root != null && "error".equals(root.path("type").asText()) && root.path("error").isObject()
        && root.path("error").hasNonNull("type") && root.path("error").hasNonNull("message");
  }
}
