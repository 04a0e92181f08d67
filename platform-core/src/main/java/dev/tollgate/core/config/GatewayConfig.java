package dev.tollgate.core.config;

import dev.tollgate.api.ClientApi;
import dev.tollgate.api.Settings;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The gateway config: everything extproc-server needs, as validated immutable values. Produced
 * by {@link ConfigParser} from the YAML document.
 *
 * @param uuid                  identifies this version of the config (logged on reload)
 * @param clientSchema          the API whose error format answers requests on unknown paths
 * @param modelHeader           the request header the client's model is written to
 * @param selectedBackendHeader the request header the chosen backend's name is written to
 * @param metadataNamespace     the dynamic-metadata namespace costs are emitted in
 * @param unknownPaths          what to do with requests to paths Tollgate does not know
 * @param maxRequestBodyBytes   request bodies larger than this get a 413
 * @param routingHeader         the standard routing header, when enabled
 * @param costs                 costs computed at the end of every exchange
 * @param rules                 routing rules, first match wins
 * @param backends              the backends, by unique name
 */
public record GatewayConfig(String uuid, ClientApi clientSchema, String modelHeader, String selectedBackendHeader,
                            String metadataNamespace, UnknownPaths unknownPaths, long maxRequestBodyBytes,
                            Optional<RoutingHeader> routingHeader, List<CostSpec> costs, List<Rule> rules,
                            List<Backend> backends) {
  public static final String DEFAULT_MODEL_HEADER = "x-ai-eg-model";
  public static final String DEFAULT_SELECTED_BACKEND_HEADER = "x-ai-eg-selected-backend";
  public static final String DEFAULT_METADATA_NAMESPACE = "io.envoy.ai_gateway";

  public GatewayConfig {
    costs = List.copyOf(costs);
    rules = List.copyOf(rules);
    backends = List.copyOf(backends);
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

  /** A routing rule: all header matches must hold; then one backend is picked by weight. */
  public record Rule(String name, List<HeaderMatch> matches, List<WeightedBackend> backends) {
    public Rule {
      matches = List.copyOf(matches);
      backends = List.copyOf(backends);
    }
  }

  /** A header match, {@code Exact} or {@code RegularExpression} (the whole value must match). */
  public record HeaderMatch(String header, MatchType type, String value, Pattern pattern) {
    public boolean matches(String actual) {
      if (actual == null) {
        return false;
      }
      return type == MatchType.EXACT ? value.equals(actual) : pattern.matcher(actual).matches();
    }
  }

  public enum MatchType { EXACT, REGULAR_EXPRESSION }

  /** A backend reference with its weight (0 takes no traffic). */
  public record WeightedBackend(String backend, int weight) {
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
}
