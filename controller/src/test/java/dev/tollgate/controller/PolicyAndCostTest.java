package dev.tollgate.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tollgate.api.Settings;
import dev.tollgate.controller.resource.InvalidResourcesException;
import dev.tollgate.controller.resource.Problem;
import dev.tollgate.controller.translate.Translation;
import dev.tollgate.core.config.ConfigParser;
import dev.tollgate.core.config.GatewayConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Route costs become the rules' own costs; PromptPolicies become the gateway config's policies. */
class PolicyAndCostTest {
  /** plugins/prompt-guards/src/main/java/dev/tollgate/plugins/promptguards/RegexGuardFactory.java, create(): allowOnly. */
  static final Set<String> REGEX = Set.of("builtins", "patterns", "action", "status", "message", "replacement",
      "streamWindow");
  /** plugins/prompt-guards/src/main/java/dev/tollgate/plugins/promptguards/WebhookGuardFactory.java, create(): allowOnly. */
  static final Set<String> WEBHOOK = Set.of("url", "timeout", "failOpen", "headers");
  /** plugins/prompt-guards/src/main/java/dev/tollgate/plugins/promptguards/ModerationGuardFactory.java, create(): allowOnly. */
  static final Set<String> MODERATION = Set.of("url", "model", "apiKeyFile", "apiKeyEnv", "status", "timeout", "failOpen");
  /** plugins/prompt-enrichment/src/main/java/dev/tollgate/plugins/promptenrichment/PromptEnrichmentFactory.java, create(): allowOnly. */
  static final Set<String> ENRICHMENT = Set.of("prepend", "append", "defaults", "overrides");

  @TempDir
  Path dir;

  private Translation translate() throws Exception {
    return TestPlugins.translate(dir);
  }

  private List<Problem> problems() {
    InvalidResourcesException e = catchThrowableOfType(InvalidResourcesException.class, this::translate);
    assertThat(e).as("expected the resources to be rejected").isNotNull();
    return e.problems();
  }

  private void write(String name, String yaml) throws Exception {
    Files.writeString(dir.resolve(name), yaml);
  }

  private static GatewayConfig.Rule rule(GatewayConfig config, String name) {
    return config.rules().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
  }

  private static List<String> keys(List<GatewayConfig.CostSpec> costs) {
    return costs.stream().map(GatewayConfig.CostSpec::metadataKey).toList();
  }

  @Test
  void routeCostsGoOnEachOfTheRouteRulesAndGlobalOnesStayGlobal() throws Exception {
    TestFiles.copyExamples(dir);
    write("other.yaml", """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: zz-batch}
        spec:
          rules: [{name: batch, model: gpt-4o, backendRefs: [{name: openai}]}]
          llmRequestCosts:
            # the chat route's key, defined differently: fine, each is that route's own
            - {metadataKey: llm_input_token, type: CEL, settings: {expression: "input_tokens * 2"}}
            # global in route.yaml, declared the same way here: one global cost
            - {metadataKey: llm_total_token, type: TotalToken, scope: Global}
        """);
    Translation t = translate();
    GatewayConfig config = ConfigParser.parse(t.gatewayConfigYaml());
    assertThat(keys(config.costs())).containsExactly("llm_total_token");
    assertThat(keys(rule(config, "openai").costs())).containsExactly("llm_input_token", "llm_output_token");
    assertThat(keys(rule(config, "bedrock-claude").costs())).containsExactly("llm_input_token", "llm_output_token");
    assertThat(rule(config, "openai").costs().get(0).type()).isEqualTo("InputToken");
    assertThat(keys(rule(config, "openai-reasoning").costs())).containsExactly("llm_reasoning_token", "llm_weighted_cost");
    GatewayConfig.CostSpec batch = rule(config, "batch").costs().get(0);
    assertThat(rule(config, "batch").costs()).hasSize(1);
    assertThat(batch.type()).isEqualTo("CEL");
    assertThat(batch.settings().asMap()).isEqualTo(Map.of("expression", "input_tokens * 2"));
  }

