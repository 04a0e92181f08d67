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
      public void localReply(int status, String cause, ExchangeFacts exchange) {
        first.localReply(status, cause, exchange);
        second.localReply(status, cause, exchange);
      }

      @Override
      public void routed(String rule, String backend, String model) {
        first.routed(rule, backend, model);
        second.routed(rule, backend, model);
      }

      @Override
      public void completed(ExchangeFacts exchange, int status, TokenUsage usage) {
        first.completed(exchange, status, usage);
        second.completed(exchange, status, usage);
      }

      @Override
      public void streamed(ExchangeFacts exchange, Duration timeToFirstChunk, Duration generation, TokenUsage usage) {
        first.streamed(exchange, timeToFirstChunk, generation, usage);
        second.streamed(exchange, timeToFirstChunk, generation, usage);
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

  /**
   * An exchange ended with a local reply; {@code exchange} holds what was known of it by then.
   * The default calls {@link #localReply(int, String)}.
   */
  default void localReply(int status, String cause, ExchangeFacts exchange) {
    localReply(status, cause);
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
   * An exchange that reached a backend finished, with its {@code exchange} facts (endpoint, schema,
   * duration). The default calls {@link #completed(String, String, String, int, TokenUsage)}.
   */
  default void completed(ExchangeFacts exchange, int status, TokenUsage usage) {
    completed(exchange.backend(), exchange.requestModel(), exchange.responseModel(), status, usage);
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

  /**
   * A streamed answer finished (called just before {@link #completed(ExchangeFacts, int, TokenUsage)});
   * the arguments are those of {@link #streamed(String, String, Duration, Duration, TokenUsage)},
   * which the default calls.
   */
  default void streamed(ExchangeFacts exchange, Duration timeToFirstChunk, Duration generation, TokenUsage usage) {
    streamed(exchange.backend(), exchange.responseModel(), timeToFirstChunk, generation, usage);
  }
}
