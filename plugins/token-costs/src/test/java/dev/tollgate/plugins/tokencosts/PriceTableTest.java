package dev.tollgate.plugins.tokencosts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.spi.CostCalculator;
import dev.tollgate.api.spi.CostCalculator.CostInput;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PriceTableTest {
  private final PriceTable factory = new PriceTable();

  /** The brief's example table, with numbers as a YAML parser gives them. */
  private static Map<String, Object> example() {
    Map<String, Object> prices = new LinkedHashMap<>();
    prices.put("gpt-4o-mini", Map.of("input", 0.15, "output", 0.60, "cachedInput", 0.075));
    prices.put("claude-*", Map.of("input", 3, "output", 15, "cachedInput", 0.30, "cacheCreation", 3.75));
    prices.put("*", Map.of("input", 1, "output", 1));
    return prices;
  }

  private CostCalculator table(Map<String, Object> prices) throws InvalidConfigException {
    return factory.create(Settings.of("costs[1]", Map.of("prices", prices)));
  }

  private static long cost(CostCalculator c, String model, TokenUsage usage) {
    return c.cost(new CostInput(model, "b", usage));
  }

  @Test
  void theTypeIsPriceTable() {
    assertThat(factory.type()).isEqualTo("PriceTable");
  }

  @Test
  void microDollarsAreTokensTimesUsdPerMillionTokens() throws Exception {
    CostCalculator c = table(example());
    // 1000 uncached × 0.15 + 2000 cached × 0.075 + 500 × 0.60 = 150 + 150 + 300
    assertThat(cost(c, "gpt-4o-mini", new TokenUsage(3000, 500, 3500, 2000, 0))).isEqualTo(600);
    // 1M input tokens at $0.15 per million is 150 000 micro-dollars
    assertThat(cost(c, "gpt-4o-mini", TokenUsage.of(1_000_000, 0))).isEqualTo(150_000);
  }

  @Test
  void cacheCreationIsPricedApartAndCachedAndCreationDefaultToTheInputPrice() throws Exception {
    CostCalculator c = table(example());
    // claude: 12 uncached × 3 + 100 cached × 0.30 + 2048 created × 3.75 + 15 × 15
    TokenUsage usage = new TokenUsage(2160, 15, 2175, 100, 0, 2048);
    assertThat(cost(c, "claude-sonnet-4-5", usage)).isEqualTo(36 + 30 + 7680 + 225);
    // "*" has neither: every input token at the input price
    assertThat(cost(c, "llama3", usage)).isEqualTo(2160 + 15);
  }

  @Test
  void theResultIsRoundedHalfUpOnceOverTheSum() throws Exception {
    CostCalculator c = table(Map.of("m", Map.of("input", 0.25, "output", 0.5)));
    assertThat(cost(c, "m", TokenUsage.of(1, 0))).isZero(); // 0.25
    assertThat(cost(c, "m", TokenUsage.of(2, 0))).isEqualTo(1); // 0.5 rounds up
    assertThat(cost(c, "m", TokenUsage.of(1, 1))).isEqualTo(1); // 0.75, not 0 + 1 rounded apart
    assertThat(cost(c, "m", TokenUsage.NONE)).isZero();
  }

  @Test
  void decimalsAreExactNotBinaryFloatingPoint() throws Exception {
    // in doubles 50 × 1.15 is 57.49999999999999, which would round down
    CostCalculator c = table(Map.of("m", Map.of("input", 1.15, "output", 2.55)));
    assertThat(cost(c, "m", TokenUsage.of(50, 0))).isEqualTo(58); // 57.5
    assertThat(cost(c, "m", TokenUsage.of(0, 50))).isEqualTo(128); // 127.5
  }

  @Test
  void cachedAndCreatedPartsLargerThanTheInputLeaveNoUncachedInputRatherThanANegativeOne() throws Exception {
    CostCalculator c = table(Map.of("m", Map.of("input", 1000, "output", 0, "cachedInput", 1, "cacheCreation", 2)));
    assertThat(cost(c, "m", new TokenUsage(10, 0, 10, 8, 0, 8))).isEqualTo(8 + 16);
  }

  @Test
  void anExactNameWinsThenTheLongestMatchingPatternThenStar() throws Exception {
    Map<String, Object> prices = new LinkedHashMap<>();
    prices.put("*", Map.of("input", 1, "output", 0));
    prices.put("claude-*", Map.of("input", 2, "output", 0));
    prices.put("claude-opus-*", Map.of("input", 3, "output", 0));
    prices.put("claude-opus-4", Map.of("input", 4, "output", 0));
    prices.put("*-mini", Map.of("input", 5, "output", 0));
    CostCalculator c = table(prices);
    TokenUsage one = TokenUsage.of(1, 0);
    assertThat(cost(c, "claude-opus-4", one)).isEqualTo(4);
    assertThat(cost(c, "claude-opus-4-1", one)).isEqualTo(3);
    assertThat(cost(c, "claude-haiku", one)).isEqualTo(2);
    assertThat(cost(c, "gpt-4o-mini", one)).isEqualTo(5);
    assertThat(cost(c, "llama3", one)).isEqualTo(1);
    assertThat(cost(c, null, one)).as("no model: only '*' matches").isEqualTo(1);
  }

  @Test
  void aModelWithoutAPriceFailsTheCostNamingTheModelAndWhatToAdd() throws Exception {
    CostCalculator c = table(Map.of("gpt-4o", Map.of("input", 2.5, "output", 10)));
    assertThatThrownBy(() -> cost(c, "gpt-4o-mini", TokenUsage.of(1, 1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'gpt-4o-mini'")
        .hasMessageContaining("costs[1].prices")
        .hasMessageContaining("\"*\"");
  }

  @Test
  void pricesMayBeDecimalStringsAndWholeNumbers() throws Exception {
    CostCalculator c = table(Map.of("m", Map.of("input", "0.15", "output", 2L, "cachedInput", new BigDecimal("0.05"))));
    assertThat(cost(c, "m", new TokenUsage(30, 1, 31, 20, 0))).isEqualTo(5); // 10 × 0.15 + 20 × 0.05 + 1 × 2 = 4.5
  }

  @Test
  void theSettingsAreCheckedWhenTheConfigLoadsNamingTheField() {
    assertLoadFails(Map.of(), "costs[1].prices", "is required");
    assertLoadFails(Map.of("prices", Map.of()), "costs[1].prices", "at least one");
    assertLoadFails(Map.of("prices", List.of("gpt-4o")), "costs[1].prices", "must be a mapping");
    assertLoadFails(Map.of("prices", example(), "currency", "EUR"), "costs[1].currency", "unknown field");
    assertLoadFails(Map.of("prices", Map.of("m", 0.15)), "costs[1].prices.m", "must be a mapping");
    assertLoadFails(Map.of("prices", Map.of("m", Map.of("output", 1))), "costs[1].prices.m.input", "is required");
    assertLoadFails(Map.of("prices", Map.of("m", Map.of("input", 1))), "costs[1].prices.m.output", "is required");
    assertLoadFails(Map.of("prices", Map.of("m", Map.of("input", 1, "output", 1, "cached", 0.5))),
        "costs[1].prices.m.cached", "unknown field; expected one of [cacheCreation, cachedInput, input, output]");
    assertLoadFails(Map.of("prices", Map.of("m", Map.of("input", -0.1, "output", 1))),
        "costs[1].prices.m.input", "must not be negative");
    assertLoadFails(Map.of("prices", Map.of("m", Map.of("input", 1, "output", "ten"))),
        "costs[1].prices.m.output", "must be a number");
    assertLoadFails(Map.of("prices", Map.of("m", Map.of("input", 1, "output", true))),
        "costs[1].prices.m.output", "must be a number");
    assertLoadFails(Map.of("prices", Map.of("m", Map.of("input", Double.NaN, "output", 1))),
        "costs[1].prices.m.input", "must be a number");
    assertLoadFails(Map.of("prices", Map.of("m", Map.of("input", Double.POSITIVE_INFINITY, "output", 1))),
        "costs[1].prices.m.input", "must be a number");
    assertLoadFails(Map.of("prices", Map.of("m", Map.of("input", 1, "output", 1, "cacheCreation", "1e9"))),
        "costs[1].prices.m.cacheCreation", "above 1000000");
    assertLoadFails(Map.of("prices", Map.of(" ", Map.of("input", 1, "output", 1))), "costs[1].prices. ", "empty");
  }

  @Test
  void aTinyPriceWithAHugeExponentLoadsQuicklyAsZero() throws Exception {
    CostCalculator c = table(Map.of("m", Map.of("input", "1e-999999999", "output", 1)));
    assertThat(cost(c, "m", TokenUsage.of(1_000_000, 3))).isEqualTo(3);
  }

  @Test
  void aCostTooLargeForALongFailsRatherThanWrapping() throws Exception {
    CostCalculator c = table(Map.of("m", Map.of("input", 1_000_000, "output", 1_000_000)));
    assertThatThrownBy(() -> cost(c, "m", new TokenUsage(Long.MAX_VALUE / 2, Long.MAX_VALUE / 2, Long.MAX_VALUE - 1, 0, 0)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("micro-dollars");
  }

  private void assertLoadFails(Map<String, Object> settings, String field, String message) {
    assertThatThrownBy(() -> factory.create(Settings.of("costs[1]", settings)))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining(message)
        .extracting(e -> ((InvalidConfigException) e).field()).isEqualTo(field);
  }
}
