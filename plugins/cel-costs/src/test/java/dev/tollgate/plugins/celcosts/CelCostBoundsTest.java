package dev.tollgate.plugins.celcosts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.spi.CostCalculator.CostInput;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Why evaluating a CEL cost is bounded, which {@link CelCostFuzzTest} relies on: the compiler has
 * no macros, so no comprehension (CEL's only loop) can be written, and cel-java's own limit on
 * comprehension iterations ({@code comprehensionMaxIterations}, unlimited by default) is not
 * needed. Should macros ever be enabled, this test fails and the limit must be set with them.
 */
class CelCostBoundsTest {
  private final CelCostFactory factory = new CelCostFactory();

  @Test
  void comprehensionsCannotBeWrittenSoEvaluationHasNoLoop() {
    for (String loop : new String[] {"[1, 2, 3].map(x, x * 2).size()", "[1, 2].all(x, x > 0) ? 1 : 0",
        "[1, 2].exists(x, x > input_tokens) ? 1 : 0", "[1, 2].filter(x, x > 1).size()"}) {
      assertThatThrownBy(() -> factory.create(Settings.of("costs[0]", Map.of("expression", loop))))
          .as(loop).isInstanceOf(InvalidConfigException.class)
          .hasMessageStartingWith("costs[0].expression: is not a valid CEL expression");
    }
  }

  @Test
  void anExpressionIsBoundedInDepthAndSizeAtLoad() throws Exception {
    // cel-java's parser limits: 250 levels of nesting, 100,000 code points; both are load errors
    // (a run of 5,000 unary minus signs is folded by the parser and compiles)
    assertThat(factory.create(Settings.of("costs[0]", Map.of("expression", "-".repeat(5_000) + "1")))
        .cost(new CostInput("m", "b", TokenUsage.of(2, 0)))).isEqualTo(1);
    String sum = "input_tokens" + " + input_tokens".repeat(200);
    assertThat(factory.create(Settings.of("costs[0]", Map.of("expression", sum)))
        .cost(new CostInput("m", "b", TokenUsage.of(2, 0)))).isEqualTo(2L * 201);
    for (String tooBig : new String[] {"input_tokens" + " + input_tokens".repeat(1_000),
        "1" + " ".repeat(100_000)}) {
      assertThatThrownBy(() -> factory.create(Settings.of("costs[0]", Map.of("expression", tooBig))))
          .isInstanceOf(InvalidConfigException.class).hasMessageStartingWith("costs[0].expression: ");
    }
  }
}
