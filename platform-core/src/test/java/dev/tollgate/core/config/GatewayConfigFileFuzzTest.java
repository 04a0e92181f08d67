package dev.tollgate.core.config;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The gateway config file fed arbitrary bytes, as {@code tollgate run --config} and the reload
 * read it ({@link ConfigCompiler#load}): only a {@link ConfigException} naming the file (and the
 * field, for a wrong value) may come out; no other exception, no stack overflow, no unbounded
 * memory (the fuzz JVM has a small heap). Longer run: {@code JAZZER_MAX_DURATION=5m}.
 */
class GatewayConfigFileFuzzTest {
  private static final ConfigCompiler COMPILER = new ConfigCompiler(StubPlugins.registry());
  private static final Path FILE;

  static {
    try {
      FILE = Files.createTempDirectory("tollgate-config-fuzz").resolve("gateway.yaml");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @FuzzTest(maxDuration = "8s")
  @DictionaryEntries({"uuid:", "schema:", "name: OpenAI", "name: Anthropic", "rules:", "backends:", "costs:",
      "metadataKey:", "type:", "headers:", "RegularExpression", "Exact", "value:", "weight:", "priority:",
      "placement: Upstream", "models:", "policies:", "guards:", "enrichment:", "consumers:", "keys:", "sha256:",
      "expires:", "routingHeader:", "allowedBackends:", "auth:", "APIKey", "passthrough: true", "provider:",
      "modelNameOverride:", "unknownPaths:", "maxRequestBodyBytes:", "- ", ": ", "&a ", "*a", "<<: *a", "---",
      "!!binary", "!!float", "[", "]", "{", "}"})
  void gatewayConfigFile(byte[] data) throws IOException {
    Files.write(FILE, data);
    try {
      COMPILER.load(FILE);
    } catch (ConfigException e) {
      ConfigFailures.check(e, FILE.toString());
    }
  }
}
