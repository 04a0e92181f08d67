package dev.tollgate.toolkit;

import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.ResponseHead;
import dev.tollgate.api.spi.Translator;
import java.io.ByteArrayOutputStream;
import java.util.Set;

/**
 * The skeleton every exchange shares: the request, the model and usage read so far, a whole
 * answer collected until its end, and a streamed one decoded as server-sent events. A subclass
 * writes what differs: {@link #onWhole} for a whole answer, {@link #onEvent} and
 * {@link #onStreamEnd} for a stream (or {@link #onStreamPiece} for another framing). Errors do not
 * come here: the platform reads them (see {@link Translator.Exchange#onError}). Not thread-safe:
 * one per exchange.
 */
public abstract class AbstractExchange implements Translator.Exchange {
  protected static final byte[] NOTHING = new byte[0];

  private final UpstreamRequest request;
  private String model;
  private TokenUsage usage = TokenUsage.NONE;
  private boolean streamed;
  private SseDecoder decoder;
  private final ByteArrayOutputStream whole = new ByteArrayOutputStream();

  /**
   * @param request the upstream request this exchange answers
   * @param model   the model asked for, until the answer names one
   */
  protected AbstractExchange(UpstreamRequest request, String model) {
    this.request = request;
    this.model = model;
  }

  @Override
  public final UpstreamRequest request() {
    return request;
  }

  @Override
  public ResponseHead onResponseHeaders(int status, Headers headers) throws GatewayException {
    streamed = isStream(headers);
    return streamed ? streamHead() : wholeHead();
  }

  /** Whether the answer is a stream; by default, whether its content type is {@code text/event-stream}. */
  protected boolean isStream(Headers headers) {
    return headers.get("content-type").orElse("").startsWith("text/event-stream");
  }

  /** The head of a translated stream: SSE, its length unknown. */
  protected ResponseHead streamHead() {
    return new ResponseHead(Headers.of("content-type", "text/event-stream"), Set.of("content-length"), true);
  }

  /** The head of a translated whole answer: JSON, its length changed. */
  protected ResponseHead wholeHead() {
    return new ResponseHead(Headers.of("content-type", "application/json"), Set.of("content-length"), false);
  }

  @Override
  public byte[] onResponseBody(byte[] chunk, boolean endOfStream) throws GatewayException {
    if (streamed) {
      return onStreamPiece(chunk, endOfStream);
    }
    if (endOfStream && whole.size() == 0) {
      return onWhole(chunk); // buffered: the whole body in one piece
    }
    whole.writeBytes(chunk);
    return endOfStream ? onWhole(whole.toByteArray()) : NOTHING;
  }

  /** The whole answer; returns what the client gets (the same array for "unchanged"). */
  protected abstract byte[] onWhole(byte[] body) throws GatewayException;

  /**
   * A piece of a streamed answer, split at any byte. By default it is decoded as server-sent
   * events, each complete one goes to {@link #onEvent}, and {@link #onStreamEnd} follows the last.
   */
  protected byte[] onStreamPiece(byte[] chunk, boolean endOfStream) throws GatewayException {
    if (decoder == null) {
      decoder = new SseDecoder();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (SseDecoder.Event e : decoder.feed(chunk)) {
      out.writeBytes(onEvent(e));
    }
    if (endOfStream) {
      out.writeBytes(onStreamEnd());
    }
    return out.toByteArray();
  }

  /**
   * Bytes the default {@link #onStreamPiece} has received that are not yet part of a whole event
   * (the start of an event still coming). A translator that passes the bytes through can hold
   * these back, so an event cut in half never reaches the client.
   */
  protected final int pendingStreamBytes() {
    return decoder == null ? 0 : decoder.pendingBytes();
  }

  /** One upstream event; returns what the client gets for it. */
  protected byte[] onEvent(SseDecoder.Event event) throws GatewayException {
    return NOTHING;
  }

  /** After the last event: what closes the client's stream. */
  protected byte[] onStreamEnd() throws GatewayException {
    return NOTHING;
  }

  /** Whether the answer is being streamed (known once the headers are in). */
  protected final boolean streamed() {
    return streamed;
  }

  /** Notes the model the upstream says answered; blank is ignored. */
  protected final void answeredBy(String answered) {
    if (answered != null && !answered.isBlank()) {
      model = answered;
    }
  }

  /** Notes usage; reported again (later in a stream), the larger counts win. */
  protected final void count(TokenUsage reported) {
    usage = usage.max(reported);
  }

  /** The model asked for, or the one the answer named. */
  protected final String model() {
    return model;
  }

  @Override
  public final TokenUsage usage() {
    return usage;
  }

  @Override
  public final String responseModel() {
    return model;
  }
}
