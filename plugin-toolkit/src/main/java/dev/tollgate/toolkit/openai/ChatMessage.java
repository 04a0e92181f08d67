package dev.tollgate.toolkit.openai;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;
import java.util.Map;

/**
 * A chat message (request messages, response message, streamed delta). {@code content} is a
 * string or an array of content parts ({@code text}, {@code image_url}), so it stays a JsonNode.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatMessage(String role, JsonNode content, String name, List<ToolCall> toolCalls, String toolCallId,
                          @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {
  public ChatMessage {
    extra = extra == null ? new java.util.LinkedHashMap<>() : extra;
  }

  /**
   * This message with the reasoning text as {@code reasoning_content} (see
   * {@link dev.tollgate.toolkit.PivotExtensions}); unchanged when {@code reasoning} is null or empty.
   */
  public ChatMessage withReasoningContent(String reasoning) {
    if (reasoning == null || reasoning.isEmpty()) {
      return this;
    }
    Map<String, JsonNode> more = new java.util.LinkedHashMap<>(extra);
    more.put(dev.tollgate.toolkit.PivotExtensions.REASONING_CONTENT,
        com.fasterxml.jackson.databind.node.TextNode.valueOf(reasoning));
    return new ChatMessage(role, content, name, toolCalls, toolCallId, more);
  }

  /**
   * This message with the provider's reasoning blocks as {@code thinking_blocks} (see
   * {@link dev.tollgate.toolkit.PivotExtensions}); unchanged when there are none.
   */
  public ChatMessage withThinkingBlocks(List<? extends JsonNode> blocks) {
    if (blocks == null || blocks.isEmpty()) {
      return this;
    }
    Map<String, JsonNode> more = new java.util.LinkedHashMap<>(extra);
    com.fasterxml.jackson.databind.node.ArrayNode array =
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
    blocks.forEach(array::add);
    more.put(dev.tollgate.toolkit.PivotExtensions.THINKING_BLOCKS, array);
    return new ChatMessage(role, content, name, toolCalls, toolCallId, more);
  }

  /** The text of the content: the string, or the text parts joined by newlines. */
  public String text() {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isTextual()) {
      return content.asText();
    }
    StringBuilder sb = new StringBuilder();
    for (JsonNode part : content) {
      if ("text".equals(part.path("type").asText()) && part.has("text")) {
        if (sb.length() > 0) {
          sb.append('\n');
        }
        sb.append(part.get("text").asText());
      }
    }
    return sb.toString();
  }

  /** A tool call made by the assistant; {@code index} is set in streamed deltas. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ToolCall(Integer index, String id, String type, FunctionCall function) {
  }

  /** A function call: name and JSON-encoded arguments. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record FunctionCall(String name, String arguments) {
  }
}
