package dev.tollgate.core.pipeline;

import dev.tollgate.api.Headers;
import java.util.Map;
import java.util.Set;

/**
 * Tollgate's answer to one phase of an exchange, independent of Envoy's types; extproc-server
 * maps it to a ProcessingResponse.
 *
 * @param setHeaders        headers to set on the message of this phase
 * @param removeHeaders     headers to remove
 * @param body              new body for this phase's body message; null leaves it unchanged. In a
 *                          headers phase it replaces the whole body (or adds one to a message
 *                          that had none), and no body message of that side follows
 * @param clearRouteCache   ask the proxy to pick the route again (the selected-backend header changed)
 * @param requestBodyMode   processing mode wanted for the request body from now on; null for no change
 * @param responseBodyMode  processing mode wanted for the response body from now on; null for no change
 * @param metadata          dynamic metadata by namespace; empty for none
 * @param localReply        when set, the exchange ends here with this reply and everything else is ignored
 */
public record PhaseResult(Headers setHeaders, Set<String> removeHeaders, byte[] body, boolean clearRouteCache,
                          BodyMode requestBodyMode, BodyMode responseBodyMode,
                          Map<String, Map<String, Object>> metadata, LocalReply localReply) {
  public static final PhaseResult CONTINUE = new PhaseResult(Headers.empty(), Set.of(), null, false, null, null,
      Map.of(), null);

  public PhaseResult {
    removeHeaders = Set.copyOf(removeHeaders);
    metadata = Map.copyOf(metadata);
  }

  public static PhaseResult reply(LocalReply reply) {
    return new PhaseResult(Headers.empty(), Set.of(), null, false, null, null, Map.of(), reply);
  }

  public boolean isLocalReply() {
    return localReply != null;
  }

  /** The same answer, also setting {@code name} to {@code value}. */
  public PhaseResult withHeader(String name, String value) {
    return new PhaseResult(setHeaders.with(name, value), removeHeaders, body, clearRouteCache, requestBodyMode,
        responseBodyMode, metadata, localReply);
  }

  public PhaseResult withMetadata(Map<String, Map<String, Object>> md) {
    return new PhaseResult(setHeaders, removeHeaders, body, clearRouteCache, requestBodyMode, responseBodyMode, md,
        localReply);
  }

  /** How a body should reach Tollgate. */
  public enum BodyMode { NONE, BUFFERED, STREAMED }

  /** A reply made by the proxy itself, ending the exchange. */
  public record LocalReply(int status, Headers headers, byte[] body, String details) {
  }
}
