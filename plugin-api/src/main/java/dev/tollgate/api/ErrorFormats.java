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
