package dev.tollgate.toolkit.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.PivotExtensions;
import dev.tollgate.toolkit.SseDecoder;
import dev.tollgate.toolkit.anthropic.AnthropicChatBridge;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts one stream of OpenAI {@code chat.completion.chunk}s into the Responses API's typed
 * stream events, numbered by {@code sequence_number} from 0: {@code response.created} and
 * {@code response.in_progress} on the first chunk; per run of reasoning ({@code delta.reasoning_content}
 * and {@code delta.thinking_blocks}, see {@link PivotExtensions}) a {@code reasoning} item
 * ({@code output_item.added}, {@code reasoning_summary_part.added},
 * {@code reasoning_summary_text.delta}…, {@code reasoning_summary_text.done},
 * {@code reasoning_summary_part.done}, {@code output_item.done}, the done item carrying the blocks
 * as {@code encrypted_content}; blocks without text give a reasoning item without summary parts);
 * per run of text a {@code message} item
 * ({@code output_item.added}, {@code content_part.added}, {@code output_text.delta}…,
 * {@code output_text.done}, {@code content_part.done}, {@code output_item.done}); per tool call a
 * {@code function_call} item ({@code output_item.added}, {@code function_call_arguments.delta}…,
 * {@code function_call_arguments.done}, {@code output_item.done}); then
 * {@code response.completed} (or {@code response.incomplete} when the answer was cut by the token
 * limit or a content filter) with the whole {@code Response}, usage included.
 *
 * <p>The answer is complete at {@code [DONE]}, or at {@link #finish()} after a chunk with a
 * {@code finish_reason}. A stream that ends before either, and an error chunk, end with the
 * Responses API's {@code error} event (its code the chunk's, or {@code 502} for a stream cut short,
 * as the platform's own stream errors carry the status), never {@code response.completed}, so no
 * client takes a broken answer for a whole one: the SDKs' stream helpers find no final response.
 * One per stream; not thread-safe.
 */
final class ResponsesStreamConverter {
  static final String CUT_SHORT = "the upstream's stream ended before the answer was complete";

  private final ResponseShape shape;
  private final ArrayNode output = JsonSupport.MAPPER.createArrayNode();
  private final Map<Integer, Call> callsByIndex = new LinkedHashMap<>();
  private final List<Call> openCalls = new ArrayList<>();
  private String model;
  private long createdAt;
  private int sequence;
  private boolean started;
  private boolean finished;
  private String finishReason;
  private JsonNode usage;
  /** The open message item, or null. */
  private Text text;
  /** The open reasoning item, or null. */
  private Reasoning reasoning;

  private static final class Reasoning {
    final int index;
    final String id;
    final StringBuilder text = new StringBuilder();
    final ArrayNode blocks = JsonSupport.MAPPER.createArrayNode();

    Reasoning(int index, String id) {
      this.index = index;
      this.id = id;
    }
  }

  private static final class Text {
    final int index;
    final String id;
    final StringBuilder text = new StringBuilder();

    Text(int index, String id) {
      this.index = index;
      this.id = id;
    }
  }

  private static final class Call {
    final int index;
    final String id;
    final String callId;
    final String name;
    final StringBuilder arguments = new StringBuilder();

    Call(int index, String id, String callId, String name) {
      this.index = index;
      this.id = id;
      this.callId = callId;
      this.name = name;
    }
  }

  ResponsesStreamConverter(ResponseShape shape, String model) {
    this.shape = shape;
    this.model = model;
  }

  /** The SSE bytes for one upstream SSE data payload (a chunk JSON or {@code [DONE]}). */
  byte[] onData(String data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (finished) {
      return out.toByteArray();
    }
    if (data.equals("[DONE]")) {
      // the upstream says the answer is complete, with or without a finish_reason
      return started ? complete() : finish();
    }
    JsonNode chunk = JsonSupport.tryParse(data);
    if (chunk == null || !chunk.isObject()) {
      return out.toByteArray();
    }
    if (chunk.has("error")) {
      JsonNode e = chunk.get("error");
      String code = e.path("code").isValueNode() && !e.path("code").isNull() ? e.path("code").asText() : null;
      String type = e.path("type").asText("");
      fail(out, code != null ? code : type.isEmpty() ? null : type, e.path("message").asText("the upstream reported an error"));
      return out.toByteArray();
    }
    String named = chunk.path("model").asText("");
    if (!named.isEmpty()) {
      model = named;
    }
    start(out, chunk);
    if (chunk.hasNonNull("usage")) {
      usage = chunk.get("usage");
    }
    for (JsonNode choice : chunk.path("choices")) {
      JsonNode delta = choice.path("delta");
      String thought = delta.path(PivotExtensions.REASONING_CONTENT).isTextual()
          ? delta.path(PivotExtensions.REASONING_CONTENT).asText() : "";
      if (!thought.isEmpty()) {
        if (reasoning == null) {
          openReasoning(out);
        }
        if (reasoning.text.length() == 0) {
          emit(out, event("response.reasoning_summary_part.added").put("item_id", reasoning.id)
              .put("output_index", reasoning.index).put("summary_index", 0)
              .set("part", ResponsesAnswers.summaryText("")));
        }
        reasoning.text.append(thought);
        emit(out, event("response.reasoning_summary_text.delta").put("item_id", reasoning.id)
            .put("output_index", reasoning.index).put("summary_index", 0).put("delta", thought));
      }
      JsonNode blocks = delta.path(PivotExtensions.THINKING_BLOCKS);
      if (blocks.isArray() && !blocks.isEmpty()) {
        if (reasoning == null) {
          openReasoning(out);
        }
        reasoning.blocks.addAll((ArrayNode) blocks);
      }
      String piece = delta.path("content").isTextual() ? delta.path("content").asText() : "";
      if (!piece.isEmpty()) {
        if (text == null) {
          openText(out);
        }
        text.text.append(piece);
        ObjectNode e = event("response.output_text.delta").put("item_id", text.id).put("output_index", text.index)
            .put("content_index", 0).put("delta", piece);
        e.putArray("logprobs");
        emit(out, e);
      }
      for (JsonNode tc : delta.path("tool_calls")) {
        int toolIndex = tc.path("index").asInt(0);
        Call call = callsByIndex.get(toolIndex);
        if (call == null) {
          call = openCall(out, tc);
          callsByIndex.put(toolIndex, call);
        }
        String args = tc.path("function").path("arguments").asText("");
        if (!args.isEmpty() && openCalls.contains(call)) {
          call.arguments.append(args);
          emit(out, event("response.function_call_arguments.delta").put("item_id", call.id)
              .put("output_index", call.index).put("delta", args));
        }
      }
      if (choice.hasNonNull("finish_reason")) {
        finishReason = choice.get("finish_reason").asText();
      }
    }
    return out.toByteArray();
  }

  /**
   * At the end of the upstream body: what completes a stream that finished its answer
   * ({@code finish_reason}) without {@code [DONE]}; an {@code error} event when it ended before
   * that; else (already complete) nothing.
   */
  byte[] finish() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (finished) {
      return out.toByteArray();
    }
    if (started && finishReason != null) {
      complete(out);
    } else {
      fail(out, "502", started ? CUT_SHORT : "the upstream ended the stream without an answer");
    }
    return out.toByteArray();
  }

  /** The usage the stream reported so far (chat streams send it in their last chunk). */
  TokenUsage usage() {
    return usage == null ? TokenUsage.NONE : AnthropicChatBridge.tokenUsage(usage);
  }

  /** The model the upstream named, else the one given. */
  String model() {
    return model;
  }

  private void start(ByteArrayOutputStream out, JsonNode chunk) {
    if (started) {
      return;
    }
    started = true;
    createdAt = chunk != null && chunk.path("created").canConvertToLong() && chunk.path("created").asLong() > 0
        ? chunk.path("created").asLong() : Instant.now().getEpochSecond();
    emit(out, event("response.created").set("response", response("in_progress", false)));
    emit(out, event("response.in_progress").set("response", response("in_progress", false)));
  }

  private ObjectNode response(String status, boolean withUsage) {
    return shape.response(status, createdAt, model, output.deepCopy(),
        withUsage && usage != null ? ResponseShape.usage(usage) : null);
  }

  private void openReasoning(ByteArrayOutputStream out) {
    closeText(out, "completed");
    reasoning = new Reasoning(output.size(), shape.itemId("rs", output.size()));
    ObjectNode item = ResponsesAnswers.reasoning(reasoning.id, "in_progress", null, null);
    output.add(item); // a placeholder until done
    emit(out, event("response.output_item.added").put("output_index", reasoning.index).set("item", item.deepCopy()));
  }

  private void closeReasoning(ByteArrayOutputStream out, String status) {
    if (reasoning == null) {
      return;
    }
    String full = reasoning.text.toString();
    if (!full.isEmpty()) {
      emit(out, event("response.reasoning_summary_text.done").put("item_id", reasoning.id)
          .put("output_index", reasoning.index).put("summary_index", 0).put("text", full));
      ObjectNode partDone = event("response.reasoning_summary_part.done").put("item_id", reasoning.id)
          .put("output_index", reasoning.index).put("summary_index", 0);
      if (status.equals("incomplete")) {
        partDone.put("status", "incomplete");
      }
      emit(out, partDone.set("part", ResponsesAnswers.summaryText(full)));
    }
    ObjectNode item = ResponsesAnswers.reasoning(reasoning.id, status, full, reasoning.blocks);
    output.set(reasoning.index, item);
    emit(out, event("response.output_item.done").put("output_index", reasoning.index).set("item", item.deepCopy()));
    reasoning = null;
  }

  private void openText(ByteArrayOutputStream out) {
    closeReasoning(out, "completed");
    closeText(out, "completed");
    text = new Text(output.size(), shape.itemId("msg", output.size()));
    output.add(ResponsesAnswers.message(text.id, "in_progress", null)); // a placeholder until done
    emit(out, event("response.output_item.added").put("output_index", text.index)
        .set("item", ResponsesAnswers.message(text.id, "in_progress", null)));
    emit(out, event("response.content_part.added").put("item_id", text.id).put("output_index", text.index)
        .put("content_index", 0).set("part", ResponsesAnswers.outputText("")));
  }

  private void closeText(ByteArrayOutputStream out, String status) {
    if (text == null) {
      return;
    }
    String full = text.text.toString();
    ObjectNode done = event("response.output_text.done").put("item_id", text.id).put("output_index", text.index)
        .put("content_index", 0).put("text", full);
    done.putArray("logprobs");
    emit(out, done);
    emit(out, event("response.content_part.done").put("item_id", text.id).put("output_index", text.index)
        .put("content_index", 0).set("part", ResponsesAnswers.outputText(full)));
    ObjectNode item = ResponsesAnswers.message(text.id, status, full);
    output.set(text.index, item);
    emit(out, event("response.output_item.done").put("output_index", text.index).set("item", item.deepCopy()));
    text = null;
  }

  private Call openCall(ByteArrayOutputStream out, JsonNode tc) {
    closeReasoning(out, "completed");
    closeText(out, "completed");
    int index = output.size();
    Call call = new Call(index, shape.itemId("fc", index), tc.path("id").asText(""),
        tc.path("function").path("name").asText(""));
    openCalls.add(call);
    ObjectNode item = ResponsesAnswers.functionCall(call.id, "in_progress", call.callId, call.name, "");
    output.add(item);
    emit(out, event("response.output_item.added").put("output_index", index).set("item", item.deepCopy()));
    return call;
  }

  private void closeCalls(ByteArrayOutputStream out, String status) {
    for (Call call : openCalls) {
      String args = call.arguments.toString();
      emit(out, event("response.function_call_arguments.done").put("item_id", call.id).put("name", call.name)
          .put("output_index", call.index).put("arguments", args));
      ObjectNode item = ResponsesAnswers.functionCall(call.id, status, call.callId, call.name, args);
      output.set(call.index, item);
      emit(out, event("response.output_item.done").put("output_index", call.index).set("item", item.deepCopy()));
    }
    openCalls.clear();
  }

  private byte[] complete() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    complete(out);
    return out.toByteArray();
  }

  private void complete(ByteArrayOutputStream out) {
    String reason = ResponseShape.incompleteReason(finishReason);
    String itemStatus = reason == null ? "completed" : "incomplete";
    closeReasoning(out, itemStatus);
    closeText(out, itemStatus);
    closeCalls(out, itemStatus);
    ObjectNode r = response("completed", true);
    if (!r.has("usage")) {
      r.set("usage", ResponseShape.usage(JsonSupport.object()));
    }
    if (reason != null) {
      ResponseShape.incomplete(r, reason);
    }
    emit(out, event(reason == null ? "response.completed" : "response.incomplete").set("response", r));
    finished = true;
  }

  private void fail(ByteArrayOutputStream out, String code, String message) {
    ObjectNode e = event("error").put("code", code).put("message", message);
    e.putNull("param");
    emit(out, e);
    finished = true;
  }

  private ObjectNode event(String type) {
    return JsonSupport.object().put("type", type).put("sequence_number", sequence++);
  }

  private static void emit(ByteArrayOutputStream out, ObjectNode event) {
    out.writeBytes(SseDecoder.encode(event.path("type").asText(), JsonSupport.string(event)));
  }
}
