package dev.tollgate.core.config;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.conformance.TreeMutator;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Structure-aware: a valid gateway config (every part of one) parsed into its tree, changed by
 * the fuzzer field by field ({@link TreeMutator}: values of every type, fields added, removed,
 * moved, lists grown), written back as YAML and compiled. Past YAML syntax, this reaches every
 * check of {@link ConfigParser} and {@link ConfigCompiler}. Only a {@link ConfigException} naming
 * the file and field may come out; a config that compiles must also come back unchanged through
 * {@link GatewayConfigWriter} (the controller writes gateway configs with it). Longer run:
 * {@code JAZZER_MAX_DURATION=5m}.
 */
class GatewayConfigMutationFuzzTest {
  /** The words a gateway config uses, so that most changed configs are nearly valid. */
  private static final TreeMutator MUTATOR = new TreeMutator(new String[] {"uuid", "schema", "name", "version", "modelNameHeaderKey",
      "selectedBackendHeaderKey", "metadataNamespace", "unknownPaths", "maxRequestBodyBytes",
      "maxDecodedResponseBytes", "routingHeader", "enabled", "allowedBackends", "costs", "metadataKey", "type",
      "rules", "headers", "value", "backends", "weight", "priority", "placement", "models", "auth", "passthrough",
      "key", "provider", "modelNameOverride", "policies", "guards", "on", "deny", "enrichment", "text", "consumers",
      "metadata", "keys", "sha256", "expires", "OpenAI", "Anthropic", "APIKey", "InputToken", "OutputToken",
      "TotalToken", "Regex", "SystemPrompt", "Exact", "RegularExpression", "Router", "Upstream", "Request",
      "Response", "Reject", "PassThrough", "openai", "anthropic", "claude", "resilient", "everything",
      "x-ai-eg-model", "x-ai-eg-backend", "x-tollgate-consumer-team", "gpt-4o", "claude-.*", ".*", "(a+)+$", "[",
      "2027-01-31T00:00:00Z", "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", "", " ", "-1"});

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ConfigCompiler COMPILER = new ConfigCompiler(StubPlugins.registry());
  private static final Map<String, Object> SEED = seed();
  private static final String SOURCE = "gateway.yaml";

  @SuppressWarnings("unchecked")
  private static Map<String, Object> seed() {
    try (InputStream in = GatewayConfigMutationFuzzTest.class.getResourceAsStream("fuzz-seed-gateway.yaml")) {
      return YAML.readValue(in, Map.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @FuzzTest(maxDuration = "8s")
  void mutatedGatewayConfig(FuzzedDataProvider data) throws IOException {
    Object tree = MUTATOR.mutate(SEED, data);
    String yaml = YAML.writeValueAsString(tree);
    CompiledConfig compiled;
    try {
      compiled = COMPILER.compile(yaml, SOURCE);
    } catch (ConfigException e) {
      ConfigFailures.check(e, SOURCE);
      return;
    }
    String written = GatewayConfigWriter.write(compiled.config());
    String again;
    try {
      again = GatewayConfigWriter.write(ConfigParser.parse(written));
    } catch (InvalidConfigException e) {
      throw new AssertionError("a config that compiled was written as one that does not parse: " + e.getMessage()
          + "\n--- input\n" + yaml + "\n--- written\n" + written, e);
    }
    if (!again.equals(written)) {
      throw new AssertionError("the written config changes when read back\n--- written\n" + written
          + "\n--- read back and written\n" + again);
    }
  }
}
