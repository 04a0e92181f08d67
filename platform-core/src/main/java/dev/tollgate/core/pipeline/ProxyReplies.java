package dev.tollgate.core.pipeline;

/**
 * What the client is told when the proxy answered with an error of its own (Envoy's local
 * replies carry a short plain-text body, or none) or an error answer came without a body.
 */
final class ProxyReplies {
  private ProxyReplies() {
  }

  static String message(int status) {
    return switch (status) {
      case 404 -> "no route for this request at the proxy";
      case 408 -> "the request did not arrive in time; the proxy stopped waiting for it";
      case 413 -> "the request body is larger than the proxy's buffer limit; send a smaller request"
          + " (operators: raise the listener's per_connection_buffer_limit_bytes)";
      case 429 -> "too many requests; try again later";
      case 502 -> "the upstream could not be reached or answered with an invalid response";
      case 503 -> "no healthy upstream is available for this request; try again later";
      case 504 -> "the upstream did not answer in time (operators: check the route timeout)";
      default -> "the request failed with HTTP " + status + " and no further detail";
    };
  }
}
