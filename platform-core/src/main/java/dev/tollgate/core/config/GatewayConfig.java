package dev.tollgate.core.config;

import dev.tollgate.api.ClientApi;
import dev.tollgate.api.Settings;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The gateway config: everything extproc-server needs, as validated immutable values. Produced
 * by {@link ConfigParser} from the YAML document; {@link GatewayConfigWriter} writes it back.
 *
 * @param uuid                  identifies this version of the config (logged on reload)
 * @param clientSchema          the API whose error format answers requests on unknown paths
 * @param modelHeader           the request header the client's model is written to
 * @param selectedBackendHeader the request header the chosen backend's name is written to
 * @param metadataNamespace     the dynamic-metadata namespace costs are emitted in
 * @param unknownPaths          what to do with requests to paths Tollgate does not know
 * @param maxRequestBodyBytes   request bodies larger than this get a 413
 * @param maxDecodedResponseBytes a compressed answer ({@code content-encoding}) that decodes to more than
 *                              this is refused with a 502 (a decompression bomb must not exhaust memory)
 * @param routingHeader         the standard routing header, when enabled
 * @param costs                 costs computed at the end of every exchange
 * @param rules                 routing rules, first match wins
 * @param backends              the backends, by unique name
 * @param policies              prompt guards and request enrichment, scoped to rules and backends
 * @param consumers             the clients allowed in, each with its keys; when empty, no client key is asked for
 */
