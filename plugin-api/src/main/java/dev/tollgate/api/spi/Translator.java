package dev.tollgate.api.spi;

import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamError;
import dev.tollgate.api.UpstreamRequest;

/**
 * Translates for one backend (see {@link TranslatorFactory#create}). For each exchange routed to
 * it, the platform calls {@link #start} once, then feeds the upstream's answer to the returned
 * {@link Exchange}. One instance serves all exchanges concurrently; per-exchange state lives in
 * the {@link Exchange}.
 */
@FunctionalInterface
public interface Translator {
  /**
   * Translates the client's request.
   *
   * @throws GatewayException when the request cannot be expressed for this backend (400), with a
   *                          message the client can act on
   */
  Exchange start(ClientRequest request) throws GatewayException;

  /**
   * One exchange: the translated request and a stateful translator for its answer.
   *
   * <p>A successful answer (status below 400) goes through {@link #onResponseHeaders} and
   * {@link #onResponseBody}; an error answer goes to {@link #onError} alone, whole. The platform
   * writes every error in the client's own format, so a translator never writes one.
   *
   * <p>Compression is the platform's business: it never sends the client's {@code accept-encoding}
   * upstream, and when an upstream compresses anyway ({@code content-encoding} gzip, deflate or
   * br) it decodes the body before the translator sees it and takes {@code content-encoding} and
   * {@code content-length} off the answer to the client. A translator always reads plain bytes.
   */
  interface Exchange {
    /** The upstream request, before credentials are added. */
    UpstreamRequest request();

    /**
     * Translates the headers of a successful answer. Called once, before any body. {@code headers}
     * are as the body will be read: without {@code content-encoding} (nor {@code content-length})
     * when the platform decodes it.
     */
    ResponseHead onResponseHeaders(int status, Headers headers) throws GatewayException;

    /**
     * Translates a piece of a successful answer's body. In buffered mode this is called once with
     * the whole body; in streamed mode once per chunk as it arrives, split at arbitrary bytes, the
     * last one with {@code endOfStream}. Return the bytes to send to the client for this piece
     * (possibly empty, to hold back an incomplete frame).
     */
    byte[] onResponseBody(byte[] chunk, boolean endOfStream) throws GatewayException;

    /**
     * Reads an error answer (status 400 and above; {@code body} whole, possibly empty). Return
     * what went wrong, or null to let the platform read it: it understands the common JSON error
     * shapes (OpenAI, Anthropic, Google, AWS) and plain text. The platform answers the client
     * with the error's status in the client's error format.
     */
    default UpstreamError onError(int status, Headers headers, byte[] body) {
      return null;
    }

    /** Token usage seen so far; final after the last body piece. */
    TokenUsage usage();

    /** The model that answered, as reported by the upstream, or the requested one. */
    String responseModel();
  }
}