  @Test
  void costConflictsAreRefused() throws Exception {
    TestFiles.copyExamples(dir);
    write("other.yaml", """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: zz-batch}
        spec:
          rules: [{name: batch, model: gpt-4o, backendRefs: [{name: openai}]}]
          llmRequestCosts:
            - {metadataKey: llm_total_token, type: TotalToken}
            - {metadataKey: llm_batch, type: InputToken}
            - {metadataKey: llm_batch, type: OutputToken}
            - {metadataKey: llm_global, type: InputToken, scope: Everywhere}
        """);
    assertThat(problems()).extracting(Problem::toString).containsExactly(
        "other.yaml (AIGatewayRoute zz-batch): spec.llmRequestCosts[2].metadataKey: 'llm_batch' is already used by"
            + " spec.llmRequestCosts[1]",
        "other.yaml (AIGatewayRoute zz-batch): spec.llmRequestCosts[3].scope: must be Route (the default: this route's"
            + " requests) or Global (every request), not 'Everywhere'",
        "other.yaml (AIGatewayRoute zz-batch): spec.llmRequestCosts[0].metadataKey: 'llm_total_token' is a global cost"
            + " (scope: Global in route.yaml (AIGatewayRoute chat)); use another key for this route's own cost, or make"
            + " this one global too with the same definition");
  }

  @Test
  void promptPoliciesBecomePoliciesOnTheRulesOfTheirRoutes() throws Exception {
    TestFiles.copyExamples(dir);
    write("strict.yaml", """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: PromptPolicy
        metadata: {name: strict}
        spec:
          targetRefs: [{name: chat}, {name: reasoning}, {name: chat}]
          backendRefs: [{name: openai}]
          guards:
            - type: Webhook
              "on": [Request]
              webhook:
                url: http://guard.internal/check
                timeout: PT0.5S
                failOpen: true
                headers: {authorization: "Bearer guard-token"}
            - type: Moderation
              moderation: {apiKeyEnv: TOLLGATE_TEST_NEVER_SET, model: omni-moderation-latest, status: 451, timeout: PT2S,
                           url: "https://moderation.example/v1/moderations", failOpen: false}
            - type: Regex
              "on": [Response, Request]
              regex:
                patterns: [{name: ticket, regex: "T-[0-9]+"}]
                action: Mask
                replacement: "[ticket]"
                streamWindow: 64
          enrichment:
            append: [{role: user, content: "Be brief."}]
            overrides: {max_completion_tokens: 512}
            defaults: {stream_options: {include_usage: true}}
        """);
    Translation t = translate();
    assertThat(t.containsSecrets()).as("the webhook's authorization header is in the config").isTrue();
    GatewayConfig config = ConfigParser.parse(t.gatewayConfigYaml());
    assertThat(config.policies()).extracting(GatewayConfig.Policy::name).containsExactly("house-rules", "strict");

    GatewayConfig.Policy house = config.policies().get(0);
    assertThat(house.rules()).containsExactlyInAnyOrder("openai", "bedrock-claude");
    assertThat(house.backends()).isEmpty();
    assertThat(house.appliesTo("openai-reasoning", "openai")).isFalse();
    assertThat(house.guards()).extracting(GatewayConfig.GuardSpec::type, GatewayConfig.GuardSpec::onRequest,
            GatewayConfig.GuardSpec::onResponse)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("Regex", true, false),
            org.assertj.core.groups.Tuple.tuple("Regex", false, true));
    assertThat(house.guards().get(0).settings().strings("builtins")).containsExactly("creditCard", "ssn");
    assertThat(house.guards().get(1).settings().children("patterns").get(0).string("regex")).isEqualTo("EMP-\\d{6}");
    assertThat(house.enrichment()).singleElement().satisfies(e -> {
      assertThat(e.type()).isEqualTo("PromptEnrichment");
      assertThat(e.settings().children("prepend").get(0).string("role")).isEqualTo("system");
      assertThat(e.settings().child("defaults").doubleValue("temperature", 0)).isEqualTo(0.2);
    });

