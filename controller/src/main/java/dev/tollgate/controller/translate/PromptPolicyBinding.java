package dev.tollgate.controller.translate;

import dev.tollgate.controller.resource.PromptPolicySpec;
import java.util.List;

/**
 * A validated prompt policy and the gateway-config rule names it applies to; it is emitted as the
 * gateway config's {@code policies} entry of the same name.
 *
 * @param name   the policy's name
 * @param routes the routes it targets
 * @param rules  the names of the emitted rules of those routes
 * @param spec   guards and enrichment as the resource states them
 */
public record PromptPolicyBinding(String name, List<String> routes, List<String> rules, PromptPolicySpec spec) {
  public PromptPolicyBinding {
    routes = List.copyOf(routes);
    rules = List.copyOf(rules);
  }
}
