package dev.tollgate.controller.translate;

import dev.tollgate.controller.envoy.EnvoyResources;
import dev.tollgate.controller.envoy.EnvoyYaml;
import dev.tollgate.controller.ratelimit.Budget;
import dev.tollgate.core.config.GatewayConfig;
import java.util.List;

/**
 * Everything computed from one global view of the resources.
 *
 * @param gatewayConfig        the gateway config, as the installed plugins compiled it
 * @param gatewayConfigYaml    it written for extproc-server ({@code ConfigParser.parse} gives it back)
 * @param uuid                 its uuid, derived from its content
 * @param version              derived from the gateway config and the Envoy configuration together (the xDS version)
 * @param containsSecrets      true when secret values are inlined (then it belongs in a Secret, not a ConfigMap)
 * @param envoy                Envoy bootstrap and xDS resources
 * @param promptPolicies       the prompt policies, emitted as the gateway config's {@code policies}
 * @param warnings             things that were accepted but not (fully) expressed in the output
 * @param budgets              the TokenBudgets, in name order (Envoy limits requests only when there are some)
 * @param rateLimitConfigYaml  the rate-limit service's configuration for them (domain {@value Budget#DOMAIN};
 *                             without budgets, one with no descriptors)
 */
public record Translation(GatewayConfig gatewayConfig, String gatewayConfigYaml, String uuid, String version,
                          boolean containsSecrets, EnvoyResources envoy,
                          List<PromptPolicyBinding> promptPolicies, List<String> warnings, List<Budget> budgets,
                          String rateLimitConfigYaml) {
  public Translation {
    promptPolicies = List.copyOf(promptPolicies);
    warnings = List.copyOf(warnings);
    budgets = List.copyOf(budgets);
  }

  /** Whether some TokenBudget exists: Envoy then needs the rate-limit service. */
  public boolean hasBudgets() {
    return !budgets.isEmpty();
  }

  /** The static Envoy bootstrap as YAML. */
  public String envoyBootstrapYaml() {
    return EnvoyYaml.toYaml(envoy.bootstrap());
  }

  @Override
  public String toString() {
    return "Translation[uuid " + uuid + ", " + envoy.clusters().size() + " clusters]";
  }
}
