package dev.tollgate.plugins.tokencosts;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;
import dev.tollgate.api.spi.CostCalculator;
import dev.tollgate.api.spi.CostCalculatorFactory;
import dev.tollgate.api.spi.NonBlocking;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.pf4j.Extension;

/**
 * Cost type {@code PriceTable}: what an exchange cost in micro-dollars (millionths of a US dollar),
 * from per-model prices in USD per million tokens:
 * <pre>
 * - metadataKey: llm_cost_microdollars
 *   type: PriceTable
 *   prices:
 *     gpt-4o-mini: {input: 0.15, output: 0.60, cachedInput: 0.075}
 *     "claude-*": {input: 3, output: 15, cachedInput: 0.30, cacheCreation: 3.75}
 *     "*": {input: 1, output: 1}
 * </pre>
 * {@code input} and {@code output} are required; {@code cachedInput} (prompt-cache reads) and
 * {@code cacheCreation} (prompt-cache writes) default to {@code input}. The cost, rounded to the
 * nearest micro-dollar, is uncached input × input + cached input × cachedInput + cache creation ×
 * cacheCreation + output × output (see {@link ModelPrices#microDollars}). The model's prices are
 * those named exactly, else those of the longest matching {@code *} pattern ({@link ModelLookup});
 * a model with neither (and no {@code "*"} entry) fails the cost, which is then not emitted.
 */
@NonBlocking
@Extension
public final class PriceTable implements CostCalculatorFactory {
  @Override
  public String type() {
    return "PriceTable";
  }

  @Override
  public CostCalculator create(Settings settings) throws InvalidConfigException {
    settings.allowOnly(Set.of("prices"));
    String at = settings.field("prices");
    if (!settings.has("prices")) {
      throw new InvalidConfigException(at, "is required: a mapping of model name (or \"*\" pattern) to its prices"
          + " in USD per million tokens, e.g. {gpt-4o-mini: {input: 0.15, output: 0.60}}");
    }
    Settings prices = settings.child("prices");
    if (prices.keys().isEmpty()) {
      throw new InvalidConfigException(at, "names no model; give at least one (\"*\" prices every model)");
    }
    Map<String, ModelPrices> byModel = new LinkedHashMap<>();
    for (String model : prices.keys()) {
      if (model.isBlank()) {
        throw new InvalidConfigException(prices.field(model), "a model name must not be empty");
      }
      byModel.put(model, ModelPrices.of(prices.child(model)));
    }
    ModelLookup<ModelPrices> lookup = new ModelLookup<>(byModel);
    return input -> {
      String model = input.model() == null ? "" : input.model();
      ModelPrices p = lookup.find(model).orElseThrow(() -> new IllegalStateException("PriceTable " + at
          + " has no price for model '" + model + "'; add the model (or a \"*\" entry, the prices of every model"
          + " not listed) to " + at));
      return p.microDollars(input.usage());
    };
  }
}
