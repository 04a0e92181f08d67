package dev.tollgate.controller.translate;

import dev.tollgate.controller.envoy.EnvoyResources;
import dev.tollgate.controller.envoy.EnvoyYaml;
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
 */
public record Translation(GatewayConfig gatewayConfig, String gatewayConfigYaml, String uuid, String version,
                          boolean containsSecrets, EnvoyResources envoy,
                          List<PromptPolicyBinding> promptPolicies, List<String> warnings) {
  public Translation {
    promptPolicies = List.copyOf(promptPolicies);
    warnings = List.copyOf(warnings);
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
