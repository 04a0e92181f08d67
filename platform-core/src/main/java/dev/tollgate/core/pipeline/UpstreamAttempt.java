package dev.tollgate.core.pipeline;

import java.util.Map;

/**
 * One attempt Envoy makes in its upstream filter chain for a rule of placement {@code UPSTREAM}:
 * the backend of the endpoint Envoy picked for it, the Host that backend wants, the attempt's
 * number (1 for the first) and the hand-over metadata the router phase wrote (empty when the
 * proxy forwarded none).
 */
public record UpstreamAttempt(String backend, String host, int number, Map<String, Object> handoff) {
  public UpstreamAttempt {
    handoff = handoff == null ? Map.of() : Map.copyOf(handoff);
  }
}