public record GatewayConfig(String uuid, ClientApi clientSchema, String modelHeader, String selectedBackendHeader,
                            String metadataNamespace, UnknownPaths unknownPaths, long maxRequestBodyBytes,
                            long maxDecodedResponseBytes,
                            Optional<RoutingHeader> routingHeader, List<CostSpec> costs, List<Rule> rules,
                            List<Backend> backends, List<Policy> policies, List<Consumer> consumers) {
  public static final String DEFAULT_MODEL_HEADER = "x-ai-eg-model";
  public static final String DEFAULT_SELECTED_BACKEND_HEADER = "x-ai-eg-selected-backend";
  public static final String DEFAULT_METADATA_NAMESPACE = "io.envoy.ai_gateway";
  /** What {@link ConfigParser} takes when {@code maxRequestBodyBytes} is left out. */
  public static final long DEFAULT_MAX_REQUEST_BODY_BYTES = 4L * 1024 * 1024;
  /** What {@link ConfigParser} takes when {@code maxDecodedResponseBytes} is left out. */
  public static final long DEFAULT_MAX_DECODED_RESPONSE_BYTES = 16L * 1024 * 1024;

  public GatewayConfig {
    costs = List.copyOf(costs);
    rules = List.copyOf(rules);
    backends = List.copyOf(backends);
    policies = List.copyOf(policies);
    consumers = List.copyOf(consumers);
  }

  /** A config that asks for no client key. */
  public GatewayConfig(String uuid, ClientApi clientSchema, String modelHeader, String selectedBackendHeader,
                       String metadataNamespace, UnknownPaths unknownPaths, long maxRequestBodyBytes,
                       long maxDecodedResponseBytes, Optional<RoutingHeader> routingHeader, List<CostSpec> costs,
                       List<Rule> rules, List<Backend> backends, List<Policy> policies) {
    this(uuid, clientSchema, modelHeader, selectedBackendHeader, metadataNamespace, unknownPaths, maxRequestBodyBytes,
        maxDecodedResponseBytes, routingHeader, costs, rules, backends, policies, List.of());
  }

  /** This config with another {@code uuid}. */
  public GatewayConfig withUuid(String uuid) {
    return new GatewayConfig(uuid, clientSchema, modelHeader, selectedBackendHeader, metadataNamespace, unknownPaths,
        maxRequestBodyBytes, maxDecodedResponseBytes, routingHeader, costs, rules, backends, policies, consumers);
  }

  /** This config with other consumers. */
  public GatewayConfig withConsumers(List<Consumer> other) {
    return new GatewayConfig(uuid, clientSchema, modelHeader, selectedBackendHeader, metadataNamespace, unknownPaths,
        maxRequestBodyBytes, maxDecodedResponseBytes, routingHeader, costs, rules, backends, policies, other);
  }

  /** Whether every request must carry a client key: some consumer is configured. */
  public boolean requiresClientKeys() {
    return !consumers.isEmpty();
  }

  public Optional<Rule> rule(String name) {
    return rules.stream().filter(r -> r.name().equals(name)).findFirst();
  }

  public Optional<Backend> backend(String name) {
    return backends.stream().filter(b -> b.name().equals(name)).findFirst();
  }

  /** Requests on paths that are not a known endpoint. */
  public enum UnknownPaths { REJECT, PASSTHROUGH }

  /**
   * A header naming the backend directly; it wins over the rules for backends in {@code allowed}
   * (or, when that is empty, any backend some rule references).
   */
  public record RoutingHeader(String name, List<String> allowed) {
    public RoutingHeader {
      allowed = List.copyOf(allowed);
    }
  }

  /** A cost: {@code type} names a cost-calculator plugin; its result goes to {@code metadataKey}. */
  public record CostSpec(String metadataKey, String type, Settings settings) {
  }

  /**
   * A routing rule: all header matches must hold; then its backends are the candidates, the
   * highest priority (lowest number) first, each tier in a weighted order. Its {@code costs} are
   * emitted in addition to the global ones for requests it routes.
   *
   * @param placement where its requests are translated and signed: {@link Placement#ROUTER} for
   *                  the first candidate only, {@link Placement#UPSTREAM} for each attempt Envoy
   *                  makes (needed for fallback to lower priorities)
   */
  public record Rule(String name, List<HeaderMatch> matches, List<WeightedBackend> backends, List<CostSpec> costs,
                     Placement placement, List<String> models) {
    /**
     * @param models the models the rule declares for {@code GET /v1/models} besides the values of
     *               its Exact matches on the model header: those a RegularExpression match or a
     *               rule without a model match serves (the config's {@code models:})
     */
    public Rule {
      matches = List.copyOf(matches);
      backends = List.copyOf(backends);
      costs = List.copyOf(costs);
      java.util.Objects.requireNonNull(placement, "placement");
      models = List.copyOf(models);
    }

    /** A rule that declares no models beyond its Exact model matches. */
    public Rule(String name, List<HeaderMatch> matches, List<WeightedBackend> backends, List<CostSpec> costs,
                Placement placement) {
      this(name, matches, backends, costs, placement, List.of());
    }

    /** A rule translated in the router phase. */
    public Rule(String name, List<HeaderMatch> matches, List<WeightedBackend> backends, List<CostSpec> costs) {
      this(name, matches, backends, costs, Placement.ROUTER);
    }

    /** The same rule with other costs. */
    public Rule withCosts(List<CostSpec> other) {
      return new Rule(name, matches, backends, other, placement, models);
    }

    /** The distinct priorities of its backends, best (lowest) first. */
    public List<Integer> priorities() {
      return backends.stream().map(WeightedBackend::priority).distinct().sorted().toList();
    }

    /**
     * The value the router phase writes to the selected-backend header for a rule of
     * {@link Placement#UPSTREAM}: Envoy's route for it leads to the rule's cluster, whose
     * endpoints are its backends. A backend name cannot contain the colon.
     */
    public String routeTarget() {
      return RULE_TARGET_PREFIX + name;
    }
  }

  /** What {@link Rule#routeTarget()} starts with. */
  public static final String RULE_TARGET_PREFIX = "rule:";

  /**
   * Where a rule's requests are translated for a backend and signed.
   * {@code ROUTER}: in the router phase, for the one backend picked there; Envoy's retries go to
   * that backend again. {@code UPSTREAM}: in Envoy's upstream filter chain, once per attempt, for
   * the backend Envoy picked for that attempt from the rule's cluster (priorities, retries).
   */
  public enum Placement { ROUTER, UPSTREAM }

  /**
   * Guards and enrichment for the requests routed by one of {@code rules} to one of
   * {@code backends} (an empty set means any). The sets keep the order they are given in, so
   * that the config is written the same way every time.
   */
  public record Policy(String name, Set<String> rules, Set<String> backends,
                       List<GuardSpec> guards, List<EnricherSpec> enrichment) {
    public Policy {
      rules = Collections.unmodifiableSet(new LinkedHashSet<>(List.copyOf(rules)));
      backends = Collections.unmodifiableSet(new LinkedHashSet<>(List.copyOf(backends)));
      guards = List.copyOf(guards);
      enrichment = List.copyOf(enrichment);
    }

    public boolean appliesTo(String rule, String backend) {
      return (rules.isEmpty() || (rule != null && rules.contains(rule))) && (backends.isEmpty() || backends.contains(backend));
    }
  }

  /** A prompt guard: {@code type} names a guard plugin; it inspects requests, responses or both. */
  public record GuardSpec(String type, boolean onRequest, boolean onResponse, Settings settings) {
  }

  /** A request enricher: {@code type} names an enrichment plugin. */
  public record EnricherSpec(String type, Settings settings) {
  }

  /** A header match, {@code Exact} or {@code RegularExpression} (the whole value must match). */
  public record HeaderMatch(String header, MatchType type, String value, Pattern pattern) {
    public static HeaderMatch exact(String header, String value) {
      return new HeaderMatch(header, MatchType.EXACT, value, null);
    }

    /** @throws java.util.regex.PatternSyntaxException when {@code regex} is not a regular expression */
    public static HeaderMatch regularExpression(String header, String regex) {
      return new HeaderMatch(header, MatchType.REGULAR_EXPRESSION, regex, Pattern.compile(regex));
    }

    public boolean matches(String actual) {
      if (actual == null) {
        return false;
      }
      return type == MatchType.EXACT ? value.equals(actual) : pattern.matcher(actual).matches();
    }
  }

  public enum MatchType { EXACT, REGULAR_EXPRESSION }

  /**
   * A backend reference with its weight within its priority tier (0 takes no traffic) and the
   * tier: 0 is the primary one, higher numbers are fallbacks tried in order.
   */
  public record WeightedBackend(String backend, int weight, int priority) {
    public WeightedBackend(String backend, int weight) {
      this(backend, weight, 0);
    }
  }

  /**
   * A backend: where requests go and how they are translated and authenticated.
   *
   * @param auth the auth block ({@code type} plus the handler's settings), empty for none
   */
  public record Backend(String name, String schema, String schemaVersion, String modelNameOverride,
                        Settings provider, Optional<AuthSpec> auth) {
  }

  /** An auth handler type and its settings. */
  public record AuthSpec(String type, Settings settings) {
  }

  /**
   * A client of the gateway (a team, an app, a user), known by its keys. Its name and metadata go
   * into the request's dynamic metadata (for rate-limit descriptors) and can be matched by rules.
   *
   * @param name     unique; {@code [A-Za-z0-9._-]+}
   * @param metadata e.g. {@code team: research}; keys are {@code [a-z][a-z0-9_]*}
   * @param models   the models it may ask for (exact names, {@code *} matches any run of characters);
   *                 empty: any model
   * @param keys     its keys, hashed
   */
  public record Consumer(String name, java.util.Map<String, String> metadata, List<String> models,
                         List<ClientKey> keys) {
    public Consumer {
      metadata = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metadata));
      models = List.copyOf(models);
      keys = List.copyOf(keys);
    }
  }

  /**
   * One client key, stored as the lower-case hex SHA-256 of the key's UTF-8 bytes (keys are long
   * random strings, so a fast hash is enough and the check costs no network call).
   *
   * @param expires when the key stops working; empty: never
   */
  public record ClientKey(String sha256, Optional<java.time.Instant> expires) {
    public ClientKey {
      java.util.Objects.requireNonNull(sha256, "sha256");
      java.util.Objects.requireNonNull(expires, "expires");
    }
  }
}
