package dev.tollgate.core.config;

import dev.tollgate.api.spi.BackendAuth;
import dev.tollgate.api.spi.CostCalculator;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.core.routing.Router;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A gateway config made ready to serve: its router, and each backend's translator and auth
 * handler, each cost's calculator, all created once at load; and which sides of an exchange
 * involve an extension that may block (not marked {@link dev.tollgate.api.spi.NonBlocking}); and
 * the consumers' keys, ready for the check of every request.
 */
public record CompiledConfig(GatewayConfig config, Router router, Map<String, ReadyBackend> backends,
                             List<ReadyCost> costs, Map<String, List<ReadyCost>> ruleCosts,
                             List<ReadyPolicy> policies, Blocking blocking, ClientKeys clientKeys) {
  public CompiledConfig {
    backends = Map.copyOf(backends);
    costs = List.copyOf(costs);
    ruleCosts = Map.copyOf(ruleCosts);
    policies = List.copyOf(policies);
    java.util.Objects.requireNonNull(clientKeys, "clientKeys");
  }

  /** A config whose consumers are compiled from {@code config}. */
  public CompiledConfig(GatewayConfig config, Router router, Map<String, ReadyBackend> backends,
                        List<ReadyCost> costs, Map<String, List<ReadyCost>> ruleCosts,
                        List<ReadyPolicy> policies, Blocking blocking) {
    this(config, router, backends, costs, ruleCosts, policies, blocking, ClientKeys.of(config.consumers()));
  }

  /** The global costs followed by the rule's own. */
  public List<ReadyCost> costsFor(String rule) {
    List<ReadyCost> own = rule == null ? null : ruleCosts.get(rule);
    if (own == null || own.isEmpty()) {
      return costs;
    }
    List<ReadyCost> all = new java.util.ArrayList<>(costs);
    all.addAll(own);
    return all;
  }

  /** The guards and enrichers that apply to a request routed by {@code rule} to {@code backend}, in config order. */
  public AppliedPolicies policiesFor(String rule, String backend) {
    if (policies.isEmpty()) {
      return AppliedPolicies.NONE;
    }
    List<ReadyGuard> guards = new java.util.ArrayList<>();
    List<ReadyEnricher> enrichers = new java.util.ArrayList<>();
    for (ReadyPolicy p : policies) {
      if (p.spec().appliesTo(rule, backend)) {
        guards.addAll(p.guards());
        enrichers.addAll(p.enrichers());
      }
    }
    return new AppliedPolicies(guards, enrichers);
  }

  /** A policy with its guards and enrichers created. */
  public record ReadyPolicy(GatewayConfig.Policy spec, List<ReadyGuard> guards, List<ReadyEnricher> enrichers) {
  }

  /** A guard and the directions it inspects. */
  public record ReadyGuard(String type, dev.tollgate.api.spi.PromptGuard guard, boolean onRequest, boolean onResponse) {
  }

  /** An enricher and its configured type. */
  public record ReadyEnricher(String type, dev.tollgate.api.spi.RequestEnricher enricher) {
  }

  /** What applies to one exchange. */
  public record AppliedPolicies(List<ReadyGuard> guards, List<ReadyEnricher> enrichers) {
    public static final AppliedPolicies NONE = new AppliedPolicies(List.of(), List.of());

    public boolean guardsResponses() {
      return guards.stream().anyMatch(ReadyGuard::onResponse);
    }
  }

  /** A backend with a translator per client endpoint it serves, and its (optional) auth handler. */
  public record ReadyBackend(dev.tollgate.api.BackendTarget target, Map<Endpoint, Translator> translators,
                             Optional<BackendAuth> auth) {
    public ReadyBackend {
      translators = Map.copyOf(translators);
    }

    /** The translator for requests at {@code endpoint}, if this backend's schema serves it. */
    public Optional<Translator> translator(Endpoint endpoint) {
      return Optional.ofNullable(translators.get(endpoint));
    }
  }

  /**
   * Whether the request side (routing to the translated, credentialed request: translators,
   * auth, request guards, enrichers) or the response side (translators, response guards, costs)
   * of some exchange under this config uses an extension that may block.
   */
  public record Blocking(boolean requestSide, boolean responseSide) {
  }

  /** A cost with its calculator. */
  public record ReadyCost(String metadataKey, String type, CostCalculator calculator) {
  }
}
