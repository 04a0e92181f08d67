package dev.tollgate.controller.resource;

import java.util.List;
import java.util.Map;

/**
 * The global view: every resource the controller knows, each list sorted by name.
 */
public record ResourceSet(List<Resource<AIGatewayRouteSpec>> routes, List<Resource<AIServiceBackendSpec>> backends,
                          List<Resource<BackendSecurityPolicySpec>> securityPolicies,
                          List<Resource<PromptPolicySpec>> promptPolicies, List<Resource<ConsumerSpec>> consumers,
                          List<Resource<TokenBudgetSpec>> budgets, List<Resource<PriceTableSpec>> priceTables,
                          Map<String, SecretData> secrets) {
  public ResourceSet {
    routes = List.copyOf(routes);
    backends = List.copyOf(backends);
    securityPolicies = List.copyOf(securityPolicies);
    promptPolicies = List.copyOf(promptPolicies);
    consumers = List.copyOf(consumers);
    budgets = List.copyOf(budgets);
    priceTables = List.copyOf(priceTables);
    secrets = Map.copyOf(secrets);
  }
}
