package dev.tollgate.plugins.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.UpstreamError;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.UpstreamErrors;
import dev.tollgate.toolkit.openai.ChatChunkWriter;
import dev.tollgate.toolkit.openai.ChatCompletionResponse;
import dev.tollgate.toolkit.openai.ChatMessage;
import dev.tollgate.toolkit.openai.Usage;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An OpenAI chat completions client of a Claude host: a whole Anthropic {@code message} comes back
 * as a {@code chat.completion}, the Messages stream events as {@code chat.completion.chunk}s
 * (tool-use blocks get OpenAI tool-call indexes in the order they start). Thinking blocks become
 * the message's {@code reasoning_content} (whole; {@code thinking_delta}s become
 * {@code delta.reasoning_content}), never part of {@code content}; the blocks with their
 * signatures, and redacted thinking, also come as {@code thinking_blocks} (streamed: each whole,
 * once its {@code signature_delta} came), for clients to send back (see
 * {@link dev.tollgate.toolkit.PivotExtensions}). Citations and server-tool blocks are left out. Usage: see {@link ClaudeAnswerExchange} (Anthropic does not count thinking tokens apart,
 * so {@code reasoning_tokens} stays unreported). An {@code error} event,
 * or a stream that stops before {@code message_stop}, ends the stream with an OpenAI error chunk.
 */
final class ChatExchange extends ClaudeAnswerExchange {
  private final long created;
  private final boolean includeUsage;
  private final Map<Integer, Integer> toolIndexByBlock = new HashMap<>();
  /** The text of each streamed thinking block so far, by block index. */
  private final Map<Integer, StringBuilder> thinkingByBlock = new HashMap<>();
  private ChatChunkWriter chunks;

  /**
   * @param created      the completion's creation time, epoch seconds
   * @param includeUsage whether the client asked for a usage chunk
   */
  ChatExchange(UpstreamRequest request, String model, long created, boolean includeUsage) {
    super(request, model);
    this.created = created;
    this.includeUsage = includeUsage;
  }

  /**
   * Anthropic's error types ({@code overloaded_error}, {@code api_error}, ...) are not OpenAI's:
   * the client gets the type of the status, and Anthropic's type as the code.
   */
  @Override
  public UpstreamError onError(int status, Headers headers, byte[] body) {
    UpstreamError read = UpstreamErrors.read(ClientApi.ANTHROPIC, status, headers, body); // in its own dialect: keeps its type
    return new UpstreamError(null, read.message(), read.code() != null ? read.code() : read.type());
  }

  @Override
  byte[] onMessage(JsonNode message, byte[] body) throws GatewayException {
    if (message == null || !message.isObject() || !message.has("content")) {
      throw new GatewayException(502, "server_error", "the upstream's answer is not an Anthropic message");
    }
    StringBuilder text = new StringBuilder();
    StringBuilder thinking = new StringBuilder();
    List<ObjectNode> thinkingBlocks = new ArrayList<>();
    List<ChatMessage.ToolCall> calls = new ArrayList<>();
    for (JsonNode block : message.path("content")) {
      switch (block.path("type").asText()) {
        case "text" -> text.append(block.path("text").asText(""));
        case "thinking" -> {
          thinking.append(block.path("thinking").asText(""));
          thinkingBlocks.add(ChatChunkWriter.thinkingBlockOf(block.path("thinking").asText(""),
              block.path("signature").asText(""), null));
        }
        case "redacted_thinking" -> thinkingBlocks.add(ChatChunkWriter.thinkingBlockOf(null, null,
            block.path("data").asText("")));
        case "tool_use" -> calls.add(new ChatMessage.ToolCall(null, block.path("id").asText(), "function",
            new ChatMessage.FunctionCall(block.path("name").asText(),
                JsonSupport.string(block.has("input") ? block.get("input") : JsonSupport.object()))));
        default -> {
          // server-tool blocks and citations
        }
      }
    }
    JsonNode content = text.length() > 0 || calls.isEmpty() ? TextNode.valueOf(text.toString()) : NullNode.getInstance();
    ChatMessage answer = new ChatMessage("assistant", content, null, calls.isEmpty() ? null : calls, null, null)
        .withReasoningContent(thinking.toString()).withThinkingBlocks(thinkingBlocks);
    ChatCompletionResponse completion = new ChatCompletionResponse(message.path("id").asText("msg"),
        "chat.completion", created, model(),
        List.of(new ChatCompletionResponse.Choice(0, answer, finishReason(message.path("stop_reason").asText(null)))),
        Usage.from(usage()));
    return completion.toBytes();
  }

