package dev.tollgate.toolkit.openai;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;
import java.util.Map;

/** {@code POST /v1/chat/completions} request body. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatCompletionRequest(
    String model,
    List<ChatMessage> messages,
    Boolean stream,
    StreamOptions streamOptions,
    Double temperature,
    Double topP,
    Integer maxTokens,
    Integer maxCompletionTokens,
    JsonNode stop,
    List<Tool> tools,
    JsonNode toolChoice,
    @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

  public ChatCompletionRequest {
    extra = extra == null ? new java.util.LinkedHashMap<>() : extra;
  }

  public boolean isStream() {
    return Boolean.TRUE.equals(stream);
  }

  /** The token limit, preferring {@code max_completion_tokens}. */
  public Integer tokenLimit() {
    return maxCompletionTokens != null ? maxCompletionTokens : maxTokens;
  }

  /** {@code stream_options}. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record StreamOptions(Boolean includeUsage) {
  }

  /** A tool the model may call. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Tool(String type, FunctionDefinition function) {
  }

  /** A function tool's declaration; {@code parameters} is a JSON Schema. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record FunctionDefinition(String name, String description, JsonNode parameters) {
  }
}
