package dev.tollgate.core.routing;

import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.core.config.GatewayConfig;
import dev.tollgate.core.config.GatewayConfig.HeaderMatch;
import dev.tollgate.core.config.GatewayConfig.Placement;
import dev.tollgate.core.config.GatewayConfig.Rule;
import dev.tollgate.core.config.GatewayConfig.WeightedBackend;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Picks a backend for a request: the standard routing header when enabled and allowed, otherwise
 * the first rule whose header matches all hold, then a backend of that rule's best priority tier
 * by weight, and the rule's other backends as the candidates after it.
 */
public final class Router {
  /**
   * The outcome.
   *
   * @param rule       the rule, null when the routing header decided
   * @param backend    the backend picked by weight within the best priority tier
   * @param candidates every backend the request may go to, in order: {@code backend} first, then
   *                   the rest of its tier, then each lower tier (weight-0 backends left out). A
   *                   rule of placement {@link Placement#UPSTREAM} lets Envoy try them in that
   *                   order of tiers; within a tier Envoy's load balancer picks.
   * @param placement  where the request is translated for a backend
   */
  public record Route(String rule, String backend, List<String> candidates, Placement placement) {
    public Route {
      candidates = List.copyOf(candidates);
    }

    /** Whether Envoy's attempts, not this phase, translate and sign the request. */
    public boolean handedOff() {
      return placement == Placement.UPSTREAM;
    }
  }

  private final GatewayConfig config;
  private final Set<String> routingHeaderAllowed;

  public Router(GatewayConfig config) {
    this.config = config;
    Set<String> allowed = new LinkedHashSet<>();
    config.routingHeader().ifPresent(rh -> {
      if (rh.allowed().isEmpty()) {
        config.rules().forEach(r -> r.backends().forEach(b -> allowed.add(b.backend())));
      } else {
        allowed.addAll(rh.allowed());
      }
    });
    this.routingHeaderAllowed = Set.copyOf(allowed);
  }

  /**
   * @param headers the request headers, including the model header already written
   * @throws GatewayException 404 when no rule matches, 400 when the routing header names a backend
   *                          that may not be chosen that way
   */
  public Route route(Headers headers, RandomGenerator random) throws GatewayException {
    if (config.routingHeader().isPresent()) {
      String name = config.routingHeader().get().name();
      String wanted = headers.value(name);
      if (wanted != null && !wanted.isEmpty()) {
        if (!routingHeaderAllowed.contains(wanted)) {
          throw new GatewayException(400, "invalid_request_error",
              "backend '" + wanted + "' named in header " + name + " is not available for direct routing");
        }
        return new Route(null, wanted, List.of(wanted), Placement.ROUTER);
      }
    }
    for (Rule rule : config.rules()) {
      if (matches(rule.matches(), headers)) {
        return route(rule, random);
      }
    }
    String model = headers.value(config.modelHeader());
    throw new GatewayException(404, "invalid_request_error", model == null
        ? "no route matches this request"
        : "model '" + model + "' is not served by this gateway (no route matches)");
  }

  private static Route route(Rule rule, RandomGenerator random) {
    if (rule.backends().size() == 1) {
      // the common case, without the streams below: the one backend is the pick and the only candidate
      String only = rule.backends().get(0).backend();
      return new Route(rule.name(), only, List.of(only), rule.placement());
    }
    int best = rule.priorities().get(0);
    List<WeightedBackend> tier = rule.backends().stream().filter(b -> b.priority() == best).toList();
    String picked = pick(tier, random);
    List<String> candidates = new ArrayList<>();
    candidates.add(picked);
    for (int priority : rule.priorities()) {
      for (WeightedBackend b : rule.backends()) {
        if (b.priority() == priority && b.weight() > 0 && !candidates.contains(b.backend())) {
          candidates.add(b.backend());
        }
      }
    }
    return new Route(rule.name(), picked, candidates, rule.placement());
  }

  private static boolean matches(List<HeaderMatch> matches, Headers headers) {
    for (HeaderMatch m : matches) {
      if (!m.matches(headers.value(m.header()))) {
        return false;
      }
    }
    return true;
  }

  static String pick(List<WeightedBackend> backends, RandomGenerator random) {
    if (backends.size() == 1) {
      return backends.get(0).backend();
    }
    long total = 0;
    for (WeightedBackend b : backends) {
      total += b.weight();
    }
    long r = random.nextLong(total);
    for (WeightedBackend b : backends) {
      r -= b.weight();
      if (r < 0) {
        return b.backend();
      }
    }
    throw new AssertionError("weights changed while picking");
  }

  /**
   * The models {@code GET /v1/models} lists, in rule order, each once: the values of Exact matches
   * on the model header and the models each rule declares (its {@code models:}, for what a
   * RegularExpression match or a rule without a model match serves).
   */
  public List<String> declaredModels() {
    Set<String> models = new LinkedHashSet<>();
    for (Rule r : config.rules()) {
      for (HeaderMatch m : r.matches()) {
        if (m.header().equals(config.modelHeader()) && m.type() == GatewayConfig.MatchType.EXACT) {
          models.add(m.value());
        }
      }
      models.addAll(r.models());
    }
    return List.copyOf(models);
  }
}
