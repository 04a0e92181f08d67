package dev.tollgate.controller.resource;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Required;
import java.util.List;

/**
 * What a {@code TokenBudget} says: how many tokens (or dollars) each consumer, or each value of a
 * consumer metadata key, may spend per unit of time. Envoy's rate-limit filter asks the rate-limit
 * service before each request (refused with 429 once the budget is spent) and charges the
 * exchange's cost when it ends.
 *
 * @param per        {@code consumer} (default): each consumer its own budget; or a consumer metadata
 *                   key such as {@code team}: each of its values its own budget
 * @param values     only these consumers (or metadata values), each its own budget; default: every one
 * @param limit      the amount per unit
 * @param cost       the token type a tokens limit counts (default {@code TotalToken})
 * @param priceTable the {@code PriceTable} a dollars limit prices tokens with
 * @param perModel   a budget per model as well
 * @param perBackend a budget per backend as well
 */
@JsonClassDescription("Tokens or dollars each consumer (or each value of a consumer metadata key) may spend per"
    + " unit of time, enforced by Envoy's rate-limit filter and the rate-limit service")
public record TokenBudgetSpec(
    @JsonPropertyDescription("Who gets a budget: consumer (default), each consumer its own; or a key of the"
        + " Consumers' metadata, e.g. team, each of its values its own")
    String per,
    @JsonPropertyDescription("Only these consumer names (or metadata values), each its own budget (default: every"
        + " consumer or value); others are not limited by this budget")
    List<String> values,
    @Required @JsonPropertyDescription("The amount per unit: tokens or dollars, and unit")
    Limit limit,
    @JsonPropertyDescription("For a tokens limit: the token type counted, e.g. InputToken, OutputToken, TotalToken"
        + " (default), CachedInputToken, ReasoningToken; the set is open: installed plugins add cost types")
    String cost,
    @JsonPropertyDescription("For a dollars limit (required then): the metadata.name of the PriceTable that prices"
        + " the tokens")
    String priceTable,
    @JsonPropertyDescription("true: a budget per model as well (the model the client asked for)")
    Boolean perModel,
    @JsonPropertyDescription("true: a budget per backend as well (the backend, or the fallback rule, Tollgate"
        + " selected)")
    Boolean perBackend) {

  /**
   * The amount per unit: exactly one of {@code tokens} and {@code dollars}.
   *
   * @param tokens  tokens per unit, 1 to 4294967295
   * @param dollars US dollars per unit as a decimal string, e.g. {@code "2.50"}, at most 6 decimals
   *                and 4294.967295 (the rate-limit service counts micro-dollars in 32 bits)
   * @param unit    {@code Second}, {@code Minute}, {@code Hour} or {@code Day}
   */
  public record Limit(
      @JsonPropertyDescription("Tokens per unit, 1 to 4294967295; one of tokens, dollars")
      Long tokens,
      @JsonPropertyDescription("US dollars per unit as a quoted decimal, e.g. \"2.50\" (at most 6 decimals, at most"
          + " 4294.967295: the rate-limit service counts micro-dollars in 32 bits); needs priceTable")
      String dollars,
      @Required @SchemaFrom(type = Unit.class)
      @JsonPropertyDescription("The unit of time: Second, Minute, Hour or Day (calendar units of the rate-limit"
          + " service: a Day budget resets at midnight UTC)")
      String unit) {
  }

  /** The values of {@link Limit#unit}, for the CRD's schema. */
  public enum Unit { Second, Minute, Hour, Day }
}
