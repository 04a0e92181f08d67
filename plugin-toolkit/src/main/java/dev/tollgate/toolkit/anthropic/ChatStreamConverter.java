package dev.tollgate.toolkit.anthropic;

import dev.tollgate.toolkit.JsonSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.toolkit.SseDecoder;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.toolkit.ErrorFormats;
import dev.tollgate.toolkit.PivotExtensions;
import java.io.ByteArrayOutputStream;
import java.util.HashMap;
import java.util.Map;

/**
 * Converts one stream of OpenAI {@code chat.completion.chunk}s into Anthropic Messages stream
 * events: {@code message_start} on the first chunk, a {@code thinking} ({@code reasoning_content}
 * deltas, as {@code thinking_delta}s, then a {@code signature_delta} when a
 * {@code delta.thinking_blocks} block brings the signature; its start's {@code signature} empty),
 * {@code redacted_thinking} (a redacted block of {@code delta.thinking_blocks}),
 * {@code text} or {@code tool_use} content block per run of deltas, then {@code message_delta} (stop reason, usage) and
 * {@code message_stop} at {@code [DONE]} or, for upstreams that omit it, at {@link #finish()} after
 * a chunk with a {@code finish_reason}. A stream that ends before either (the upstream's
 * connection dropped) ends with an Anthropic {@code error} event, not a made-up
 * {@code message_stop}, so the client cannot take it for the whole answer. An error chunk
 * becomes an Anthropic {@code error} event. Feed it the {@code data} of
 * each upstream SSE event in order (e.g. from a {@link dev.tollgate.toolkit.SseDecoder}). One per
 * stream; not thread-safe.
 */
public final class ChatStreamConverter {
  /** The message of the error that ends a stream cut short. */
  static final String CUT_SHORT = "the upstream's stream ended before the answer was complete";

  private final Map<Integer, Integer> blockByToolIndex = new HashMap<>();
  private String model;
  private boolean started;
  private boolean finished;
  private int openBlock = -1;
  /** The type of the open block: text, thinking or tool_use. */
  private String openType = "";
  private int nextBlock;
  private String stopReason;
  private JsonNode usage;

  /** @param model the model to report until the first chunk names one */
  public ChatStreamConverter(String model) {
    this.model = model;
  }

  /** The SSE bytes for one upstream SSE data payload (a chunk JSON or {@code [DONE]}). */
  public byte[] onData(String data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (finished) {
      return out.toByteArray();
    }
    if (data.equals("[DONE]")) {
      // the upstream says the answer is complete, with or without a finish_reason
      if (started) {
        finish(out);
        return out.toByteArray();
      }
      return finish();
    }
    JsonNode chunk = JsonSupport.tryParse(data);
    if (chunk == null || !chunk.isObject()) {
      return out.toByteArray();
    }
    if (chunk.has("error")) {
      ObjectNode e = JsonSupport.object().put("type", "error");
      e.putObject("error").put("type", "api_error")
          .put("message", chunk.path("error").path("message").asText("upstream error"));
      emit(out, e);
      finished = true;
      return out.toByteArray();
    }
    String named = chunk.path("model").asText("");
    if (!named.isEmpty()) {
      model = named; // Azure opens with a chunk whose model and id are empty
    }
    if (!started) {
      started = true;
      String id = chunk.path("id").asText("");
      ObjectNode e = JsonSupport.object().put("type", "message_start");
      ObjectNode m = e.putObject("message");
      m.put("id", id.isEmpty() ? "msg" : id).put("type", "message").put("role", "assistant").put("model", model);
      m.putArray("content");
      m.putNull("stop_reason");
      m.putNull("stop_sequence");
      m.putObject("usage").put("input_tokens", 0).put("output_tokens", 0);
      emit(out, e);
    }
    if (chunk.hasNonNull("usage")) {
      usage = chunk.get("usage");
    }
    for (JsonNode choice : chunk.path("choices")) {
      JsonNode delta = choice.path("delta");
      String reasoning = delta.path(PivotExtensions.REASONING_CONTENT).isTextual()
          ? delta.path(PivotExtensions.REASONING_CONTENT).asText() : "";
      if (!reasoning.isEmpty()) {
        if (openBlock < 0 || !openType.equals("thinking")) {
          open(out, JsonSupport.object().put("type", "thinking").put("thinking", "").put("signature", ""));
        }
        ObjectNode e = JsonSupport.object().put("type", "content_block_delta").put("index", openBlock);
        e.putObject("delta").put("type", "thinking_delta").put("thinking", reasoning);
        emit(out, e);
      }
      for (JsonNode b : delta.path(PivotExtensions.THINKING_BLOCKS)) {
        if ("redacted_thinking".equals(b.path("type").asText())) {
          open(out, JsonSupport.object().put("type", "redacted_thinking").put("data", b.path("data").asText("")));
          close(out);
          continue;
        }
        if (openBlock < 0 || !openType.equals("thinking")) {
          open(out, JsonSupport.object().put("type", "thinking").put("thinking", "").put("signature", ""));
          String thinking = b.path("thinking").asText("");
          if (!thinking.isEmpty()) {
            ObjectNode e = JsonSupport.object().put("type", "content_block_delta").put("index", openBlock);
            e.putObject("delta").put("type", "thinking_delta").put("thinking", thinking);
            emit(out, e);
          }
        }
        ObjectNode e = JsonSupport.object().put("type", "content_block_delta").put("index", openBlock);
        e.putObject("delta").put("type", "signature_delta").put("signature", b.path("signature").asText(""));
        emit(out, e);
        close(out);
      }
      String text = delta.path("content").isTextual() ? delta.path("content").asText() : "";
      if (!text.isEmpty()) {
        if (openBlock < 0 || !openType.equals("text")) {
          open(out, JsonSupport.object().put("type", "text").put("text", ""));
        }
        ObjectNode e = JsonSupport.object().put("type", "content_block_delta").put("index", openBlock);
        e.putObject("delta").put("type", "text_delta").put("text", text);
        emit(out, e);
      }
      for (JsonNode call : delta.path("tool_calls")) {
        int toolIndex = call.path("index").asInt(0);
        Integer block = blockByToolIndex.get(toolIndex);
        if (block == null) {
          ObjectNode use = JsonSupport.object().put("type", "tool_use").put("id", call.path("id").asText())
              .put("name", call.path("function").path("name").asText());
          use.putObject("input");
          open(out, use);
          blockByToolIndex.put(toolIndex, openBlock);
          block = openBlock;
        }
        String args = call.path("function").path("arguments").asText("");
        if (!args.isEmpty() && block == openBlock) {
          ObjectNode e = JsonSupport.object().put("type", "content_block_delta").put("index", block);
          e.putObject("delta").put("type", "input_json_delta").put("partial_json", args);
          emit(out, e);
        }
      }
      if (choice.hasNonNull("finish_reason")) {
        stopReason = AnthropicChatBridge.stopReason(choice.get("finish_reason").asText());
      }
    }
    return out.toByteArray();
  }

