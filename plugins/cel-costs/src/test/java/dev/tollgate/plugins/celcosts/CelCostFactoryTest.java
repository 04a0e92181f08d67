package dev.tollgate.plugins.celcosts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.spi.CostCalculator;
import dev.tollgate.api.spi.CostCalculator.CostInput;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CelCostFactoryTest {
  private final CelCostFactory factory = new CelCostFactory();

  private CostCalculator cel(String expression) throws InvalidConfigException {
    return factory.create(Settings.of("costs[2]", Map.of("expression", expression)));
  }

  @Test
  void everyVariableIsBound() throws Exception {
    CostInput in = new CostInput("gpt-4o", "openai", new TokenUsage(100, 20, 120, 30, 5));
    assertThat(cel("input_tokens * 2 + output_tokens").cost(in)).isEqualTo(220);
    assertThat(cel("total_tokens - cached_input_tokens + reasoning_tokens").cost(in)).isEqualTo(95);
    assertThat(cel("model == 'gpt-4o' && backend == 'openai' ? 1 : 0").cost(in)).isEqualTo(1);
    assertThat(cel("double(input_tokens) * 0.25").cost(in)).isEqualTo(25);
    assertThat(cel("uint(output_tokens)").cost(in)).isEqualTo(20);
  }

  @Test
  void aBadExpressionIsRejectedAtLoadWithItsPosition() {
    assertThatThrownBy(() -> cel("input_tokens +"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("costs[2].expression")
        .hasMessageMatching("(?s).*:1:\\d+.*");
    assertThatThrownBy(() -> cel("input_tokenz * 2"))
        .hasMessageContaining("costs[2].expression").hasMessageContaining("input_tokenz");
    assertThatThrownBy(() -> cel("model"))
        .hasMessageContaining("a cost must be an int, uint or double");
  }

  @Test
  void aFailingEvaluationThrowsWithTheExpression() throws Exception {
    CostCalculator div = cel("input_tokens / output_tokens");
    assertThatThrownBy(() -> div.cost(new CostInput("m", "b", TokenUsage.of(3, 0))))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("input_tokens / output_tokens");
  }
}
