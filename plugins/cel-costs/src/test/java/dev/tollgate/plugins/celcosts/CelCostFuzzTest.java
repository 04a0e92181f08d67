package dev.tollgate.plugins.celcosts;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.spi.CostCalculator;
import dev.tollgate.api.spi.CostCalculator.CostInput;
import java.util.Map;

/**
 * CEL cost expressions, compiled as a config load compiles them ({@link CelCostFactory#create})
 * and evaluated as every exchange's costs are, on fuzzed token counts and model names. Half the
 * expressions are the fuzzer's text as it is, half are built from CEL's grammar (variables,
 * literals of every type, operators, conversions, string functions, comprehension macros), so
 * that most compile and reach evaluation. Documented outcomes only: an
 * {@link InvalidConfigException} on {@code costs[0].expression} at load; at evaluation a cost of 0
 * or more, or an {@link IllegalStateException} (the cost is then not emitted); never another
 * exception, never a hang (comprehensions are bounded). Longer run: {@code JAZZER_MAX_DURATION=5m}.
 */
class CelCostFuzzTest {
  private static final CelCostFactory FACTORY = new CelCostFactory();
  private static final String[] VARS = {"model", "backend", "input_tokens", "output_tokens", "total_tokens",
      "cached_input_tokens", "cache_creation_input_tokens", "reasoning_tokens"};
  private static final String[] BINARY = {"+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "in"};
  private static final String[] CALLS = {"int", "uint", "double", "string", "size", "bool", "bytes", "type", "dyn",
      "duration", "timestamp"};
  private static final String[] METHODS = {"startsWith", "endsWith", "contains", "matches", "size"};
  private static final String[] MACROS = {"map", "filter", "all", "exists", "exists_one"};

  @FuzzTest(maxDuration = "8s")
  void celCost(FuzzedDataProvider data) {
    String expression = data.consumeBoolean() ? expr(data, 0) : data.consumeString(200);
    CostCalculator cost;
    try {
      cost = FACTORY.create(Settings.of("costs[0]", Map.of("expression", expression)));
    } catch (InvalidConfigException e) {
      if (!e.getMessage().startsWith("costs[0].expression: ")) {
        throw new AssertionError("a bad expression must be reported on its field: " + e.getMessage(), e);
      }
      return;
    }
    for (int i = 0; i < 3 && data.remainingBytes() > 0; i++) {
      TokenUsage usage = new TokenUsage(count(data), count(data), count(data), count(data), count(data), count(data));
      String model = data.consumeBoolean() ? data.consumeString(30) : null;
      try {
        long c = cost.cost(new CostInput(model, data.consumeString(10), usage));
        if (c < 0) {
          throw new AssertionError("'" + expression + "' gave the negative cost " + c);
        }
      } catch (IllegalStateException e) {
        if (e.getMessage() == null || !e.getMessage().contains(expression)) {
          throw new AssertionError("a failed cost must name its expression: " + e.getMessage(), e);
        }
      }
    }
  }

  private static long count(FuzzedDataProvider data) {
    return data.consumeBoolean() ? data.consumeLong(0, 1_000_000) : data.consumeLong(0, Long.MAX_VALUE);
  }

  /** A CEL expression from the grammar, nested up to 6 deep. */
  private static String expr(FuzzedDataProvider data, int depth) {
    int choice = depth >= 6 ? data.consumeInt(0, 5) : data.consumeInt(0, 15);
    return switch (choice) {
      case 0, 1 -> data.pickValue(VARS);
      case 2 -> Long.toString(data.consumeLong());
      case 3 -> Long.toUnsignedString(data.consumeLong()) + "u";
      case 4 -> Double.toString(data.consumeDouble());
      case 5 -> "'" + data.consumeAsciiString(8).replace("\\", "\\\\").replace("'", "\\'") + "'";
      case 6, 7, 8 -> "(" + expr(data, depth + 1) + " " + data.pickValue(BINARY) + " " + expr(data, depth + 1) + ")";
      case 9 -> expr(data, depth + 1) + " ? " + expr(data, depth + 1) + " : " + expr(data, depth + 1);
      case 10 -> (data.consumeBoolean() ? "-" : "!") + expr(data, depth + 1);
      case 11 -> data.pickValue(CALLS) + "(" + expr(data, depth + 1) + ")";
      case 12 -> expr(data, depth + 1) + "." + data.pickValue(METHODS) + "(" + expr(data, depth + 1) + ")";
      case 13 -> list(data, depth) + "." + data.pickValue(MACROS) + "(x, " + expr(data, depth + 1).replace("model", "x") + ")";
      case 14 -> list(data, depth);
      default -> "{" + expr(data, depth + 1) + ": " + expr(data, depth + 1) + "}[" + expr(data, depth + 1) + "]";
    };
  }

  private static String list(FuzzedDataProvider data, int depth) {
    StringBuilder sb = new StringBuilder("[");
    int n = data.consumeInt(0, 12);
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : ", ").append(data.consumeBoolean() ? Integer.toString(i) : expr(data, depth + 1));
    }
    return sb.append("]").toString();
  }
}
