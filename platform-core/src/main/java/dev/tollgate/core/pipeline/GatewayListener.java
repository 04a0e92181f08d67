package dev.tollgate.core.pipeline;

import dev.tollgate.api.TokenUsage;
import java.time.Duration;

/** Observes exchanges (metrics, access logs, explain). Called on the exchange's thread; keep it quick. */
public interface GatewayListener {
  GatewayListener NONE = new GatewayListener() { };

  /** A listener that tells {@code first}, then {@code second}. */
  static GatewayListener both(GatewayListener first, GatewayListener second) {
    return new GatewayListener() {
      @Override
      public void localReply(int status, String cause) {
        first.localReply(status, cause);
        second.localReply(status, cause);
      }

      @Override
      public void pluginFailed(String backend, String extension, String cause) {
        first.pluginFailed(backend, extension, cause);
        second.pluginFailed(backend, extension, cause);
      }

      @Override
      public void routed(String rule, String backend, String model) {
        first.routed(rule, backend, model);
        second.routed(rule, backend, model);
      }

      @Override
      public void completed(String backend, String requestModel, String responseModel, int status, TokenUsage usage) {
        first.completed(backend, requestModel, responseModel, status, usage);
        second.completed(backend, requestModel, responseModel, status, usage);
      }

      @Override
      public void streamed(String backend, String model, Duration timeToFirstChunk, Duration generation,
                           TokenUsage usage) {
        first.streamed(backend, model, timeToFirstChunk, generation, usage);
        second.streamed(backend, model, timeToFirstChunk, generation, usage);
      }
    };
  }

  /** An exchange ended with a local reply of {@code status}; {@code cause} is a short machine-readable reason. */
  default void localReply(int status, String cause) {
  }

  /**
   * An extension failed on an exchange of {@code backend}: it threw, or raised a
   * {@link dev.tollgate.api.GatewayException} of status 500 or more. {@code extension} is its kind
   * and type ({@code auth/APIKey}, {@code translator/OpenAI}, {@code guard/Regex},
   * {@code enricher/PromptEnrichment}, {@code cost/InputToken}); {@code cause} as
   * {@link FailureLog#cause}.
   */
  default void pluginFailed(String backend, String extension, String cause) {
  }

  /** A request was routed: {@code rule} (null when the routing header chose) selected {@code backend}. */
  default void routed(String rule, String backend, String model) {
  }

  /** An exchange that reached a backend finished. */
  default void completed(String backend, String model, int status, TokenUsage usage) {
  }

  /**
   * An exchange that reached a backend finished; {@code requestModel} is the client's model,
   * {@code responseModel} the one that answered. The default calls {@link #completed(String, String, int, TokenUsage)}.
   */
  default void completed(String backend, String requestModel, String responseModel, int status, TokenUsage usage) {
    completed(backend, responseModel, status, usage);
  }

  /**
   * A streamed answer finished (called just before {@link #completed}).
   *
   * @param timeToFirstChunk from the moment the translated request was handed to the proxy to the
   *                         first non-empty piece passed on to the client; null when none was
   * @param generation       from that first piece to the last non-empty one
   * @param usage            the exchange's token usage, for time per output token
   */
  default void streamed(String backend, String model, Duration timeToFirstChunk, Duration generation,
                        TokenUsage usage) {
  }
}
