package dev.tollgate.plugins.celcosts;

import com.google.common.primitives.UnsignedLong;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.CelType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.spi.CostCalculator;
import dev.tollgate.api.spi.CostCalculatorFactory;
import dev.tollgate.api.spi.NonBlocking;
import java.util.Map;
import java.util.Set;
import org.pf4j.Extension;

/**
 * Cost type {@code CEL}: {@code expression} is a CEL expression over {@code model},
 * {@code backend} (strings) and {@code input_tokens}, {@code output_tokens}, {@code total_tokens},
 * {@code cached_input_tokens}, {@code cache_creation_input_tokens}, {@code reasoning_tokens} (ints;
 * cached and cache-creation tokens are parts of input, reasoning tokens of output). It is compiled
 * and type-checked once per config load; it must give an int, uint or double (doubles are rounded
 * to the nearest whole number, halves up). A cost is a whole number from 0 to
 * {@link Long#MAX_VALUE}: a result below 0 (after rounding), not a number, infinite or beyond that
 * range fails the cost (an {@link IllegalStateException}), which is then not emitted. Example:
 * {@code model == "gpt-4o" ? input_tokens * 5 + output_tokens * 15 : total_tokens}.
 */
@NonBlocking
@Extension
public final class CelCostFactory implements CostCalculatorFactory {
  private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
      .addVar("model", SimpleType.STRING)
      .addVar("backend", SimpleType.STRING)
      .addVar("input_tokens", SimpleType.INT)
      .addVar("output_tokens", SimpleType.INT)
      .addVar("total_tokens", SimpleType.INT)
      .addVar("cached_input_tokens", SimpleType.INT)
      .addVar("cache_creation_input_tokens", SimpleType.INT)
      .addVar("reasoning_tokens", SimpleType.INT)
      .build();
  private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();
  private static final Set<CelType> NUMERIC = Set.of(SimpleType.INT, SimpleType.UINT, SimpleType.DOUBLE, SimpleType.DYN);

  @Override
  public String type() {
    return "CEL";
  }

  @Override
  public CostCalculator create(Settings settings) throws InvalidConfigException {
    settings.allowOnly(Set.of("expression"));
    String expression = settings.string("expression");
    CelAbstractSyntaxTree ast;
    try {
      ast = COMPILER.compile(expression).getAst();
    } catch (CelValidationException e) {
      throw new InvalidConfigException(settings.field("expression"), "is not a valid CEL expression: "
          + e.getMessage().replace('\n', ' '));
    }
    if (!NUMERIC.contains(ast.getResultType())) {
      throw new InvalidConfigException(settings.field("expression"), "gives " + ast.getResultType().name()
          + "; a cost must be an int, uint or double");
    }
    CelRuntime.Program program;
    try {
      program = RUNTIME.createProgram(ast);
    } catch (CelEvaluationException e) {
      throw new InvalidConfigException(settings.field("expression"), "cannot be prepared: " + e.getMessage());
    }
    return input -> evaluate(program, expression, input);
  }

  private static long evaluate(CelRuntime.Program program, String expression, CostCalculator.CostInput input) {
    TokenUsage u = input.usage();
    Object result;
    try {
      result = program.eval(Map.of(
          "model", input.model() == null ? "" : input.model(),
          "backend", input.backend(),
          "input_tokens", u.inputTokens(),
          "output_tokens", u.outputTokens(),
          "total_tokens", u.totalTokens(),
          "cached_input_tokens", u.cachedInputTokens(),
          "cache_creation_input_tokens", u.cacheCreationInputTokens(),
          "reasoning_tokens", u.reasoningTokens()));
    } catch (CelEvaluationException e) {
      throw new IllegalStateException("CEL cost '" + expression + "' failed: " + e.getMessage(), e);
    }
    return cost(result, expression);
  }

  /** The result as a cost: a whole number from 0 to Long.MAX_VALUE, else an IllegalStateException. */
  private static long cost(Object result, String expression) {
    if (result instanceof Long l) {
      return nonNegative(l, result, expression);
    }
    if (result instanceof UnsignedLong ul) {
      if (ul.compareTo(UnsignedLong.valueOf(Long.MAX_VALUE)) > 0) {
        throw outOfRange(result, expression);
      }
      return ul.longValue();
    }
    if (result instanceof Double d) {
      if (d.isNaN() || d.isInfinite()) {
        throw new IllegalStateException("CEL cost '" + expression + "' gave " + d + "; a cost must be a number");
      }
      if (d >= 0x1p63) { // Math.round would saturate at Long.MAX_VALUE
        throw outOfRange(result, expression);
      }
      return nonNegative(Math.round(d), result, expression);
    }
    if (result instanceof Integer || result instanceof Short || result instanceof Byte) {
      return nonNegative(((Number) result).longValue(), result, expression);
    }
    throw new IllegalStateException("CEL cost '" + expression + "' gave " + result + ", not a number");
  }

  private static long nonNegative(long cost, Object result, String expression) {
    if (cost < 0) {
      throw new IllegalStateException("CEL cost '" + expression + "' gave " + result + "; a cost is never negative");
    }
    return cost;
  }

  private static IllegalStateException outOfRange(Object result, String expression) {
    return new IllegalStateException("CEL cost '" + expression + "' gave " + result + ", more than the largest cost, "
        + Long.MAX_VALUE);
  }
}
