package dev.tollgate.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.api.ClientApi;
import dev.tollgate.api.Settings;
import dev.tollgate.core.config.GatewayConfig.AuthSpec;
import dev.tollgate.core.config.GatewayConfig.Backend;
import dev.tollgate.core.config.GatewayConfig.CostSpec;
import dev.tollgate.core.config.GatewayConfig.EnricherSpec;
import dev.tollgate.core.config.GatewayConfig.GuardSpec;
import dev.tollgate.core.config.GatewayConfig.HeaderMatch;
import dev.tollgate.core.config.GatewayConfig.Policy;
import dev.tollgate.core.config.GatewayConfig.RoutingHeader;
import dev.tollgate.core.config.GatewayConfig.Rule;
import dev.tollgate.core.config.GatewayConfig.UnknownPaths;
import dev.tollgate.core.config.GatewayConfig.WeightedBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** {@code ConfigParser.parse(GatewayConfigWriter.write(c))} gives back {@code c}. */
class GatewayConfigWriterTest {
  /** Settings nested as deep as YAML goes, with values that YAML could read back as another type. */
  private static Map<String, Object> tricky() {
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("list", List.of(1, 2.5, "three", true, List.of("nested", Map.of("deep", "er"))));
    inner.put("empty", Map.of());
    inner.put("none", List.of());
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("string", "plain");
    m.put("numberLike", "0123");
    m.put("integerLike", "42");
    m.put("floatLike", "1.5");
    m.put("boolLike", "true");
    m.put("nullLike", "null");
    m.put("yesLike", "yes");
    m.put("quoted", "a: b # not a comment, \"quoted\" and 'single'");
    m.put("multiLine", "line one\nline two\n");
    m.put("leadingSpace", "  padded ");
    m.put("unicode", "héllo – ☃");
    m.put("int", 7);
    m.put("long", 10_000_000_000L);
    m.put("double", 0.25);
    m.put("bool", false);
    m.put("nothing", null);
    m.put("inner", inner);
    return m;
  }

  private static GatewayConfig everyField() {
    CostSpec input = new CostSpec("llm_input_token", "InputToken", Settings.empty("costs[0]"));
    CostSpec cel = new CostSpec("weighted", "CEL", Settings.of("costs[1]", Map.of("expression", "input_tokens * 2")));
    Rule first = new Rule("claude", List.of(HeaderMatch.regularExpression("x-ai-eg-model", "claude-.+"),
        HeaderMatch.exact("x-team", "0042")),
        List.of(new WeightedBackend("anthropic", 3), new WeightedBackend("bedrock", 0)),
        List.of(new CostSpec("rule_cost", "Custom", Settings.of("rules[0].costs[0]", tricky()))));
    Rule second = new Rule("rest", List.of(), List.of(new WeightedBackend("bedrock", 1)), List.of());
    Backend anthropic = new Backend("anthropic", "Anthropic", "2023-06-01", "claude-x",
        Settings.of("backends[0].provider", tricky()),
        Optional.of(new AuthSpec("APIKey", Settings.of("backends[0].auth", Map.of("env", "KEY", "header", "x-api-key")))));
    Backend bedrock = new Backend("bedrock", "AWSBedrock", "", "", Settings.empty("backends[1].provider"), Optional.empty());
    Policy policy = new Policy("guarded", Set.of("claude", "rest"), Set.of("anthropic"),
        List.of(new GuardSpec("Regex", true, false, Settings.of("policies[0].guards[0]", tricky())),
            new GuardSpec("Webhook", false, true, Settings.of("policies[0].guards[1]", Map.of("url", "http://h/x"))),
            new GuardSpec("Moderation", true, true, Settings.empty("policies[0].guards[2]"))),
        List.of(new EnricherSpec("PromptEnrichment", Settings.of("policies[0].enrichment[0]",
            Map.of("prepend", List.of(Map.of("role", "system", "content", "Be brief.")))))));
    Policy open = new Policy("anywhere", Set.of(), Set.of(), List.of(),
        List.of(new EnricherSpec("Other", Settings.empty("policies[1].enrichment[0]"))));
    GatewayConfig.Consumer research = new GatewayConfig.Consumer("research-app", Map.of("team", "research"),
        List.of("gpt-4o-mini", "claude-*"), List.of(new GatewayConfig.ClientKey("ab".repeat(32), Optional.empty()),
        new GatewayConfig.ClientKey("cd".repeat(32), Optional.of(java.time.Instant.parse("2027-01-01T00:00:00Z")))));
    GatewayConfig.Consumer ops = new GatewayConfig.Consumer("ops", Map.of(), List.of(),
        List.of(new GatewayConfig.ClientKey("0".repeat(64), Optional.empty())));
    return new GatewayConfig("v-1", ClientApi.ANTHROPIC, "x-model", "x-backend", "my.namespace",
        UnknownPaths.PASSTHROUGH, 1024, 2048, Optional.of(new RoutingHeader("x-route", List.of("anthropic", "bedrock"))),
        List.of(input, cel), List.of(first, second), List.of(anthropic, bedrock), List.of(policy, open),
        List.of(research, ops));
  }

