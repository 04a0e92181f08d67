package dev.tollgate.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.controller.translate.Translation;
import dev.tollgate.core.config.ConfigParser;
import dev.tollgate.core.config.GatewayConfig;
import dev.tollgate.api.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Translation details beyond the example: secrets, the other providers, priorities, prompt policies. */
class TranslatorTest {
  @TempDir
  Path dir;

  private Translation translate() throws Exception {
    return TestPlugins.translate(dir);
  }

  @Test
  void secretsAreInlinedAndFlagged() throws Exception {
    Files.writeString(dir.resolve("all.yaml"), """
        apiVersion: v1
        kind: Secret
        metadata: {name: creds}
        data:
          apiKey: c2stdGVzdA==
        stringData:
          accessKeyId: AKIDEXAMPLE
          secretAccessKey: wJalrXUtnFEMI
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: key}
        spec:
          type: APIKey
          apiKey: {secretRef: {name: creds}, header: Api-Key}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: aws}
        spec:
          type: AWSCredentials
          awsCredentials: {region: eu-west-1, secretRef: {name: creds}}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: azure}
        spec:
          schema: {name: AzureOpenAI, version: 2024-10-21}
          endpoint: {host: example.openai.azure.com}
          backendSecurityPolicyRef: {name: key}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: bedrock}
        spec:
          schema: {name: AWSBedrock}
          endpoint: {host: bedrock-runtime.eu-west-1.amazonaws.com}
          backendSecurityPolicyRef: {name: aws}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: r}
        spec:
          rules:
            - backendRefs: [{name: azure, weight: 3}, {name: bedrock, weight: 1}]
        """);
    Translation t = translate();
    assertThat(t.containsSecrets()).isTrue();
    GatewayConfig config = ConfigParser.parse(t.gatewayConfigYaml());
    Settings key = config.backend("azure").orElseThrow().auth().orElseThrow().settings();
    assertThat(key.string("key")).isEqualTo("sk-test");
    assertThat(key.string("header")).isEqualTo("api-key");
    assertThat(config.backend("azure").orElseThrow().schemaVersion()).isEqualTo("2024-10-21");
    Settings aws = config.backend("bedrock").orElseThrow().auth().orElseThrow().settings();
    assertThat(aws.string("accessKeyId")).isEqualTo("AKIDEXAMPLE");
    assertThat(aws.string("secretAccessKey")).isEqualTo("wJalrXUtnFEMI");
    assertThat(aws.string("region")).isEqualTo("eu-west-1");
    assertThat(config.rules().get(0).name()).isEqualTo("r-0");
    assertThat(config.rules().get(0).backends()).containsExactly(
        new GatewayConfig.WeightedBackend("azure", 3), new GatewayConfig.WeightedBackend("bedrock", 1));
  }

  @Test
  void fileBasedConfigHasNoSecretsAndOtherProvidersTranslate() throws Exception {
    Files.writeString(dir.resolve("all.yaml"), """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: gcp}
        spec:
          type: GCPCredentials
          gcpCredentials: {serviceAccountKeyFile: /secrets/sa.json}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: azure}
        spec:
          type: AzureCredentials
          azureCredentials: {apiKey: {env: AZURE_KEY}}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: vertex}
        spec:
          schema: {name: GCPVertexAI}
          endpoint: {host: us-central1-aiplatform.googleapis.com}
          provider: {project: my-project, region: us-central1}
          modelNameOverride: gemini-2.0-flash
          backendSecurityPolicyRef: {name: gcp}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: azure}
        spec:
          schema: {name: AzureOpenAI, version: 2024-10-21}
          endpoint: {host: example.openai.azure.com}
          backendSecurityPolicyRef: {name: azure}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: local}
        spec:
          schema: {name: OpenAI}
          endpoint: {host: 127.0.0.1, port: 8080, tls: false}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: r}
        spec:
          rules:
            - name: gemini
              model: gemini
              headers: [{name: X-Tenant, value: "team-.*", type: RegularExpression}]
              backendRefs: [{name: vertex}, {name: azure, priority: 1}]
            - name: rest
              backendRefs: [{name: local}]
        """);
    Translation t = translate();
    assertThat(t.containsSecrets()).isFalse();
    GatewayConfig config = ConfigParser.parse(t.gatewayConfigYaml());
    GatewayConfig.Backend vertex = config.backend("vertex").orElseThrow();
    assertThat(vertex.provider().string("project")).isEqualTo("my-project");
    assertThat(vertex.modelNameOverride()).isEqualTo("gemini-2.0-flash");
    assertThat(vertex.auth().orElseThrow().settings().string("serviceAccountKeyFile")).isEqualTo("/secrets/sa.json");
    assertThat(config.backend("azure").orElseThrow().auth().orElseThrow().settings().child("apiKey").string("env"))
        .isEqualTo("AZURE_KEY");
    assertThat(config.backend("local").orElseThrow().auth()).isEmpty();
    GatewayConfig.Rule gemini = config.rules().get(0);
    assertThat(gemini.matches()).hasSize(2);
    assertThat(gemini.matches().get(1).header()).isEqualTo("x-tenant");
    assertThat(gemini.matches().get(1).matches("team-a")).isTrue();
    // the fallback tier is tier 1 of the gateway config, and the rule is translated for each attempt
    assertThat(gemini.backends()).containsExactly(new GatewayConfig.WeightedBackend("vertex", 1, 0),
        new GatewayConfig.WeightedBackend("azure", 1, 1));
    assertThat(gemini.placement()).isEqualTo(GatewayConfig.Placement.UPSTREAM);
    assertThat(config.rules().get(1).placement()).isEqualTo(GatewayConfig.Placement.ROUTER);
    assertThat(t.warnings()).isEmpty();
    assertThat(t.envoy().clusters()).extracting(c -> c.getName()).contains("tollgate-rule-gemini");
    assertThat(t.envoy().clusters()).extracting(c -> c.getName())
        .contains("tollgate-backend-azure", "tollgate-backend-local");
    var local = t.envoy().clusters().stream().filter(c -> c.getName().equals("tollgate-backend-local")).findFirst().orElseThrow();
    assertThat(local.hasTransportSocket()).isFalse();
    assertThat(local.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
        .getSocketAddress().getPortValue()).isEqualTo(8080);
  }

