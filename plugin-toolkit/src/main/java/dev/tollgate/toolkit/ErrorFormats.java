package dev.tollgate.toolkit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.UpstreamError;
import java.io.ByteArrayOutputStream;
import java.util.Set;

/**
 * Errors in each client API's own format: whole error bodies, and the terminal error event of a
 * stream whose headers have already gone.
 */
public final class ErrorFormats {
  /** The error types Anthropic documents; another upstream's type is replaced by the status's. */
  private static final Set<String> ANTHROPIC_TYPES = Set.of("invalid_request_error", "authentication_error",
      "permission_error", "not_found_error", "request_too_large", "rate_limit_error", "api_error", "overloaded_error");

  private ErrorFormats() {
  }

  /**
   * OpenAI: {@code {"error":{"message":..,"type":..,"param":null,"code":..}}};
   * Anthropic: {@code {"type":"error","error":{"type":..,"message":..}}}.
   */
  public static byte[] render(ClientApi api, int status, String type, String message) {
    return render(api, status, new UpstreamError(type, message, null));
  }

  /**
   * An error as the client's API writes it. OpenAI's {@code code} is the error's code, else the
   * status; a type outside the client's vocabulary (for Anthropic) gives way to the status's.
   */
  public static byte[] render(ClientApi api, int status, UpstreamError error) {
    String type = error.type();
    String message = error.message();
    ObjectNode root = JsonSupport.object();
    if (api == ClientApi.ANTHROPIC) {
      root.put("type", "error");
      ObjectNode err = root.putObject("error");
      err.put("type", type == null || !ANTHROPIC_TYPES.contains(type) ? anthropicType(status) : type);
      err.put("message", message);
    } else {
      ObjectNode err = root.putObject("error");
      err.put("message", message);
      err.put("type", type == null ? openAiType(status) : type);
      err.putNull("param");
      err.put("code", error.code() == null ? String.valueOf(status) : error.code());
    }
    return JsonSupport.bytes(root);
  }

  /**
   * The end of a stream that failed after its headers went: Anthropic's {@code error} event, or
   * an OpenAI {@code data:} error followed by {@code data: [DONE]}.
   */
  public static byte[] streamError(ClientApi api, int status, String message) {
    return streamError(api, status, UpstreamError.of(message));
  }

  /** {@link #streamError(ClientApi, int, String)} with the error's type and code (see {@link #render(ClientApi, int, UpstreamError)}). */
  public static byte[] streamError(ClientApi api, int status, UpstreamError error) {
    String body = new String(render(api, status, error), java.nio.charset.StandardCharsets.UTF_8);
    if (api == ClientApi.ANTHROPIC) {
      return SseDecoder.encode("error", body);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(SseDecoder.encode(null, body));
    out.writeBytes(SseDecoder.encode(null, "[DONE]"));
    return out.toByteArray();
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