  private static GatewayConfig minimal() {
    return new GatewayConfig("m", ClientApi.OPENAI, GatewayConfig.DEFAULT_MODEL_HEADER,
        GatewayConfig.DEFAULT_SELECTED_BACKEND_HEADER, GatewayConfig.DEFAULT_METADATA_NAMESPACE, UnknownPaths.REJECT,
        GatewayConfig.DEFAULT_MAX_REQUEST_BODY_BYTES, GatewayConfig.DEFAULT_MAX_DECODED_RESPONSE_BYTES,
        Optional.empty(), List.of(), List.of(new Rule("r", List.of(), List.of(new WeightedBackend("b", 1)), List.of())),
        List.of(new Backend("b", "OpenAI", "", "", Settings.empty("backends[0].provider"), Optional.empty())),
        List.of());
  }

  /** Value equality of configs: settings by path and values, patterns by their text. */
  static void assertSameConfig(GatewayConfig actual, GatewayConfig expected) {
    assertThat(actual).usingRecursiveComparison()
        .withEqualsForType((a, b) -> a.pattern().equals(b.pattern()), Pattern.class)
        .isEqualTo(expected);
  }

  private static GatewayConfig roundTrip(GatewayConfig c) throws Exception {
    return ConfigParser.parse(GatewayConfigWriter.write(c));
  }

  @Test
  void everyFieldComesBack() throws Exception {
    GatewayConfig c = everyField();
    GatewayConfig back = roundTrip(c);
    assertSameConfig(back, c);
    // what the comparison covers, spelled out for the parts it could be lenient on
    assertThat(back.backends().get(0).provider().asMap()).isEqualTo(tricky());
    assertThat(back.backends().get(0).provider().path()).isEqualTo("backends[0].provider");
    assertThat(back.policies().get(0).guards().get(0).settings().asMap().get("numberLike")).isEqualTo("0123");
    assertThat(back.policies().get(0).guards()).extracting(GuardSpec::onRequest).containsExactly(true, false, true);
    assertThat(back.policies().get(0).guards()).extracting(GuardSpec::onResponse).containsExactly(false, true, true);
    assertThat(back.rules().get(0).matches().get(0).pattern().pattern()).isEqualTo("claude-.+");
  }

  @Test
  void theComparisonSeesADifferenceInSettings() {
    GatewayConfig c = everyField();
    Map<String, Object> changed = new LinkedHashMap<>(tricky());
    changed.put("int", 7L); // same number, another type: not what the plugin would read back
    Backend b = c.backends().get(0);
    List<Backend> backends = new ArrayList<>(c.backends());
    backends.set(0, new Backend(b.name(), b.schema(), b.schemaVersion(), b.modelNameOverride(),
        Settings.of(b.provider().path(), changed), b.auth()));
    GatewayConfig other = new GatewayConfig(c.uuid(), c.clientSchema(), c.modelHeader(), c.selectedBackendHeader(),
        c.metadataNamespace(), c.unknownPaths(), c.maxRequestBodyBytes(), c.maxDecodedResponseBytes(),
        c.routingHeader(), c.costs(), c.rules(), backends, c.policies());
    assertThatThrownBy(() -> assertSameConfig(other, c)).isInstanceOf(AssertionError.class);
    GatewayConfig moved = c.withUuid(c.uuid());
    assertSameConfig(moved, c);
  }

