package dev.tollgate.core.config;

import dev.tollgate.api.spi.BackendAuth;
import dev.tollgate.api.spi.CostCalculator;
import dev.tollgate.api.spi.ProviderTranslator;
import dev.tollgate.core.routing.Router;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A gateway config made ready to serve: its router, and each backend's translator and auth
 * handler, each cost's calculator, all created once at load.
 */
public record CompiledConfig(GatewayConfig config, Router router, Map<String, ReadyBackend> backends,
                             List<ReadyCost> costs) {
  public CompiledConfig {
    backends = Map.copyOf(backends);
    costs = List.copyOf(costs);
  }

  /** A backend with its translator and (optional) auth handler. */
  public record ReadyBackend(dev.tollgate.api.BackendTarget target, ProviderTranslator translator,
                             Optional<BackendAuth> auth) {
  }

  /** A cost with its calculator. */
  public record ReadyCost(String metadataKey, CostCalculator calculator) {
  }
}
