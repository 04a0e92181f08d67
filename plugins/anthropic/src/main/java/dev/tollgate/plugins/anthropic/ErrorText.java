package dev.tollgate.plugins.anthropic;

import dev.tollgate.api.JsonSupport;
import com.fasterxml.jackson.databind.JsonNode;

/** Recognises error bodies that are already in Anthropic's format. */
final class ErrorText {
  private ErrorText() {
  }

  /** Whether the body already is an Anthropic error object. */
  static boolean isAnthropicError(byte[] body) {
    JsonNode root = JsonSupport.tryParse(body);
    return root != null && "error".equals(root.path("type").asText()) && root.path("error").isObject()
        && root.path("error").hasNonNull("type") && root.path("error").hasNonNull("message");
  }
}
