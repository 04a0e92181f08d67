package dev.tollgate.api.spi;

import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;
import org.pf4j.ExtensionPoint;

/**
 * Speaks one backend API schema. For each exchange routed to a backend of {@link #schema()}, the
 * platform calls {@link #start} once, then feeds the upstream's answer to the returned
 * {@link Exchange}. One translator instance serves all exchanges concurrently; per-exchange state
 * lives in the {@link Exchange}.
 */
public interface ProviderTranslator extends ExtensionPoint {
  /** The backend schema name used in the gateway config, e.g. {@code OpenAI}. Unique across plugins. */
  String schema();

  /**
   * Checks a backend of this schema when the config is loaded, so that a missing or wrong
   * provider setting stops the load instead of failing requests. The default accepts anything.
   *
   * @param backend the backend as configured
   * @param at      its place in the config, e.g. {@code backends[2]}, for error fields
   */
  default void validate(BackendTarget backend, String at) throws dev.tollgate.api.InvalidConfigException {
  }

  /** Whether requests arriving at the client {@code endpoint} can be sent to this schema. */
  boolean supports(Endpoint endpoint);

  /**
   * Translates the client's request for {@code backend}.
   *
   * @throws GatewayException when the request cannot be expressed in this schema (400), with a
   *                          message the client can act on
   */
  Exchange start(ClientRequest request, BackendTarget backend) throws GatewayException;

  /**
   * One exchange: the translated request and a stateful translator for its answer.
   *
   * <p>Compression is the platform's business: it never sends the client's {@code accept-encoding}
   * upstream, and when an upstream compresses anyway ({@code content-encoding} gzip, deflate or
   * br) it decodes the body before the translator sees it and takes {@code content-encoding} and
   * {@code content-length} off the answer to the client. A translator always reads plain bytes.
   */
  interface Exchange {
    /** The upstream request, before credentials are added. */
    dev.tollgate.api.UpstreamRequest request();

    /**
     * Translates the answer's headers. Called once, before any body. {@code headers} are as the
     * body will be read: without {@code content-encoding} (nor {@code content-length}) when the
     * platform decodes it.
     */
    ResponseHead onResponseHeaders(int status, dev.tollgate.api.Headers headers) throws GatewayException;

    /**
     * Translates a piece of the answer's body. In buffered mode this is called once with the whole
     * body; in streamed mode once per chunk as it arrives, split at arbitrary bytes, the last one
     * with {@code endOfStream}. Return the bytes to send to the client for this piece (possibly
     * empty, to hold back an incomplete frame). Errors (status >= 400) arrive here too and must
     * come back in the client's error format.
     */
    byte[] onResponseBody(byte[] chunk, boolean endOfStream) throws GatewayException;

    /** Token usage seen so far; final after the last body piece. */
    dev.tollgate.api.TokenUsage usage();

    /** The model that answered, as reported by the upstream, or the requested one. */
    String responseModel();
  }
}
