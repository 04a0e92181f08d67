package dev.tollgate.core.clientapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.Endpoint;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.SseDecoder;
import dev.tollgate.toolkit.openai.ResponsesStreamError;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * OpenAI's Responses API ({@code POST /v1/responses}).
 *
 * <p>Prompts: {@code instructions}, and {@code input} as a string or as a list of items: messages
 * ({@code {role, content}}, typed {@code message} or not) whose content is a string or parts
 * ({@code input_text}, and {@code output_text} of earlier assistant turns), and the
 * {@code output} of {@code function_call_output} items (a string, or {@code input_text} parts).
 * Answers: the {@code output_text} parts of the {@code output} messages of a {@code Response}.
 *
 * <p>A streamed answer is typed events ({@code event: <type>} and data with the same
 * {@code type}). Text comes in {@code response.output_text.delta} events ({@code delta}); a text
 * is one content part of one output item, so its block index is
 * {@code output_index * 1000 + content_index}. A block closes at
 * {@code response.output_text.done} (or {@code response.content_part.done}); the stream ends at
 * {@code response.completed}, {@code response.incomplete}, {@code response.failed} or
 * {@code error}, after which the SDKs read no more (there is no {@code data: [DONE]}, though a
 * {@code data: [DONE]} is taken as the end too). Errors in a stream are an {@code error} event.
 */
final class ResponsesSpec implements EndpointSpec {
  private static final String DELTA = "response.output_text.delta";
  private static final Set<String> LAST = Set.of("response.completed", "response.incomplete", "response.failed",
      ResponsesStreamError.TYPE);
  /** Parts of input messages that hold text: the user's, and an assistant's earlier answers. */
  private static final Set<String> INPUT_PARTS = Set.of("input_text", "output_text");
  private static final Set<String> OUTPUT_PARTS = Set.of("output_text");
  /** Content parts per output item in a block index; no item has nearly as many. */
  private static final int PARTS_PER_ITEM = 1000;
  private static final StreamEnd END = new StreamEnd("event: response.completed", "event: response.incomplete",
      "event: response.failed", "event: error", "data: {\"type\":\"response.completed\"",
      "data: {\"type\":\"response.incomplete\"", "data: {\"type\":\"response.failed\"", "data: {\"type\":\"error\"",
      "data: [DONE]");

  @Override
  public Endpoint endpoint() {
    return Endpoint.RESPONSES;
  }

  @Override
  public ClientApi clientApi() {
    return ClientApi.OPENAI;
  }

  @Override
  public PromptTexts requestTexts(ObjectNode body) {
    PromptTexts t = new PromptTexts().string(body, "instructions").string(body, "input");
    for (JsonNode item : body.path("input")) {
      String type = item.path("type").asText("message");
      if (type.equals("message")) {
        t.content(item, "content", "text", INPUT_PARTS);
      } else if (type.equals("function_call_output") || type.equals("custom_tool_call_output")) {
        t.content(item, "output", "text", INPUT_PARTS);
      }
    }
    return t;
  }

  @Override
  public PromptTexts answerTexts(ObjectNode body) {
    PromptTexts t = new PromptTexts();
    for (JsonNode item : body.path("output")) {
      if ("message".equals(item.path("type").asText())) {
        t.content(item, "content", "text", OUTPUT_PARTS);
      }
    }
    return t;
  }

  @Override
  public StreamEnd streamEnd() {
    return END;
  }

  @Override
  public boolean endsStream(String data, JsonNode event) {
    return "[DONE]".equals(data) || event != null && LAST.contains(event.path("type").asText());
  }

  @Override
  public int closesBlock(JsonNode event) {
    String type = event.path("type").asText();
    return type.equals("response.output_text.done") || type.equals("response.content_part.done") ? block(event) : -1;
  }

  @Override
  public List<StreamText> streamTexts(JsonNode event) {
    if (event instanceof ObjectNode e && DELTA.equals(e.path("type").asText())) {
      return List.of(new StreamText(block(e), e, null, "delta", false));
    }
    return List.of();
  }

