package dev.tollgate.plugins.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.ResponseHead;
import dev.tollgate.toolkit.ErrorFormats;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.SseDecoder;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * An Anthropic Messages client of a Claude host: the answer already is in the client's format.
 * Whole answers and SSE streams pass through as they came while their usage is read; Bedrock's
 * event-stream frames become the SSE events they carry. A stream that stops before
 * {@code message_stop} (or an {@code error} event) ends with an Anthropic {@code error} event;
 * so that an event cut in half does not run into it, the bytes of an SSE event go out once the
 * event is whole (unchanged), until the stream has ended.
 */
final class MessagesExchange extends ClaudeAnswerExchange {
  /** Bytes of an SSE event not yet whole: they go out with the rest of it. */
  private final ByteArrayOutputStream held = new ByteArrayOutputStream();

  MessagesExchange(UpstreamRequest request, String model) {
    super(request, model);
  }

  @Override
  protected ResponseHead streamHead() {
    return framedByAws() ? super.streamHead() : ResponseHead.unchanged(true);
  }

  @Override
  protected ResponseHead wholeHead() {
    return ResponseHead.unchanged(false);
  }

  @Override
  protected byte[] onStreamPiece(byte[] chunk, boolean endOfStream) throws GatewayException {
    boolean wasEnded = ended();
    byte[] translated = super.onStreamPiece(chunk, endOfStream);
    if (framedByAws()) {
      return translated;
    }
    if (wasEnded) {
      return chunk; // after message_stop (or an error) whatever follows goes as it comes
    }
    byte[] all = chunk;
    if (held.size() > 0) {
      held.writeBytes(chunk);
      all = held.toByteArray();
      held.reset();
    }
    if (ended()) {
      return all;
    }
    // SSE events are only read (onMessagesEvent writes nothing for them): whole ones go on
    int whole = all.length - pendingStreamBytes();
    if (!endOfStream) {
      held.write(all, whole, all.length - whole);
      return whole == all.length ? all : Arrays.copyOf(all, whole);
    }
    // cut short: an event cut in half is dropped (as a client drops it at the end of a stream),
    // then the closing error
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(all, 0, whole);
    out.writeBytes(translated);
    return out.toByteArray();
  }

  @Override
  byte[] onMessagesEvent(ObjectNode event) {
    return framedByAws() ? SseDecoder.encode(event.path("type").asText(), JsonSupport.string(event)) : NOTHING;
  }

  @Override
  protected byte[] onStreamEnd() {
    return ended() ? NOTHING : ErrorFormats.streamError(ClientApi.ANTHROPIC, 502, CUT_SHORT);
  }

  @Override
  byte[] onMessage(JsonNode message, byte[] body) throws GatewayException {
    if (message == null || !message.isObject() || !message.has("content")) {
      // passed through, a broken body would reach the client as a success
      throw new GatewayException(502, "api_error", "the upstream's answer is not an Anthropic message");
    }
    return body;
  }
}
