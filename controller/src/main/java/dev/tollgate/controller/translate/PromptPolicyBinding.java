package dev.tollgate.controller.translate;

import dev.tollgate.controller.resource.PromptPolicySpec;
import java.util.List;

/**
 * A validated prompt policy and the gateway-config rule names it applies to. Not yet part of the
 * emitted gateway config (the format has no {@code promptPolicies} key yet).
 *
 * @param name   the policy's name
 * @param routes the routes it targets
 * @param rules  the names of the emitted rules of those routes
 * @param spec   guards, enrichment and defaults
 */
public record PromptPolicyBinding(String name, List<String> routes, List<String> rules, PromptPolicySpec spec) {
  public PromptPolicyBinding {
    routes = List.copyOf(routes);
    rules = List.copyOf(rules);
  }
}
