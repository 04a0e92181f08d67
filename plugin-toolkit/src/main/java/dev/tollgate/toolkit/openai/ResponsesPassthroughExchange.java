package dev.tollgate.toolkit.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.SseDecoder;
import java.util.Set;

/**
 * The answer of an upstream that speaks OpenAI's Responses API (OpenAI, Azure OpenAI) to a
 * Responses client: bodies and event streams pass through unchanged while the model and usage are
 * read, with {@link ResponsesUsage}: from the whole {@code Response}, or from the {@code response}
 * of the stream's last event.
 *
 * <p>A stream is complete once the upstream sent one of the events that end a Responses stream:
 * {@code response.completed}, {@code response.incomplete}, {@code response.failed} or
 * {@code error}. One that ends before that (the connection dropped) ends for the client with an
 * {@code error} event (code {@value OpenAiPassthroughExchange#CUT_SHORT_CODE}, its sequence number
 * one past the last one seen), never with a made-up {@code response.completed}. The bytes of an
 * event go out once the event is whole, so an event cut in half never runs into the error.
 *
 * <p>A whole answer passes unchanged, but only when it is one JSON object; anything else is a 502
 * for the client, in OpenAI's error format.
 */
public final class ResponsesPassthroughExchange extends PassthroughStreamExchange {
  /** The event types after which a Responses stream has nothing more to say. */
  public static final Set<String> LAST_EVENTS = Set.of("response.completed", "response.incomplete",
      "response.failed", ResponsesStreamError.TYPE);

  private long lastSequence = -1;

  /**
   * @param request the upstream request this answers
   * @param model   the model asked for, until the answer names one
   */
  public ResponsesPassthroughExchange(UpstreamRequest request, String model) {
    super(request, model);
  }

  @Override
  byte[] cutShort() {
    return ResponsesStreamError.event(OpenAiPassthroughExchange.CUT_SHORT_CODE,
        "the upstream's stream ended before the response was complete", lastSequence + 1);
  }

  /** One streamed event: its sequence number, the model it names, its usage, whether it ends the stream. */
  @Override
  void read(SseDecoder.Event e) {
    JsonNode event = e.data().isEmpty() ? null : JsonSupport.tryParse(e.data());
    if (event == null || !event.isObject()) {
      return;
    }
    String type = event.path("type").asText(e.event() == null ? "" : e.event());
    if (event.path("sequence_number").canConvertToLong()) {
      lastSequence = Math.max(lastSequence, event.path("sequence_number").asLong());
    }
    JsonNode response = event.get("response");
    if (response != null && response.isObject()) {
      answeredBy(response.path("model").asText(null));
      count(ResponsesUsage.ofResponse(response));
    }
    if (LAST_EVENTS.contains(type)) {
      completed();
    }
  }

  @Override
  protected byte[] onWhole(byte[] body) throws GatewayException {
    JsonNode json = JsonSupport.tryParse(body);
    if (json == null || !json.isObject()) {
      throw new GatewayException(502, "server_error", "the upstream's answer is not a complete JSON object");
    }
    answeredBy(json.path("model").asText(null));
    count(ResponsesUsage.ofResponse(json));
    return body;
  }
}
