package dev.tollgate.toolkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;

/** JSON helpers for translators: lenient parsing of upstream bytes and writing without checked exceptions. */
public final class JsonSupport {
  /** A shared mapper; thread-safe once configured, never reconfigure it. */
  public static final ObjectMapper MAPPER = new ObjectMapper();

  private JsonSupport() {
  }

  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  public static byte[] bytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String string(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The parsed JSON, or null when the bytes are empty or not JSON. */
  public static JsonNode tryParse(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      return null;
    }
    try {
      return MAPPER.readTree(bytes);
    } catch (IOException e) {
      return null;
    }
  }

  /** The parsed JSON, or null when the text is not JSON. */
  public static JsonNode tryParse(String text) {
    try {
      return MAPPER.readTree(text);
    } catch (IOException e) {
      return null;
    }
  }
}
