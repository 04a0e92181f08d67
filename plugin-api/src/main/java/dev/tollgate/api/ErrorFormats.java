package dev.tollgate.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Error bodies in each client API's own format. */
public final class ErrorFormats {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ErrorFormats() {
  }

  /**
   * OpenAI: {@code {"error":{"message":..,"type":..,"param":null,"code":..}}};
   * Anthropic: {@code {"type":"error","error":{"type":..,"message":..}}}.
   */
  public static byte[] render(ClientApi api, int status, String type, String message) {
    ObjectNode root = JSON.createObjectNode();
    if (api == ClientApi.ANTHROPIC) {
      root.put("type", "error");
      ObjectNode err = root.putObject("error");
      err.put("type", type == null ? anthropicType(status) : type);
      err.put("message", message);
    } else {
      ObjectNode err = root.putObject("error");
      err.put("message", message);
      err.put("type", type == null ? openAiType(status) : type);
      err.putNull("param");
      err.put("code", String.valueOf(status));
    }
    try {
      return JSON.writeValueAsBytes(root);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The human-readable message of an upstream error body, whatever its shape: OpenAI's, Google's
   * and Anthropic's {@code {"error":{"message":..}}}, {@code {"error":".."}}, AWS's
   * {@code {"message":..}} / {@code {"Message":..}}, or plain text (shortened to 500 characters).
   */
  public static String upstreamMessage(int status, byte[] body) {
    com.fasterxml.jackson.databind.JsonNode root = JsonSupport.tryParse(body);
    if (root != null && root.isObject()) {
      com.fasterxml.jackson.databind.JsonNode err = root.get("error");
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
    String text = body == null ? "" : new String(body, java.nio.charset.StandardCharsets.UTF_8).trim();
    if (text.isEmpty()) {
      return "upstream returned HTTP " + status;
    }
    return "upstream returned HTTP " + status + ": " + (text.length() > 500 ? text.substring(0, 500) + "…" : text);
  }

  /** The usual OpenAI error type for an HTTP status. */
  public static String openAiType(int status) {
    return switch (status) {
      case 400, 404, 413, 422 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 429 -> "rate_limit_error";
      default -> status >= 500 ? "server_error" : "invalid_request_error";
    };
  }

  /** The usual Anthropic error type for an HTTP status. */
  public static String anthropicType(int status) {
    return switch (status) {
      case 400, 413, 422 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 429 -> "rate_limit_error";
      case 529 -> "overloaded_error";
      default -> "api_error";
    };
  }
}
