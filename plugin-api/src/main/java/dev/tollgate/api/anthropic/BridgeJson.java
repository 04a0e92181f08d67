package dev.tollgate.api.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** JSON helpers of this package. */
final class BridgeJson {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private BridgeJson() {
  }

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  static byte[] bytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String string(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The parsed JSON, or null when the bytes are not JSON. */
  static JsonNode tryParse(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      return null;
    }
    try {
      return MAPPER.readTree(bytes);
    } catch (IOException e) {
      return null;
    }
  }

  static JsonNode tryParse(String text) {
    try {
      return MAPPER.readTree(text);
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * The human-readable message of an upstream error body: OpenAI's and Google's
   * {@code {"error":{"message":..}}}, {@code {"error":".."}}, AWS's {@code {"message":..}} /
   * {@code {"Message":..}}, or plain text (shortened).
   */
  static String errorMessage(int status, byte[] body) {
    JsonNode root = tryParse(body);
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
}
