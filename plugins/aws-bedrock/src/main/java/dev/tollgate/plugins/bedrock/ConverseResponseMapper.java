package dev.tollgate.plugins.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.toolkit.JsonSupport;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.toolkit.openai.ChatChunkWriter;
import dev.tollgate.toolkit.openai.ChatCompletionResponse;
import dev.tollgate.toolkit.openai.ChatMessage;
import dev.tollgate.toolkit.openai.Usage;
import java.util.ArrayList;
import java.util.List;

/**
 * Bedrock Converse answers in OpenAI terms: the whole message (text as {@code content},
 * {@code reasoningContent.reasoningText.text} as the {@code reasoning_content} extension, the
 * reasoning blocks with their signatures (and redacted ones) as {@code thinking_blocks}, tool
 * uses as tool calls), stop reasons and token usage. Stateless.
 */
final class ConverseResponseMapper {
  private ConverseResponseMapper() {
  }

  /** A Converse answer as an OpenAI {@code chat.completion}. */
  static JsonNode toChatCompletion(JsonNode converse, String id, long created, String model) {
    StringBuilder text = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    List<ObjectNode> thinkingBlocks = new ArrayList<>();
    List<ChatMessage.ToolCall> calls = new ArrayList<>();
    for (JsonNode block : converse.path("output").path("message").path("content")) {
      if (block.has("text")) {
        text.append(block.get("text").asText());
      } else if (block.has("reasoningContent")) {
        JsonNode rc = block.get("reasoningContent");
        if (rc.has("redactedContent")) {
          thinkingBlocks.add(ChatChunkWriter.thinkingBlockOf(null, null, rc.path("redactedContent").asText("")));
        } else {
          String thought = rc.path("reasoningText").path("text").asText("");
          reasoning.append(thought);
          if (rc.path("reasoningText").hasNonNull("signature")) {
            thinkingBlocks.add(ChatChunkWriter.thinkingBlockOf(thought,
                rc.path("reasoningText").path("signature").asText(), null));
          }
        }
      } else if (block.has("toolUse")) {
        JsonNode use = block.get("toolUse");
        JsonNode input = use.get("input");
        calls.add(new ChatMessage.ToolCall(null, use.path("toolUseId").asText(), "function",
            new ChatMessage.FunctionCall(use.path("name").asText(),
                input == null || input.isNull() ? "{}" : JsonSupport.string(input))));
      }
      // citations and other block kinds have no OpenAI counterpart: left out
    }
    JsonNode content = text.isEmpty() && !calls.isEmpty() ? NullNode.instance : TextNode.valueOf(text.toString());
    ChatMessage message = new ChatMessage("assistant", content, null, calls.isEmpty() ? null : calls, null, null)
        .withReasoningContent(reasoning.toString()).withThinkingBlocks(thinkingBlocks);
    TokenUsage usage = usage(converse.get("usage"));
    ChatCompletionResponse completion = new ChatCompletionResponse(id, "chat.completion", created, model,
        List.of(new ChatCompletionResponse.Choice(0, message, finishReason(converse.path("stopReason").asText(null)))),
        usage.isKnown() ? Usage.from(usage) : null);
    return completion.toJson();
  }

  /** Converse {@code stopReason} → OpenAI {@code finish_reason}. */
  static String finishReason(String stopReason) {
    if (stopReason == null) {
      return "stop";
    }
    return switch (stopReason) {
      case "max_tokens", "model_context_window_exceeded" -> "length";
      case "tool_use" -> "tool_calls";
      case "content_filtered", "guardrail_intervened" -> "content_filter";
      default -> "stop"; // end_turn, stop_sequence
    };
  }

  /**
   * Converse {@code usage} → token usage. Bedrock counts tokens read from and written to the
   * prompt cache apart from {@code inputTokens}; they are added back in so that input covers the
   * whole prompt (as OpenAI's {@code prompt_tokens} does); the cache reads are its cached part and
   * the cache writes its cache-creation part. The same object ends a stream, in its {@code metadata} event.
   */
  static TokenUsage usage(JsonNode u) {
    if (u == null || !u.isObject()) {
      return TokenUsage.NONE;
    }
    long cacheRead = tokens(u, "cacheReadInputTokens");
    long cacheWrite = tokens(u, "cacheWriteInputTokens");
    long input = tokens(u, "inputTokens") + cacheRead + cacheWrite;
    long output = tokens(u, "outputTokens");
    long total = u.hasNonNull("totalTokens") ? tokens(u, "totalTokens") : input + output;
    return new TokenUsage(input, output, total, cacheRead, 0, cacheWrite);
  }

  /** A count of {@code usage}; 0 when absent, not a number or negative. */
  private static long tokens(JsonNode usage, String field) {
    return Math.max(usage.path(field).asLong(0), 0);
  }
}
