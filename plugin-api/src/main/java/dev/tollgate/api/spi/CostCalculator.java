package dev.tollgate.api.spi;

import dev.tollgate.api.TokenUsage;

/** Computes one cost for a finished exchange. Thread-safe and quick: it runs on every request. */
@FunctionalInterface
public interface CostCalculator {
  long cost(CostInput input);

  /**
   * @param model   the model that answered (or was asked for)
   * @param backend the backend's name
   * @param usage   token usage of the exchange
   */
  record CostInput(String model, String backend, TokenUsage usage) {
  }
}
