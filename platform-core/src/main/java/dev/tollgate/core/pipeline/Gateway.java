package dev.tollgate.core.pipeline;

import dev.tollgate.core.config.CompiledConfig;
import java.time.Clock;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * The request pipeline's entry point: one {@link ExchangeSession} per proxied HTTP exchange,
 * each bound to the config in force when the exchange began.
 */
public final class Gateway {
  private final Supplier<CompiledConfig> config;
  private final RandomGenerator random;
  private final GatewayListener listener;
  private final FailureLog failures;
  private final Clock clock;

  public Gateway(Supplier<CompiledConfig> config, RandomGenerator random, GatewayListener listener) {
    this(config, random, listener, new FailureLog());
  }

  /** With the log of failing extensions to use (tests give one on their own clock). */
  public Gateway(Supplier<CompiledConfig> config, RandomGenerator random, GatewayListener listener,
                 FailureLog failures) {
    this(config, random, listener, failures, Clock.systemUTC());
  }

  /** With the clock client keys expire by (tests give a fixed one). */
  public Gateway(Supplier<CompiledConfig> config, RandomGenerator random, GatewayListener listener,
                 FailureLog failures, Clock clock) {
    this.config = config;
    this.random = random;
    this.listener = listener;
    this.failures = failures;
    this.clock = clock;
  }

  public ExchangeSession newExchange() {
    return new ExchangeSession(config.get(), random, listener, failures, clock);
  }
}