    GatewayConfig.Policy strict = config.policies().get(1);
    assertThat(strict.rules()).containsExactlyInAnyOrder("openai", "bedrock-claude", "openai-reasoning");
    assertThat(strict.backends()).containsExactly("openai");
    assertThat(strict.appliesTo("bedrock-claude", "bedrock")).isFalse();
    assertThat(strict.appliesTo("openai-reasoning", "openai")).isTrue();
    List<GatewayConfig.GuardSpec> guards = strict.guards();
    assertThat(guards).extracting(GatewayConfig.GuardSpec::type).containsExactly("Webhook", "Moderation", "Regex");
    assertThat(guards.get(0).onRequest()).isTrue();
    assertThat(guards.get(0).onResponse()).isFalse();
    assertThat(guards.get(1).onRequest() && guards.get(1).onResponse()).as("both when on is left out").isTrue();
    assertThat(guards.get(2).onRequest() && guards.get(2).onResponse()).isTrue();
    Settings webhook = guards.get(0).settings();
    webhook.allowOnly(WEBHOOK);
    assertThat(webhook.stringMap("headers")).isEqualTo(Map.of("authorization", "Bearer guard-token"));
    assertThat(webhook.string("timeout")).isEqualTo("PT0.5S");
    assertThat(webhook.bool("failOpen", false)).isTrue();
    Settings moderation = guards.get(1).settings();
    moderation.allowOnly(MODERATION);
    assertThat(moderation.keys()).isEqualTo(Set.of("url", "model", "apiKeyEnv", "status", "timeout", "failOpen"));
    assertThat(moderation.longValue("status", 0)).isEqualTo(451);
    Settings regex = guards.get(2).settings();
    regex.allowOnly(REGEX);
    assertThat(regex.string("action")).isEqualTo("Mask");
    assertThat(regex.string("replacement")).isEqualTo("[ticket]");
    assertThat(regex.longValue("streamWindow", 0)).as("the regex guard's hold-back window").isEqualTo(64);
    Settings enrichment = strict.enrichment().get(0).settings();
    enrichment.allowOnly(ENRICHMENT);
    assertThat(enrichment.keys()).containsExactlyInAnyOrder("append", "defaults", "overrides");
    assertThat(enrichment.child("overrides").longValue("max_completion_tokens", 0)).isEqualTo(512);
    assertThat(enrichment.child("defaults").child("stream_options").bool("include_usage", false)).isTrue();
    assertThat(t.promptPolicies()).extracting(b -> b.name()).containsExactly("house-rules", "strict");
    // the key is the gateway's environment, not the controller's: not a problem of the resource
    assertThat(t.warnings()).singleElement().asString().isEqualTo("strict.yaml (PromptPolicy strict):"
        + " spec.guards[1].moderation.apiKeyEnv: not checked here, where the controller runs: environment variable"
        + " TOLLGATE_TEST_NEVER_SET is not set; the gateway checks it when it loads the config");
  }

  /** The cost plugins judge their types and settings; each error names the route's cost field the author wrote. */
  @Test
  void costTypesAndSettingsAreJudgedByTheirPlugins() throws Exception {
    TestFiles.copyExamples(dir);
    write("other.yaml", """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: zz-batch}
        spec:
          rules: [{name: batch, model: gpt-4o, backendRefs: [{name: openai}]}]
          llmRequestCosts:
            - {metadataKey: llm_cel, type: CEL, settings: {expression: "input_tokens + 4 * output_tokns"}}
            - {metadataKey: llm_tokens, type: OutputToken, settings: {weight: 2}}
            - {metadataKey: llm_cel_global, type: CEL, scope: Global}
            - {metadataKey: llm_dollars, type: Dollars}
        """);
    List<String> problems = problems().stream().map(Problem::toString).toList();
    assertThat(problems).hasSize(4).anySatisfy(p -> assertThat(p).startsWith("other.yaml (AIGatewayRoute zz-batch):"
        + " spec.llmRequestCosts[0].settings.expression: is not a valid CEL expression: ").contains("output_tokns"));
    assertThat(problems).contains(
        "other.yaml (AIGatewayRoute zz-batch): spec.llmRequestCosts[1].settings.weight: unknown field; expected"
            + " one of []",
        "other.yaml (AIGatewayRoute zz-batch): spec.llmRequestCosts[2].settings.expression: is required",
        "other.yaml (AIGatewayRoute zz-batch): spec.llmRequestCosts[3].type: no installed plugin provides cost type"
            + " 'Dollars'; installed: [CEL, CacheCreationInputToken, CachedInputToken, InputToken, OutputToken, PriceTable, ReasoningToken, TotalToken]");
  }

  @Test
  void aGuardTypeNoInstalledPluginProvidesIsRefusedAtItsTypeField() throws Exception {
    TestFiles.copyExamples(dir);
    write("custom.yaml", """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: PromptPolicy
        metadata: {name: custom}
        spec:
          targetRefs: [{name: reasoning}]
          guards: [{type: Toxicity, "on": [Response], settings: {threshold: 0.8}}]
        """);
    assertThat(problems()).extracting(Problem::toString).containsExactly(
        "custom.yaml (PromptPolicy custom): spec.guards[0].type: no installed plugin provides guard type 'Toxicity';"
            + " installed: [Moderation, Regex, Webhook]");
  }
}
