package dev.tollgate.api;

/**
 * A failure that ends an exchange with a local reply. The platform renders it in the client's
 * own error format with the given HTTP status; the message is shown to the client, so it must
 * never contain secrets.
 */
public class GatewayException extends Exception {
  private final int status;
  private final String type;

  public GatewayException(int status, String type, String message) {
    super(message);
    this.status = status;
    this.type = type;
  }

  public GatewayException(int status, String type, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.type = type;
  }

  public static GatewayException badRequest(String message) {
    return new GatewayException(400, "invalid_request_error", message);
  }

  /** HTTP status of the local reply. */
  public int status() {
    return status;
  }

  /** Error type in the client's vocabulary, e.g. {@code invalid_request_error}. */
  public String type() {
    return type;
  }
}
