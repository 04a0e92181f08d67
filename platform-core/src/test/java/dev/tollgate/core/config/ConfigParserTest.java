package dev.tollgate.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.api.InvalidConfigException;
import org.junit.jupiter.api.Test;

class ConfigParserTest {
  private static final String BACKENDS = """
      backends:
        - name: a
          schema: {name: OpenAI}
        - name: b
          schema: {name: OpenAI, version: v2}
          modelNameOverride: other
          provider: {region: eu-west-1}
          auth: {type: APIKey, file: /k}
      """;

  @Test
  void defaultsApplyAndEverythingIsRead() throws Exception {
    GatewayConfig c = ConfigParser.parse("""
        rules:
          - name: r
            headers: [{name: X-AI-EG-Model, type: RegularExpression, value: "gpt-.*"}]
            backends: [{name: a, weight: 2}, {name: b}]
        """ + BACKENDS);
    assertThat(c.modelHeader()).isEqualTo("x-ai-eg-model");
    assertThat(c.selectedBackendHeader()).isEqualTo("x-ai-eg-selected-backend");
    assertThat(c.metadataNamespace()).isEqualTo("io.envoy.ai_gateway");
    assertThat(c.maxDecodedResponseBytes()).isEqualTo(16L * 1024 * 1024);
    assertThat(c.rules().get(0).matches().get(0).header()).isEqualTo("x-ai-eg-model");
    assertThat(c.rules().get(0).matches().get(0).matches("gpt-4o")).isTrue();
    assertThat(c.rules().get(0).matches().get(0).matches("xgpt-4o")).as("whole value").isFalse();
    assertThat(c.rules().get(0).backends()).extracting(GatewayConfig.WeightedBackend::weight).containsExactly(2, 1);
    GatewayConfig.Backend b = c.backend("b").orElseThrow();
    assertThat(b.schemaVersion()).isEqualTo("v2");
    assertThat(b.provider().string("region")).isEqualTo("eu-west-1");
    assertThat(b.auth().orElseThrow().type()).isEqualTo("APIKey");
    assertThat(b.auth().orElseThrow().settings().string("file")).isEqualTo("/k");
    assertThat(b.auth().orElseThrow().settings().field("file")).isEqualTo("backends[1].auth.file");
  }

  @Test
  void errorsNameTheField() {
    assertError("rules: [{backends: [{name: zz}]}]\n" + BACKENDS, "rules[0].backends[0].name", "'zz' is not defined");
    assertError("rules: [{headers: [{name: x, type: Prefix, value: a}], backends: [{name: a}]}]\n" + BACKENDS,
        "rules[0].headers[0].type", "Exact or RegularExpression");
    assertError("rules: [{headers: [{name: x, type: RegularExpression, value: 'a('}], backends: [{name: a}]}]\n" + BACKENDS,
        "rules[0].headers[0].value", "not a valid regular expression");
    assertError("rules: [{backends: [{name: a, weight: 0}]}]\n" + BACKENDS, "rules[0].backends", "weight above 0");
    assertError("backend:\n  - name: a\n", "backend", "unknown field");
    assertError("backends: [{name: a, schema: {name: OpenAI}}, {name: a, schema: {name: OpenAI}}]", "backends[1].name", "defined twice");
    assertError("backends: [{name: a}]", "backends[0].schema.name", "is required");
    assertError("modelNameHeaderKey: 'Bad Header'", "modelNameHeaderKey", "not a lower-case HTTP header name");
    assertError("rules: [\n", "(document)", "not valid YAML at line");
    assertError("costs: [{metadataKey: k, type: InputToken}, {metadataKey: k, type: OutputToken}]", "costs[1].metadataKey", "used by two costs");
    assertError("maxDecodedResponseBytes: 0", "maxDecodedResponseBytes", "must be positive");
    assertError("routingHeader: {name: x-ai-eg-selected-backend}\n" + BACKENDS, "routingHeader.name",
        "selectedBackendHeaderKey, which clients may not set");
    assertError("modelNameHeaderKey: x-model\nroutingHeader: {name: x-model}\n" + BACKENDS, "routingHeader.name",
        "modelNameHeaderKey");
  }

  private static void assertError(String yaml, String field, String message) {
    assertThatThrownBy(() -> ConfigParser.parse(yaml))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining(message)
        .satisfies(e -> assertThat(((InvalidConfigException) e).field()).isEqualTo(field));
  }
}
