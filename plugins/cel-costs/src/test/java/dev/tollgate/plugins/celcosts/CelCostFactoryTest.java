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
    assertThat(cel("cache_creation_input_tokens").cost(in)).as("the five-count usage writes no cache").isZero();
  }

  @Test
  void cacheCreationTokensAreBound() throws Exception {
    CostInput in = new CostInput("claude-sonnet-4-5", "anthropic", new TokenUsage(2160, 15, 2175, 100, 0, 2048));
    assertThat(cel("(input_tokens - cached_input_tokens - cache_creation_input_tokens) * 4"
        + " + cached_input_tokens + cache_creation_input_tokens * 5 + output_tokens * 20").cost(in))
        .isEqualTo(12 * 4 + 100 + 2048 * 5 + 15 * 20);
  }

  @Test
  void aNegativeResultFailsTheCostRatherThanEmittingIt() throws Exception {
    CostInput in = new CostInput("m", "b", new TokenUsage(10, 5, 15, 0, 0));
    assertThatThrownBy(() -> cel("output_tokens - input_tokens").cost(in))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("output_tokens - input_tokens")
        .hasMessageContaining("gave -5").hasMessageContaining("never negative");
    assertThatThrownBy(() -> cel("double(output_tokens - input_tokens) / 4.0").cost(in))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("gave -1.25");
    assertThat(cel("double(output_tokens - input_tokens) / 20.0").cost(in))
        .as("-0.25 rounds to 0, which is a cost").isZero();
  }

  @Test
  void aResultThatIsNoNumberOrOutOfRangeFailsTheCost() throws Exception {
    CostInput in = new CostInput("m", "b", new TokenUsage(10, 0, 10, 0, 0));
    assertThatThrownBy(() -> cel("double(input_tokens) / double(output_tokens)").cost(in))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("gave Infinity");
    assertThatThrownBy(() -> cel("double(output_tokens) / double(output_tokens)").cost(in))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("gave NaN");
    assertThatThrownBy(() -> cel("double(input_tokens) * 1e18").cost(in))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("more than the largest cost");
    assertThatThrownBy(() -> cel("uint(input_tokens) * 1844674407370955161u").cost(in))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("more than the largest cost");
    assertThatThrownBy(() -> cel("input_tokens * 9223372036854775807").cost(in))
        .as("int overflow is CEL's own error").isInstanceOf(IllegalStateException.class);
    assertThat(cel("9223372036854775807").cost(in)).isEqualTo(Long.MAX_VALUE);
    assertThat(cel("uint(9223372036854775807)").cost(in)).isEqualTo(Long.MAX_VALUE);
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
