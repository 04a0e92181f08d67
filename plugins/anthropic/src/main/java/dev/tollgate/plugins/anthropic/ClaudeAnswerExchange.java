package dev.tollgate.plugins.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.toolkit.AbstractExchange;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.SseDecoder;
import java.io.ByteArrayOutputStream;

/**
 * The answer of a Claude host, for either client: a whole Anthropic {@code message}, or the
 * Messages stream events framed as SSE (Anthropic, Vertex) or as AWS event-stream frames
 * (Bedrock), read for the answering model and the token usage on the way. Events after
 * {@code message_stop} or an {@code error} are ignored. Subclasses write what their client gets.
 *
 * <p>Usage: Anthropic reports it once in a whole answer, or spread over a stream
 * ({@code message_start} carries the input counts, {@code message_delta} the cumulative output
 * and, in newer API versions, the input counts again); each count keeps its largest value.
 * Anthropic's {@code input_tokens} excludes the tokens read from or written to the prompt cache;
 * Tollgate's input tokens (and OpenAI's {@code prompt_tokens}) count every prompt token, so
 * input = input_tokens + cache_read_input_tokens + cache_creation_input_tokens; of it, the cached
 * part is cache_read_input_tokens and the cache-creation part cache_creation_input_tokens.
 */
abstract class ClaudeAnswerExchange extends AbstractExchange {
  /** The error a stream ends with when the upstream's stops before {@code message_stop}. */
  static final String CUT_SHORT = "the upstream ended the stream before the answer was complete";

  private BedrockEventStream frames;
  private boolean ended;
  private long input;
  private long cacheRead;
  private long cacheCreation;
  private long output;

  ClaudeAnswerExchange(UpstreamRequest request, String model) {
    super(request, model);
  }

  @Override
  protected final boolean isStream(Headers headers) {
    if (BedrockEventStream.isEventStream(headers)) {
      frames = new BedrockEventStream();
      return true;
    }
    return super.isStream(headers);
  }

  /** Whether the stream arrives as AWS event-stream frames rather than SSE. */
  final boolean framedByAws() {
    return frames != null;
  }

  /** Whether the stream reached {@code message_stop} or an {@code error} event. */
  final boolean ended() {
    return ended;
  }

  @Override
  protected byte[] onStreamPiece(byte[] chunk, boolean endOfStream) throws GatewayException {
    if (frames == null) {
      return super.onStreamPiece(chunk, endOfStream);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (ObjectNode event : frames.feed(chunk)) {
      out.writeBytes(read(event));
    }
    if (endOfStream) {
      out.writeBytes(onStreamEnd());
    }
    return out.toByteArray();
  }

  @Override
  protected final byte[] onEvent(SseDecoder.Event e) throws GatewayException {
    if (!(JsonSupport.tryParse(e.data()) instanceof ObjectNode event)) {
      return NOTHING;
    }
    if (!event.has("type") && !e.event().isEmpty()) {
      event.put("type", e.event());
    }
    return read(event);
  }

  private byte[] read(ObjectNode event) throws GatewayException {
    if (ended) {
      return NOTHING;
    }
    switch (event.path("type").asText()) {
      case "message_start" -> {
        JsonNode message = event.path("message");
        answeredBy(message.path("model").asText(null));
        countUsage(message.get("usage"));
      }
      case "message_delta" -> countUsage(event.get("usage"));
      case "message_stop", "error" -> ended = true;
      default -> {
        // content blocks and pings carry neither model nor usage
      }
    }
    return onMessagesEvent(event);
  }

  /** One Anthropic stream event (its model and usage already read); returns what the client gets for it. */
  abstract byte[] onMessagesEvent(ObjectNode event) throws GatewayException;

  @Override
  protected final byte[] onWhole(byte[] body) throws GatewayException {
    JsonNode message = JsonSupport.tryParse(body);
    if (message != null && message.isObject()) {
      answeredBy(message.path("model").asText(null));
      countUsage(message.get("usage"));
    }
    return onMessage(message, body);
  }

  /**
   * A whole answer (its model and usage already read); returns what the client gets.
   *
   * @param message the parsed body, or null when it is not JSON
   */
  abstract byte[] onMessage(JsonNode message, byte[] body) throws GatewayException;

  private void countUsage(JsonNode usage) {
    if (usage == null || !usage.isObject()) {
      return;
    }
    input = Math.max(input, tokens(usage, "input_tokens"));
    cacheRead = Math.max(cacheRead, tokens(usage, "cache_read_input_tokens"));
    cacheCreation = Math.max(cacheCreation, tokens(usage, "cache_creation_input_tokens"));
    output = Math.max(output, tokens(usage, "output_tokens"));
    long prompt = input + cacheRead + cacheCreation;
    count(new TokenUsage(prompt, output, prompt + output, cacheRead, 0, cacheCreation));
  }

  private static long tokens(JsonNode usage, String field) {
    JsonNode n = usage.get(field);
    return n != null && n.canConvertToLong() && n.asLong() > 0 ? n.asLong() : 0;
  }
}
