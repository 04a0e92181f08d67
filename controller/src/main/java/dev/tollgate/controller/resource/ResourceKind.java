package dev.tollgate.controller.resource;

/** The resource kinds the controller reads, with their spec types. */
public enum ResourceKind {
  AI_GATEWAY_ROUTE("AIGatewayRoute", "aigatewayroutes", AIGatewayRouteSpec.class),
  AI_SERVICE_BACKEND("AIServiceBackend", "aiservicebackends", AIServiceBackendSpec.class),
  BACKEND_SECURITY_POLICY("BackendSecurityPolicy", "backendsecuritypolicies", BackendSecurityPolicySpec.class),
  PROMPT_POLICY("PromptPolicy", "promptpolicies", PromptPolicySpec.class),
  CONSUMER("Consumer", "consumers", ConsumerSpec.class),
  TOKEN_BUDGET("TokenBudget", "tokenbudgets", TokenBudgetSpec.class),
  PRICE_TABLE("PriceTable", "pricetables", PriceTableSpec.class);

  /** The API group of all Tollgate kinds. */
  public static final String GROUP = "aigateway.tollgate.dev";
  /** The API version of all Tollgate kinds. */
  public static final String VERSION = "v1alpha1";
  /** {@code group/version}, as written in {@code apiVersion}. */
  public static final String API_VERSION = GROUP + "/" + VERSION;

  private final String kind;
  private final String plural;
  private final Class<?> specType;

  ResourceKind(String kind, String plural, Class<?> specType) {
    this.kind = kind;
    this.plural = plural;
    this.specType = specType;
  }

  public String kind() {
    return kind;
  }

  public String plural() {
    return plural;
  }

  public Class<?> specType() {
    return specType;
  }

  /** The kind named {@code kind}, or null. */
  public static ResourceKind byKind(String kind) {
    for (ResourceKind k : values()) {
      if (k.kind.equals(kind)) {
        return k;
      }
    }
    return null;
  }
}
