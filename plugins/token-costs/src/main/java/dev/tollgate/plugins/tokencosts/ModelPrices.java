package dev.tollgate.plugins.tokencosts;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;
import dev.tollgate.api.TokenUsage;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Objects;
import java.util.Set;

/**
 * One model's prices in USD per million tokens, which is the same number as micro-dollars per
 * token. Each is exact (a {@link BigDecimal}), non-negative and at most {@link #MAX_PRICE}.
 *
 * @param input         uncached input tokens
 * @param output        output tokens (reasoning included)
 * @param cachedInput   input tokens read from the prompt cache
 * @param cacheCreation input tokens written to the prompt cache
 */
record ModelPrices(BigDecimal input, BigDecimal output, BigDecimal cachedInput, BigDecimal cacheCreation) {
  static final Set<String> KEYS = Set.of("input", "output", "cachedInput", "cacheCreation");
  /** A million dollars per million tokens: far above any real price, low enough to keep the arithmetic small. */
  static final BigDecimal MAX_PRICE = BigDecimal.valueOf(1_000_000);
  /** Decimal places kept of a price: a billionth of a micro-dollar per token. */
  static final int SCALE = 9;
  /** The smallest price that is not rounded to 0 at that scale. */
  private static final BigDecimal SMALLEST = new BigDecimal("0.0000000005");

  ModelPrices {
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(cachedInput, "cachedInput");
    Objects.requireNonNull(cacheCreation, "cacheCreation");
  }

  /**
   * The prices of one {@code prices} entry: {@code input} and {@code output} required,
   * {@code cachedInput} and {@code cacheCreation} default to {@code input}.
   */
  static ModelPrices of(Settings entry) throws InvalidConfigException {
    entry.allowOnly(KEYS);
    BigDecimal input = required(entry, "input");
    BigDecimal output = required(entry, "output");
    BigDecimal cachedInput = entry.has("cachedInput") ? price(entry, "cachedInput") : input;
    BigDecimal cacheCreation = entry.has("cacheCreation") ? price(entry, "cacheCreation") : input;
    return new ModelPrices(input, output, cachedInput, cacheCreation);
  }

  /**
   * The cost of {@code usage} in micro-dollars, rounded half up: uncached input × input + cached ×
   * cachedInput + cache creation × cacheCreation + output × output, where uncached input is input
   * less its cached and cache-creation parts (never below 0). Never negative.
   *
   * @throws IllegalStateException when the cost does not fit a long
   */
  long microDollars(TokenUsage usage) {
    long uncached = Math.max(0, usage.inputTokens() - usage.cachedInputTokens() - usage.cacheCreationInputTokens());
    BigDecimal cost = input.multiply(BigDecimal.valueOf(uncached))
        .add(cachedInput.multiply(BigDecimal.valueOf(usage.cachedInputTokens())))
        .add(cacheCreation.multiply(BigDecimal.valueOf(usage.cacheCreationInputTokens())))
        .add(output.multiply(BigDecimal.valueOf(usage.outputTokens())));
    BigInteger whole = cost.setScale(0, RoundingMode.HALF_UP).toBigInteger();
    if (whole.bitLength() >= Long.SIZE) {
      throw new IllegalStateException("the cost of " + usage + " is " + whole + " micro-dollars, more than a cost can hold");
    }
    return whole.longValue();
  }

  private static BigDecimal required(Settings entry, String key) throws InvalidConfigException {
    if (!entry.has(key)) {
      throw new InvalidConfigException(entry.field(key), "is required (USD per million tokens)");
    }
    return price(entry, key);
  }

  /** A price: a YAML number, or a string holding a decimal number (as Kubernetes quantities often are). */
  private static BigDecimal price(Settings entry, String key) throws InvalidConfigException {
    Object v = entry.asMap().get(key);
    BigDecimal price;
    try {
      if (v instanceof BigDecimal d) {
        price = d;
      } else if (v instanceof BigInteger i) {
        price = new BigDecimal(i);
      } else if (v instanceof Number n) {
        price = new BigDecimal(n.toString()); // a double's shortest form: 0.075 stays 0.075; NaN fails
      } else if (v instanceof String s) {
        price = new BigDecimal(s.trim());
      } else {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw new InvalidConfigException(entry.field(key), "must be a number (USD per million tokens), not '" + v + "'");
    }
    if (price.signum() < 0) {
      throw new InvalidConfigException(entry.field(key), "must not be negative; got " + v);
    }
    if (price.compareTo(MAX_PRICE) > 0) {
      throw new InvalidConfigException(entry.field(key), "is " + v + " USD per million tokens; prices above "
          + MAX_PRICE + " are refused as a mistake");
    }
    if (price.compareTo(SMALLEST) < 0) {
      return BigDecimal.ZERO; // so that "1e-999999999" is not rounded digit by digit
    }
    return price.setScale(SCALE, RoundingMode.HALF_UP).stripTrailingZeros();
  }
}
