package dev.tollgate.plugins.celcosts;

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
 * {@code cached_input_tokens}, {@code reasoning_tokens} (ints). It is compiled and type-checked
 * once per config load; it must give an int, uint or double (doubles are rounded to the nearest
 * whole number). Example: {@code model == "gpt-4o" ? input_tokens * 5 + output_tokens * 15 : total_tokens}.
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
          "reasoning_tokens", u.reasoningTokens()));
    } catch (CelEvaluationException e) {
      throw new IllegalStateException("CEL cost '" + expression + "' failed: " + e.getMessage(), e);
    }
    if (result instanceof Long l) {
      return l;
    }
    if (result instanceof com.google.common.primitives.UnsignedLong ul) {
      return ul.longValue();
    }
    if (result instanceof Double d) {
      return Math.round(d);
    }
    if (result instanceof Number n) {
      return n.longValue();
    }
    throw new IllegalStateException("CEL cost '" + expression + "' gave " + result + ", not a number");
  }
}
