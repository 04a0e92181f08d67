package dev.tollgate.controller;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/** Resources for the Consumer, TokenBudget and PriceTable tests. */
final class BudgetFixtures {
  /** The plain key in the Secret; it must never appear in any output. */
  static final String RESEARCH_KEY = "tg-research-Plain-Key-7f3a9c";
  static final String BATCH_KEY = "tg-batch-Plain-Key-2b81e0";

  /** A backend with its own cluster route, a plain one, and a fallback rule (a rule route of its own). */
  static final String BACKENDS = """
      apiVersion: aigateway.tollgate.dev/v1alpha1
      kind: BackendSecurityPolicy
      metadata: {name: openai-key}
      spec: {type: APIKey, apiKey: {env: OPENAI_API_KEY}}
      ---
      apiVersion: aigateway.tollgate.dev/v1alpha1
      kind: AIServiceBackend
      metadata: {name: openai}
      spec:
        schema: {name: OpenAI}
        endpoint: {host: api.openai.com}
        backendSecurityPolicyRef: {name: openai-key}
      ---
      apiVersion: aigateway.tollgate.dev/v1alpha1
      kind: AIServiceBackend
      metadata: {name: local}
      spec:
        schema: {name: OpenAI}
        endpoint: {host: 127.0.0.1, port: 11434, tls: false}
      ---
      apiVersion: aigateway.tollgate.dev/v1alpha1
      kind: AIGatewayRoute
      metadata: {name: chat}
      spec:
        rules:
          - {name: gpt, model: gpt-4o-mini, backendRefs: [{name: openai}]}
          - name: fallback
            backendRefs: [{name: openai}, {name: local, priority: 1}]
      """;

  /** Three consumers: one keyed through a Secret, two by hash; research and batch have a team. */
  static final String CONSUMERS = """
      apiVersion: v1
      kind: Secret
      metadata: {name: client-keys}
      stringData:
        research: "%s"
      ---
      apiVersion: aigateway.tollgate.dev/v1alpha1
      kind: Consumer
      metadata: {name: research-app}
      spec:
        metadata: {team: research, tier: gold}
        models: [gpt-4o-mini, "claude-*"]
        keys:
          - secretRef: {name: client-keys, key: research}
            expires: 2027-01-01T00:00:00Z
      ---
      apiVersion: aigateway.tollgate.dev/v1alpha1
      kind: Consumer
      metadata: {name: batch-app}
      spec:
        metadata: {team: batch}
        keys: [{sha256: %s}]
      ---
      apiVersion: aigateway.tollgate.dev/v1alpha1
      kind: Consumer
      metadata: {name: ops}
      spec:
        keys: [{sha256: %s}]
      """.formatted(RESEARCH_KEY, sha256(BATCH_KEY), sha256("tg-ops-key").toUpperCase(java.util.Locale.ROOT));

  /** Per consumer in tokens; per team (research only) in output tokens. */
  static final String TOKEN_BUDGETS = """
      apiVersion: aigateway.tollgate.dev/v1alpha1
      kind: TokenBudget
      metadata: {name: hourly}
      spec:
        limit: {tokens: 100000, unit: Hour}
      ---
      apiVersion: aigateway.tollgate.dev/v1alpha1
      kind: TokenBudget
      metadata: {name: research-daily}
      spec:
        per: team
        values: [research]
        cost: OutputToken
        limit: {tokens: 2000000, unit: Day}
      """;

  /**
   * Per consumer, model and backend in dollars, and its PriceTable (plugins/token-costs' PriceTable
   * type; {@link TestPlugins#withPriceTable()} stands in while it is missing).
   */
  static final String DOLLAR_BUDGET = """
      apiVersion: aigateway.tollgate.dev/v1alpha1
      kind: TokenBudget
      metadata: {name: spend}
      spec:
        limit: {dollars: "2.50", unit: Day}
        priceTable: list-prices
        perModel: true
        perBackend: true
      ---
      apiVersion: aigateway.tollgate.dev/v1alpha1
      kind: PriceTable
      metadata: {name: list-prices}
      spec:
        prices:
          gpt-4o-mini: {input: 0.15, output: 0.60, cachedInput: 0.075}
          "claude-*": {input: 3, output: 15, cachedInput: 0.30, cacheCreation: 3.75}
          "*": {input: 1, output: 1}
      """;

  /** All three budgets. */
  static final String BUDGETS = TOKEN_BUDGETS + "---\n" + DOLLAR_BUDGET;

  private BudgetFixtures() {
  }

  /** Writes the backends, consumers and budgets into {@code dir}. */
  static Path writeAll(Path dir) throws Exception {
    Files.writeString(dir.resolve("backends.yaml"), BACKENDS);
    Files.writeString(dir.resolve("consumers.yaml"), CONSUMERS);
    Files.writeString(dir.resolve("budgets.yaml"), BUDGETS);
    return dir;
  }

  static String sha256(String key) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
