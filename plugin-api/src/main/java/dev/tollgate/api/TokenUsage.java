package dev.tollgate.api;

/**
 * Token counts of one exchange, zero where unknown.
 *
 * <p>Input counts every prompt token, as OpenAI's {@code prompt_tokens} does. Two of its parts are
 * counted apart as well, because providers price them differently: {@code cachedInputTokens}, the
 * prompt tokens read from the provider's prompt cache, and {@code cacheCreationInputTokens}, the
 * prompt tokens written to it (Anthropic's {@code cache_creation_input_tokens}, Bedrock's
 * {@code cacheWriteInputTokens}). The input tokens neither read from nor written to the cache are
 * {@code inputTokens - cachedInputTokens - cacheCreationInputTokens}. Reasoning tokens are a part of
 * output.
 *
 * <p>{@code cacheCreationInputTokens} came after the other counts, as the last component; the
 * five-count constructor, which leaves it 0, and {@link #of} remain for plugins written before it.
 */
public record TokenUsage(long inputTokens, long outputTokens, long totalTokens,
                         long cachedInputTokens, long reasoningTokens, long cacheCreationInputTokens) {
  public static final TokenUsage NONE = new TokenUsage(0, 0, 0, 0, 0, 0);

  public TokenUsage {
    if (inputTokens < 0 || outputTokens < 0 || totalTokens < 0 || cachedInputTokens < 0 || reasoningTokens < 0
        || cacheCreationInputTokens < 0) {
      throw new IllegalArgumentException("token counts are never negative");
    }
  }

  /** Counts without prompt-cache writes (cache creation 0). */
  public TokenUsage(long inputTokens, long outputTokens, long totalTokens, long cachedInputTokens,
                    long reasoningTokens) {
    this(inputTokens, outputTokens, totalTokens, cachedInputTokens, reasoningTokens, 0);
  }

  /** Input and output, total computed as their sum. */
  public static TokenUsage of(long input, long output) {
    return new TokenUsage(input, output, input + output, 0, 0, 0);
  }

  public boolean isKnown() {
    return !equals(NONE);
  }

  /** Field by field, the larger of the two: usage reported again later in a stream supersedes. */
  public TokenUsage max(TokenUsage o) {
    return new TokenUsage(Math.max(inputTokens, o.inputTokens), Math.max(outputTokens, o.outputTokens),
        Math.max(totalTokens, o.totalTokens), Math.max(cachedInputTokens, o.cachedInputTokens),
        Math.max(reasoningTokens, o.reasoningTokens), Math.max(cacheCreationInputTokens, o.cacheCreationInputTokens));
  }
}