  @Override
  byte[] onMessagesEvent(ObjectNode event) {
    return switch (event.path("type").asText()) {
      case "message_start" -> {
        chunks = new ChatChunkWriter(event.path("message").path("id").asText(ChatChunkWriter.newCompletionId()),
            created, model(), includeUsage);
        yield chunks.role(0);
      }
      case "content_block_start" -> blockStart(event.path("index").asInt(), event.path("content_block"));
      case "content_block_delta" -> delta(event.path("index").asInt(), event.path("delta"));
      case "message_delta" -> {
        String stop = event.path("delta").path("stop_reason").asText(null);
        yield stop == null ? NOTHING : chunks().finish(0, finishReason(stop));
      }
      case "message_stop" -> {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(chunks().usage(usage()));
        out.writeBytes(chunks().done());
        yield out.toByteArray();
      }
      case "error" -> {
        JsonNode err = event.path("error");
        String type = err.path("type").asText("api_error");
        yield ChatChunkWriter.error(status(type), type, err.path("message").asText("upstream error"));
      }
      default -> NOTHING; // ping, content_block_stop and future event types
    };
  }

  private byte[] blockStart(int block, JsonNode start) {
    String type = start.path("type").asText();
    if (type.equals("tool_use")) {
      int index = toolIndexByBlock.size();
      toolIndexByBlock.put(block, index);
      return chunks().toolCall(0, index, start.path("id").asText(), start.path("name").asText(), "");
    }
    if (type.equals("thinking")) {
      thinkingByBlock.put(block, new StringBuilder(start.path("thinking").asText("")));
      return chunks().reasoning(0, start.path("thinking").asText(""));
    }
    if (type.equals("redacted_thinking")) {
      return chunks().thinkingBlock(0, ChatChunkWriter.thinkingBlockOf(null, null, start.path("data").asText("")));
    }
    String text = start.path("text").asText("");
    return type.equals("text") && !text.isEmpty() ? chunks().text(0, text) : NOTHING;
  }

  private byte[] delta(int block, JsonNode delta) {
    return switch (delta.path("type").asText()) {
      case "text_delta" -> chunks().text(0, delta.path("text").asText(""));
      case "thinking_delta" -> {
        thinkingByBlock.computeIfAbsent(block, b -> new StringBuilder()).append(delta.path("thinking").asText(""));
        yield chunks().reasoning(0, delta.path("thinking").asText(""));
      }
      case "signature_delta" -> {
        StringBuilder text = thinkingByBlock.remove(block);
        yield chunks().thinkingBlock(0, ChatChunkWriter.thinkingBlockOf(text == null ? "" : text.toString(),
            delta.path("signature").asText(""), null));
      }
      case "input_json_delta" -> {
        Integer index = toolIndexByBlock.get(block);
        String partial = delta.path("partial_json").asText("");
        yield index == null || partial.isEmpty() ? NOTHING : chunks().toolArguments(0, index, partial);
      }
      default -> NOTHING; // citation deltas
    };
  }

  @Override
  protected byte[] onStreamEnd() {
    return ended() ? NOTHING : ChatChunkWriter.error(502, "stream_cut_short", CUT_SHORT);
  }

  /** The chunk writer, named after the stream's message once {@code message_start} came. */
  private ChatChunkWriter chunks() {
    if (chunks == null) {
      chunks = new ChatChunkWriter(ChatChunkWriter.newCompletionId(), created, model(), includeUsage);
    }
    return chunks;
  }

  /** OpenAI's finish_reason for an Anthropic stop_reason. */
  static String finishReason(String stopReason) {
    if (stopReason == null) {
      return null;
    }
    return switch (stopReason) {
      case "max_tokens", "model_context_window_exceeded" -> "length";
      case "tool_use" -> "tool_calls";
      case "refusal" -> "content_filter";
      default -> "stop"; // end_turn, stop_sequence, pause_turn
    };
  }

  /** The HTTP status Anthropic gives with an error type, for the OpenAI error that reports it mid-stream. */
  static int status(String anthropicType) {
    return switch (anthropicType) {
      case "invalid_request_error" -> 400;
      case "authentication_error" -> 401;
      case "permission_error" -> 403;
      case "not_found_error" -> 404;
      case "request_too_large" -> 413;
      case "rate_limit_error" -> 429;
      case "timeout_error" -> 504;
      case "overloaded_error" -> 529;
      default -> 500;
    };
  }
}