  @Test
  void fieldsAtTheirDefaultAreLeftOut() throws Exception {
    String yaml = GatewayConfigWriter.write(minimal());
    assertThat(yaml).isEqualTo("""
        uuid: m
        schema:
          name: OpenAI
        modelNameHeaderKey: x-ai-eg-model
        selectedBackendHeaderKey: x-ai-eg-selected-backend
        metadataNamespace: io.envoy.ai_gateway
        costs: []
        rules:
        - name: r
          backends:
          - name: b
            weight: 1
        backends:
        - name: b
          schema:
            name: OpenAI
        """);
    assertSameConfig(ConfigParser.parse(yaml), minimal());
  }

  @Test
  void theDefaultsAreTheParsers() throws Exception {
    GatewayConfig parsed = ConfigParser.parse("backends: [{name: b, schema: {name: OpenAI}}]\nrules: [{backends: [{name: b}]}]");
    assertThat(parsed.maxRequestBodyBytes()).isEqualTo(GatewayConfig.DEFAULT_MAX_REQUEST_BODY_BYTES);
    assertThat(parsed.maxDecodedResponseBytes()).isEqualTo(GatewayConfig.DEFAULT_MAX_DECODED_RESPONSE_BYTES);
    assertThat(parsed.unknownPaths()).isEqualTo(UnknownPaths.REJECT);
    assertSameConfig(roundTrip(parsed), parsed);
  }

  @Test
  void aPolicyIsWrittenInTheOrderItWasGiven() {
    GatewayConfig c = everyField();
    List<String> rules = new ArrayList<>(List.of("z", "a", "m", "b", "x", "c"));
    Policy p = new Policy("p", new java.util.LinkedHashSet<>(rules), Set.of(), List.of(),
        List.of(new EnricherSpec("E", Settings.empty("policies[0].enrichment[0]"))));
    GatewayConfig withPolicy = new GatewayConfig(c.uuid(), c.clientSchema(), c.modelHeader(), c.selectedBackendHeader(),
        c.metadataNamespace(), c.unknownPaths(), c.maxRequestBodyBytes(), c.maxDecodedResponseBytes(),
        c.routingHeader(), c.costs(), c.rules(), c.backends(), List.of(p));
    assertThat(GatewayConfigWriter.write(withPolicy)).contains("rules:\n  - z\n  - a\n  - m\n  - b\n  - x\n  - c\n");
  }

  @Test
  void settingsThatReuseThePlatformsKeysAreRefused() {
    GatewayConfig c = minimal();
    GatewayConfig bad = new GatewayConfig(c.uuid(), c.clientSchema(), c.modelHeader(), c.selectedBackendHeader(),
        c.metadataNamespace(), c.unknownPaths(), c.maxRequestBodyBytes(), c.maxDecodedResponseBytes(),
        c.routingHeader(), List.of(new CostSpec("k", "InputToken", Settings.of("costs[0]", Map.of("type", "other")))),
        c.rules(), c.backends(), c.policies());
    assertThatThrownBy(() -> GatewayConfigWriter.write(bad)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("costs[0].type");
  }

  /** The configs that ship, parsed, written and parsed again. */
  @ParameterizedTest
  @ValueSource(strings = {"../distribution/src/main/config/gateway.yaml", "../bench/config/gateway.yaml"})
  void shippedConfigsComeBack(String file) throws Exception {
    GatewayConfig parsed = ConfigParser.parse(Files.readString(Path.of(file)));
    assertSameConfig(roundTrip(parsed), parsed);
  }

  @Test
  void everyFieldOfTheRecordsIsCovered() {
    // a new field of GatewayConfig needs a line in the writer and in everyField() above
    assertThat(Arrays.stream(GatewayConfig.class.getRecordComponents()).map(rc -> rc.getName()).toList())
        .containsExactly("uuid", "clientSchema", "modelHeader", "selectedBackendHeader", "metadataNamespace",
            "unknownPaths", "maxRequestBodyBytes", "maxDecodedResponseBytes", "routingHeader", "costs", "rules",
            "backends", "policies", "consumers");
  }
}