  @Test
  void examplePromptPolicyIsEmittedForTheChatRules() throws Exception {
    TestFiles.copyExamples(dir);
    Translation t = translate();
    assertThat(t.promptPolicies()).singleElement().satisfies(b -> {
      assertThat(b.name()).isEqualTo("house-rules");
      assertThat(b.routes()).containsExactly("chat");
      assertThat(b.rules()).containsExactly("openai", "bedrock-claude");
    });
    GatewayConfig config = ConfigParser.parse(t.gatewayConfigYaml());
    assertThat(config.policies()).singleElement().satisfies(p -> {
      assertThat(p.rules()).containsExactlyInAnyOrder("openai", "bedrock-claude");
      assertThat(p.guards()).hasSize(2);
      assertThat(p.enrichment()).hasSize(1);
    });
    assertThat(t.warnings()).isEmpty();
  }

  @Test
  void clientSchemasMustAgree() throws Exception {
    TestFiles.copyExamples(dir);
    Files.writeString(dir.resolve("other.yaml"), """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: zz}
        spec:
          schema: {name: Anthropic}
          rules: [{backendRefs: [{name: openai}]}]
        """);
    var e = org.assertj.core.api.Assertions.catchThrowableOfType(
        dev.tollgate.controller.resource.InvalidResourcesException.class, this::translate);
    assertThat(e.problems()).extracting(Object::toString).containsExactly(
        "other.yaml (AIGatewayRoute zz): spec.schema.name: is Anthropic but route.yaml (AIGatewayRoute chat) says OpenAI;"
            + " all routes of one gateway serve the same client API");
  }

  @Test
  void aRulesModelsReachTheGatewayConfigForTheModelList() throws Exception {
    TestFiles.copyExamples(dir);
    Files.writeString(dir.resolve("listed.yaml"), """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: listed}
        spec:
          rules: [{name: listed, modelPattern: "gpt-5.*", models: [gpt-5-mini, gpt-5], backendRefs: [{name: openai}]}]
        """);
    Translation t = translate();
    GatewayConfig.Rule listed = t.gatewayConfig().rules().stream().filter(r -> r.name().equals("listed"))
        .findFirst().orElseThrow();
    assertThat(listed.models()).containsExactly("gpt-5-mini", "gpt-5");
    assertThat(t.gatewayConfigYaml()).contains("gpt-5-mini");
    GatewayConfig reread = ConfigParser.parse(t.gatewayConfigYaml());
    assertThat(reread.rules().stream().filter(r -> r.name().equals("listed")).findFirst().orElseThrow().models())
        .containsExactly("gpt-5-mini", "gpt-5");
  }

  @Test
  void aListedModelTheRuleWouldNotServeIsNamed() throws Exception {
    TestFiles.copyExamples(dir);
    Files.writeString(dir.resolve("listed.yaml"), """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: listed}
        spec:
          rules: [{modelPattern: "gpt-5.*", models: [gpt-5, claude-x, gpt-5], backendRefs: [{name: openai}]}]
        """);
    var e = org.assertj.core.api.Assertions.catchThrowableOfType(
        dev.tollgate.controller.resource.InvalidResourcesException.class, this::translate);
    assertThat(e.problems()).extracting(Object::toString).containsExactly(
        "listed.yaml (AIGatewayRoute listed): spec.rules[0].models[1]: 'claude-x' does not match the rule's"
            + " modelPattern 'gpt-5.*', so this rule would not serve it",
        "listed.yaml (AIGatewayRoute listed): spec.rules[0].models[2]: 'gpt-5' is listed twice");
  }
}
