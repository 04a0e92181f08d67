package dev.tollgate.api;

/**
 * Token counts of one exchange. Cached input and reasoning tokens are parts of input and output
 * respectively, as providers report them; zero where unknown.
 */
public record TokenUsage(long inputTokens, long outputTokens, long totalTokens,
                         long cachedInputTokens, long reasoningTokens) {
  public static final TokenUsage NONE = new TokenUsage(0, 0, 0, 0, 0);

  public TokenUsage {
    if (inputTokens < 0 || outputTokens < 0 || totalTokens < 0 || cachedInputTokens < 0 || reasoningTokens < 0) {
      throw new IllegalArgumentException("token counts are never negative");
    }
  }

  /** Input and output, total computed as their sum. */
  public static TokenUsage of(long input, long output) {
    return new TokenUsage(input, output, input + output, 0, 0);
  }

  public boolean isKnown() {
    return !equals(NONE);
  }

  /** Field by field, the larger of the two: usage reported again later in a stream supersedes. */
  public TokenUsage max(TokenUsage o) {
    return new TokenUsage(Math.max(inputTokens, o.inputTokens), Math.max(outputTokens, o.outputTokens),
        Math.max(totalTokens, o.totalTokens), Math.max(cachedInputTokens, o.cachedInputTokens),
        Math.max(reasoningTokens, o.reasoningTokens));
  }
}
