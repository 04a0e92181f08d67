package dev.tollgate.controller.up;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The resources {@code tollgate up} serves when it is given neither a gateway config nor a
 * resources directory: a backend for each provider whose credentials are in the environment
 * ({@code OPENAI_API_KEY} and/or {@code OPENAI_BASE_URL}, {@code ANTHROPIC_API_KEY}, AWS credentials
 * with {@code AWS_REGION}), or the built-in mock provider. Models go by name: {@code claude-*} to
 * Anthropic, Bedrock model ids ({@code anthropic.*}, {@code us.*}, {@code amazon.*}, …) to Bedrock,
 * everything else to OpenAI (or to the only provider there is).
 */
final class StarterResources {
  private static final String BEDROCK_MODELS = "(anthropic|amazon|meta|mistral|cohere|ai21|deepseek|us|eu|apac|global)\\..+";

  private record Backend(String name, String modelPattern, String yaml) {
  }

  private StarterResources() {
  }

  /** The resources for the built-in mock provider on loopback. */
  static String mock(int port) {
    return route(List.of(new Backend("mock", ".+", backend("mock", "OpenAI", "127.0.0.1", port, false, null))));
  }

  /**
   * The resources for the providers configured in {@code env}, or empty when there are none.
   *
   * @throws IllegalArgumentException when a variable is set but unusable (the message names it)
   */
  static Optional<String> fromEnvironment(Map<String, String> env) {
    List<Backend> backends = new ArrayList<>();
    String anthropicKey = env.get("ANTHROPIC_API_KEY");
    if (present(anthropicKey)) {
      backends.add(new Backend("anthropic", "claude-.+", backend("anthropic", "Anthropic", "api.anthropic.com", 443,
          true, apiKeyPolicy("anthropic", "ANTHROPIC_API_KEY"))));
    }
    String region = present(env.get("AWS_REGION")) ? env.get("AWS_REGION") : env.get("AWS_DEFAULT_REGION");
    boolean awsCredentials = present(env.get("AWS_ACCESS_KEY_ID")) || present(env.get("AWS_PROFILE"));
    if (awsCredentials && present(region)) {
      String host = "bedrock-runtime." + region + ".amazonaws.com";
      backends.add(new Backend("bedrock", BEDROCK_MODELS, backend("bedrock", "AWSBedrock", host, 443, true, """
          apiVersion: aigateway.tollgate.dev/v1alpha1
          kind: BackendSecurityPolicy
          metadata:
            name: bedrock-credentials
          spec:
            type: AWSCredentials
            awsCredentials:
              region: %s
              fromEnvironment: true
          """.formatted(region), "bedrock-credentials")));
    }
    String openAiKey = env.get("OPENAI_API_KEY");
    String baseUrl = env.get("OPENAI_BASE_URL");
    if (present(openAiKey) || present(baseUrl)) {
      URI uri = baseUri(present(baseUrl) ? baseUrl : "https://api.openai.com/v1");
      boolean tls = "https".equals(uri.getScheme());
      int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
      backends.add(new Backend("openai", ".+", backend("openai", "OpenAI", uri.getHost(), port, tls,
          present(openAiKey) ? apiKeyPolicy("openai", "OPENAI_API_KEY") : null)));
    }
    if (backends.isEmpty()) {
      return Optional.empty();
    }
    if (backends.stream().noneMatch(b -> b.modelPattern().equals(".+"))) {
      Backend last = backends.remove(backends.size() - 1);
      backends.add(new Backend(last.name(), ".+", last.yaml()));
    }
    return Optional.of(route(backends));
  }

  private static URI baseUri(String url) {
    URI uri;
    try {
      uri = URI.create(url.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("OPENAI_BASE_URL '" + url + "' is not a URL: " + e.getMessage());
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
      throw new IllegalArgumentException("OPENAI_BASE_URL '" + url + "' must be an http(s) URL such as "
          + "http://localhost:11434/v1");
    }
    String path = uri.getPath() == null ? "" : uri.getPath().replaceAll("/+$", "");
    if (!path.isEmpty() && !path.equals("/v1")) {
      throw new IllegalArgumentException("OPENAI_BASE_URL '" + url + "': Tollgate sends OpenAI's paths (/v1/...) "
          + "upstream, so the base URL must end in /v1 or have no path");
    }
    return uri;
  }

  private static boolean present(String s) {
    return s != null && !s.isBlank();
  }

  private static String apiKeyPolicy(String backend, String variable) {
    return """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata:
          name: %s-key
        spec:
          type: APIKey
          apiKey:
            env: %s
        """.formatted(backend, variable);
  }

  private static String backend(String name, String schema, String host, int port, boolean tls, String policy) {
    return backend(name, schema, host, port, tls, policy, policy == null ? null : name + "-key");
  }

  private static String backend(String name, String schema, String host, int port, boolean tls, String policy,
                                String policyName) {
    String yaml = """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata:
          name: %s
        spec:
          schema:
            name: %s
          endpoint:
            host: "%s"
            port: %d
            tls: %s
        """.formatted(name, schema, host, port, tls);
    if (policy == null) {
      return yaml;
    }
    return yaml + "  backendSecurityPolicyRef:\n    name: " + policyName + "\n---\n" + policy;
  }

  private static String route(List<Backend> backends) {
    StringBuilder route = new StringBuilder("""
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata:
          name: up
        spec:
          llmRequestCosts:
            - metadataKey: llm_input_token
              type: InputToken
            - metadataKey: llm_output_token
              type: OutputToken
            - metadataKey: llm_total_token
              type: TotalToken
          rules:
        """);
    for (Backend b : backends) {
      route.append("    - name: ").append(b.name()).append('\n')
          .append("      modelPattern: \"").append(b.modelPattern().replace("\\", "\\\\")).append("\"\n")
          .append("      backendRefs:\n        - name: ").append(b.name()).append('\n');
    }
    StringBuilder all = new StringBuilder(route);
    for (Backend b : backends) {
      all.append("---\n").append(b.yaml());
    }
    return all.toString();
  }
}