  /**
   * At the end of the upstream body: the events that complete a stream that finished its answer
   * ({@code finish_reason}) but had no {@code [DONE]}; an {@code error} event when it ended before
   * that, or the upstream sent no chunk at all; else (already complete) nothing.
   */
  public byte[] finish() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (!finished && started && stopReason != null) {
      finish(out);
    } else if (!finished && started) {
      out.writeBytes(ErrorFormats.streamError(ClientApi.ANTHROPIC, 502, CUT_SHORT));
      finished = true;
    } else if (!finished) {
      ObjectNode e = JsonSupport.object().put("type", "error");
      e.putObject("error").put("type", "api_error").put("message", "the upstream ended the stream without an answer");
      emit(out, e);
      finished = true;
    }
    return out.toByteArray();
  }

  /** The usage the stream reported so far (OpenAI sends it in the last chunk). */
  public TokenUsage usage() {
    return usage == null ? TokenUsage.NONE : AnthropicChatBridge.tokenUsage(usage);
  }

  /** The model the upstream named, else the one given. */
  public String model() {
    return model;
  }

  private void open(ByteArrayOutputStream out, ObjectNode block) {
    close(out);
    openBlock = nextBlock++;
    openType = block.path("type").asText();
    ObjectNode e = JsonSupport.object().put("type", "content_block_start").put("index", openBlock);
    e.set("content_block", block);
    emit(out, e);
  }

  private void close(ByteArrayOutputStream out) {
    if (openBlock >= 0) {
      emit(out, JsonSupport.object().put("type", "content_block_stop").put("index", openBlock));
      openBlock = -1;
    }
  }

  private void finish(ByteArrayOutputStream out) {
    close(out);
    ObjectNode e = JsonSupport.object().put("type", "message_delta");
    e.putObject("delta").put("stop_reason", stopReason == null ? "end_turn" : stopReason).putNull("stop_sequence");
    e.set("usage", usage == null ? JsonSupport.object().put("output_tokens", 0) : AnthropicChatBridge.anthropicUsage(usage));
    emit(out, e);
    emit(out, JsonSupport.object().put("type", "message_stop"));
    finished = true;
  }

  private static void emit(ByteArrayOutputStream out, ObjectNode event) {
    out.writeBytes(SseDecoder.encode(event.path("type").asText(), JsonSupport.string(event)));
  }
}
