package dev.tollgate.toolkit.openai;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.tollgate.api.TokenUsage;

/**
 * OpenAI token usage. {@code prompt_tokens} counts every prompt token, cached ones included;
 * {@code prompt_tokens_details.cached_tokens} are the prompt tokens read from the provider's
 * prompt cache and {@code prompt_tokens_details.cache_write_tokens} (a field of OpenAI's usage
 * schema) those written to it; {@code completion_tokens_details.reasoning_tokens} are the part of
 * {@code completion_tokens} spent on reasoning. Details are written only when they are not zero.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Usage(long promptTokens, long completionTokens, long totalTokens,
                    PromptTokensDetails promptTokensDetails, CompletionTokensDetails completionTokensDetails) {

  public static Usage from(TokenUsage u) {
    boolean cache = u.cachedInputTokens() > 0 || u.cacheCreationInputTokens() > 0;
    return new Usage(u.inputTokens(), u.outputTokens(), u.totalTokens(),
        cache ? new PromptTokensDetails(u.cachedInputTokens(),
            u.cacheCreationInputTokens() > 0 ? u.cacheCreationInputTokens() : null) : null,
        u.reasoningTokens() > 0 ? new CompletionTokensDetails(u.reasoningTokens()) : null);
  }

  @JsonIgnore
  public TokenUsage toTokenUsage() {
    long total = totalTokens > 0 ? totalTokens : promptTokens + completionTokens;
    return new TokenUsage(promptTokens, completionTokens, total,
        promptTokensDetails == null ? 0 : promptTokensDetails.cachedTokens(),
        completionTokensDetails == null ? 0 : completionTokensDetails.reasoningTokens(),
        promptTokensDetails == null || promptTokensDetails.cacheWriteTokens() == null ? 0
            : Math.max(0, promptTokensDetails.cacheWriteTokens()));
  }

  /** Cached (read) and, when known, cache-written prompt tokens. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record PromptTokensDetails(long cachedTokens, Long cacheWriteTokens) {
    public PromptTokensDetails(long cachedTokens) {
      this(cachedTokens, null);
    }
  }

  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record CompletionTokensDetails(long reasoningTokens) {
  }
}
