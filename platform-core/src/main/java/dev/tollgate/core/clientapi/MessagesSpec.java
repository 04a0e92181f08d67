package dev.tollgate.core.clientapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.Endpoint;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.SseDecoder;
import java.util.List;

/**
 * Anthropic Messages: prompts in {@code system} and {@code messages}, answers in {@code content};
 * a streamed answer's text comes in {@code content_block_delta} events, a block ends with
 * {@code content_block_stop}, the stream with {@code message_stop}.
 */
final class MessagesSpec implements EndpointSpec {
  private static final String DELTA = "content_block_delta";
  private static final String MESSAGE_STOP = "message_stop";
  /** A stream ends at {@code message_stop}, or at an {@code error} event, after which the SDKs read no more. */
  private static final StreamEnd END = new StreamEnd("event: " + MESSAGE_STOP,
      "data: {\"type\":\"" + MESSAGE_STOP + "\"", "event: error");

  @Override
  public Endpoint endpoint() {
    return Endpoint.MESSAGES;
  }

  @Override
  public ClientApi clientApi() {
    return ClientApi.ANTHROPIC;
  }

  @Override
  public PromptTexts requestTexts(ObjectNode body) {
    return new PromptTexts().content(body, "system", "text").messageContents(body);
  }

  @Override
  public PromptTexts answerTexts(ObjectNode body) {
    return new PromptTexts().content(body, "content", "text");
  }

  @Override
  public StreamEnd streamEnd() {
    return END;
  }

  @Override
  public boolean endsStream(String data, JsonNode event) {
    return event != null && MESSAGE_STOP.equals(event.path("type").asText());
  }

  @Override
  public int closesBlock(JsonNode event) {
    return "content_block_stop".equals(event.path("type").asText()) ? event.path("index").asInt(0) : -1;
  }

  @Override
  public List<StreamText> streamTexts(JsonNode event) {
    if (event instanceof ObjectNode e && DELTA.equals(e.path("type").asText())
        && "text_delta".equals(e.path("delta").path("type").asText())) {
      return List.of(new StreamText(e.path("index").asInt(0), e, "delta", "text", false));
    }
    return List.of();
  }

  @Override
  public SseDecoder.Event flushEvent(int index, String text, ObjectNode template) {
    ObjectNode e = JsonSupport.object();
    e.put("type", DELTA).put("index", index);
    e.putObject("delta").put("type", "text_delta").put("text", text);
    return new SseDecoder.Event(DELTA, e.toString());
  }
}
