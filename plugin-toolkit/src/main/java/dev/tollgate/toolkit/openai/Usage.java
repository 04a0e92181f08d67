package dev.tollgate.toolkit.openai;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.tollgate.api.TokenUsage;

/** OpenAI token usage. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Usage(long promptTokens, long completionTokens, long totalTokens,
                    PromptTokensDetails promptTokensDetails, CompletionTokensDetails completionTokensDetails) {

  public static Usage from(TokenUsage u) {
    return new Usage(u.inputTokens(), u.outputTokens(), u.totalTokens(),
        u.cachedInputTokens() > 0 ? new PromptTokensDetails(u.cachedInputTokens()) : null,
        u.reasoningTokens() > 0 ? new CompletionTokensDetails(u.reasoningTokens()) : null);
  }

  @JsonIgnore
  public TokenUsage toTokenUsage() {
    long total = totalTokens > 0 ? totalTokens : promptTokens + completionTokens;
    return new TokenUsage(promptTokens, completionTokens, total,
        promptTokensDetails == null ? 0 : promptTokensDetails.cachedTokens(),
        completionTokensDetails == null ? 0 : completionTokensDetails.reasoningTokens());
  }

  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record PromptTokensDetails(long cachedTokens) {
  }

  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record CompletionTokensDetails(long reasoningTokens) {
  }
}