  /**
   * The whole texts the events after the deltas repeat: {@code text} of
   * {@code response.output_text.done}, the {@code part} of {@code response.content_part.done}, the
   * {@code item}'s parts of {@code response.output_item.done}, and the output of the final
   * {@code response} (completed, incomplete or failed).
   */
  @Override
  public List<StreamText> repeatedTexts(JsonNode event) {
    if (!(event instanceof ObjectNode e)) {
      return List.of();
    }
    String type = e.path("type").asText();
    List<StreamText> out = new ArrayList<>();
    switch (type) {
      case "response.output_text.done" -> {
        if (e.path("text").isTextual()) {
          out.add(new StreamText(block(e), e, null, "text", false));
        }
      }
      case "response.content_part.done" -> {
        if (e.get("part") instanceof ObjectNode part && isOutputText(part)) {
          out.add(new StreamText(block(e), part, null, "text", false));
        }
      }
      case "response.output_item.done" -> itemTexts(e.path("output_index").asInt(0), e.get("item"), out);
      default -> {
        if (LAST.contains(type)) {
          JsonNode output = e.path("response").path("output");
          for (int i = 0; i < output.size(); i++) {
            itemTexts(i, output.get(i), out);
          }
        }
      }
    }
    return out;
  }

  private static void itemTexts(int outputIndex, JsonNode item, List<StreamText> out) {
    if (item == null || !"message".equals(item.path("type").asText())) {
      return;
    }
    JsonNode content = item.path("content");
    for (int j = 0; j < content.size(); j++) {
      if (content.get(j) instanceof ObjectNode part && isOutputText(part)) {
        out.add(new StreamText(outputIndex * PARTS_PER_ITEM + j, part, null, "text", false));
      }
    }
  }

  private static boolean isOutputText(JsonNode part) {
    return "output_text".equals(part.path("type").asText()) && part.path("text").isTextual();
  }

  /** The delta's place: item, output index, content index, and sequence number (repeated by the flush). */
  @Override
  public ObjectNode flushTemplate(ObjectNode event, StreamText text) {
    ObjectNode t = JsonSupport.object();
    t.put("item_id", event.path("item_id").asText(""));
    t.put("output_index", event.path("output_index").asInt(0));
    t.put("content_index", event.path("content_index").asInt(0));
    t.put("sequence_number", event.path("sequence_number").asLong(0));
    return t;
  }

  /**
   * A {@code response.output_text.delta} of the block's item and part. Its sequence number is that
   * of the block's last delta the guards saw (the stream's own numbers are not rewritten, so the
   * flush cannot take one of its own); it still comes before the event that closes the block.
   */
  @Override
  public SseDecoder.Event flushEvent(int index, String text, ObjectNode template) {
    ObjectNode e = JsonSupport.object();
    e.put("type", DELTA);
    e.put("item_id", template == null ? "" : template.path("item_id").asText(""));
    e.put("output_index", template == null ? index / PARTS_PER_ITEM : template.path("output_index").asInt());
    e.put("content_index", template == null ? index % PARTS_PER_ITEM : template.path("content_index").asInt());
    e.put("delta", text);
    e.put("sequence_number", template == null ? 0 : template.path("sequence_number").asLong());
    e.putArray("logprobs");
    return new SseDecoder.Event(DELTA, e.toString());
  }

  /**
   * The Responses API's {@code error} event, its code the HTTP status the error would have had
   * (as Tollgate's chat stream errors carry it). The spec sees no stream, so the sequence number
   * is 0; clients do not order a stream's last event by it.
   */
  @Override
  public byte[] streamError(int status, String message) {
    return ResponsesStreamError.event(String.valueOf(status), message, 0);
  }

  private static int block(JsonNode event) {
    return event.path("output_index").asInt(0) * PARTS_PER_ITEM + event.path("content_index").asInt(0);
  }
}
