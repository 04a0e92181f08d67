package dev.tollgate.plugins.tokencosts;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.spi.CostCalculator;
import dev.tollgate.api.spi.CostCalculatorFactory;
import dev.tollgate.api.spi.NonBlocking;
import java.util.Set;
import java.util.function.ToLongFunction;
import org.pf4j.Extension;

/** Cost types that are one token count of the exchange. They take no settings. */
public final class TokenCosts {
  private TokenCosts() {
  }

  abstract static class TokenCount implements CostCalculatorFactory {
    private final String type;
    private final ToLongFunction<TokenUsage> count;

    TokenCount(String type, ToLongFunction<TokenUsage> count) {
      this.type = type;
      this.count = count;
    }

    @Override
    public String type() {
      return type;
    }

    @Override
    public CostCalculator create(Settings settings) throws InvalidConfigException {
      settings.allowOnly(Set.of());
      return input -> count.applyAsLong(input.usage());
    }
  }

  /** {@code InputToken}: prompt tokens. */
  @NonBlocking
  @Extension
  public static final class InputToken extends TokenCount {
    public InputToken() {
      super("InputToken", TokenUsage::inputTokens);
    }
  }

  /** {@code OutputToken}: completion tokens. */
  @NonBlocking
  @Extension
  public static final class OutputToken extends TokenCount {
    public OutputToken() {
      super("OutputToken", TokenUsage::outputTokens);
    }
  }

  /** {@code TotalToken}: as the provider reports it, else input plus output. */
  @NonBlocking
  @Extension
  public static final class TotalToken extends TokenCount {
    public TotalToken() {
      super("TotalToken", TokenUsage::totalTokens);
    }
  }

  /** {@code CachedInputToken}: prompt tokens served from the provider's cache. */
  @NonBlocking
  @Extension
  public static final class CachedInputToken extends TokenCount {
    public CachedInputToken() {
      super("CachedInputToken", TokenUsage::cachedInputTokens);
    }
  }

  /** {@code CacheCreationInputToken}: prompt tokens written to the provider's cache (Anthropic, Bedrock). */
  @NonBlocking
  @Extension
  public static final class CacheCreationInputToken extends TokenCount {
    public CacheCreationInputToken() {
      super("CacheCreationInputToken", TokenUsage::cacheCreationInputTokens);
    }
  }

  /** {@code ReasoningToken}: completion tokens spent on reasoning. */
  @NonBlocking
  @Extension
  public static final class ReasoningToken extends TokenCount {
    public ReasoningToken() {
      super("ReasoningToken", TokenUsage::reasoningTokens);
    }
  }
}
