package dev.tollgate.core.pipeline;

import dev.tollgate.api.TokenUsage;

/** Observes finished exchanges (metrics, access logs). Called on the exchange's thread; keep it quick. */
public interface GatewayListener {
  GatewayListener NONE = new GatewayListener() { };

  /** An exchange ended with a local reply of {@code status}; {@code cause} is a short machine-readable reason. */
  default void localReply(int status, String cause) {
  }

  /** An exchange that reached a backend finished. */
  default void completed(String backend, String model, int status, TokenUsage usage) {
  }
}
