package dev.tollgate.plugins.tokencosts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.spi.CostCalculator.CostInput;
import dev.tollgate.api.spi.CostCalculatorFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenCostsTest {
  private static final CostInput IN = new CostInput("m", "b", new TokenUsage(2160, 15, 2175, 100, 7, 2048));

  @Test
  void eachTypeIsOneCount() throws Exception {
    List<CostCalculatorFactory> factories = List.of(new TokenCosts.InputToken(), new TokenCosts.OutputToken(),
        new TokenCosts.TotalToken(), new TokenCosts.CachedInputToken(), new TokenCosts.CacheCreationInputToken(),
        new TokenCosts.ReasoningToken());
    assertThat(factories).extracting(CostCalculatorFactory::type).containsExactly("InputToken", "OutputToken",
        "TotalToken", "CachedInputToken", "CacheCreationInputToken", "ReasoningToken");
    assertThat(factories).extracting(f -> f.create(Settings.empty("costs[0]")).cost(IN))
        .containsExactly(2160L, 15L, 2175L, 100L, 2048L, 7L);
  }

  @Test
  void theyTakeNoSettings() {
    assertThatThrownBy(() -> new TokenCosts.CacheCreationInputToken().create(Settings.of("costs[0]", Map.of("x", 1))))
        .isInstanceOf(InvalidConfigException.class).hasMessageStartingWith("costs[0].x: unknown field");
  }
}
