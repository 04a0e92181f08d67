package dev.tollgate.api;

import java.util.Objects;

/**
 * What an upstream's error answer said, for the platform to write in the client's error format.
 * The client gets the upstream's status with it.
 *
 * @param type    the error type in the client's vocabulary (e.g. OpenAI's
 *                {@code invalid_request_error}), or null to derive it from the status
 * @param message what went wrong, for the client; never a secret
 * @param code    a machine-readable code the upstream gave (e.g. {@code context_length_exceeded}), or null
 */
public record UpstreamError(String type, String message, String code) {
  public UpstreamError {
    Objects.requireNonNull(message, "message");
  }

  /** An error with only a message. */
  public static UpstreamError of(String message) {
    return new UpstreamError(null, message, null);
  }
}
