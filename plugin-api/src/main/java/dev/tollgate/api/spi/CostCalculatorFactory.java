package dev.tollgate.api.spi;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;
import org.pf4j.ExtensionPoint;

/**
 * Makes cost calculators of one type ({@code costs[i].type}). {@link #create} runs once per config
 * load; expensive preparation (compiling an expression) belongs there, and a bad setting fails
 * the load with the field named.
 */
public interface CostCalculatorFactory extends ExtensionPoint {
  /** The cost type name, e.g. {@code InputToken}. Unique across plugins. */
  String type();

  CostCalculator create(Settings settings) throws InvalidConfigException;
}
