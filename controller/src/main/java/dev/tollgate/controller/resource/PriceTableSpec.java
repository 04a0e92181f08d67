package dev.tollgate.controller.resource;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.Map;

/**
 * What a {@code PriceTable} says: the price of tokens per model, in US dollars per million tokens.
 * A TokenBudget with a {@code dollars} limit names one; it becomes that budget's cost of type
 * {@code PriceTable}, whose result is micro-dollars.
 *
 * @param prices model name (exact, or a pattern with {@code *}; {@code "*"} alone is the default) to its prices
 */
@JsonClassDescription("Token prices per model in US dollars per million tokens, for TokenBudgets with a dollars"
    + " limit")
public record PriceTableSpec(
    @Required @JsonPropertyDescription("Model name to its prices: an exact name, or a pattern with '*' (the longest"
        + " matching pattern wins); \"*\" alone is the default. A model without a price is not counted")
    Map<String, Price> prices) {

  /**
   * A model's prices in US dollars per million tokens.
   *
   * @param input         uncached input tokens
   * @param output        output tokens
   * @param cachedInput   input tokens read from the provider's cache (default: input)
   * @param cacheCreation input tokens written to the provider's cache (default: input)
   */
  public record Price(
      @Required @JsonPropertyDescription("US dollars per million uncached input tokens")
      Double input,
      @Required @JsonPropertyDescription("US dollars per million output tokens")
      Double output,
      @JsonPropertyDescription("US dollars per million input tokens read from the provider's cache (default: input)")
      Double cachedInput,
      @JsonPropertyDescription("US dollars per million input tokens written to the provider's cache (default: input)")
      Double cacheCreation) {
  }
}
