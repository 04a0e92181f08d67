package dev.tollgate.distribution.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.FakeUpstream.Answer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A third-party plugin as an operator installs it: the example Ollama plugin's zip, built on its
 * own against the plugin API, dropped into a plugins folder beside the built-in ones. Its schema
 * is used from resources ({@code tollgate translate} checks them through the plugin), and the
 * OpenAI Python SDK talks to a fake Ollama through the real Envoy and Tollgate.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ThirdPartyPluginIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path PLUGIN_ZIP = Path.of(System.getProperty("third-party.plugins", "target/third-party-plugins"))
      .toAbsolutePath().resolve("tollgate-plugin-ollama-1.0.0-plugin.zip");

  @TempDir
  static Path dir;
  private FakeUpstream ollama;
  private EnvoyAndTollgate gateway;
  private Path plugins;

  @BeforeAll
  void start() throws Exception {
    ollama = new FakeUpstream(r -> {
      if (!r.path().equals("/api/chat")) {
        return Answer.json(404, "{\"error\":\"not found\"}");
      }
      JsonNode body = read(r.bodyText());
      if (body.path("stream").asBoolean()) {
        return Answer.stream("application/x-ndjson", List.of(
            line("{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"Hello\"},\"done\":false}"),
            line("{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\" from Ollama.\"},\"done\":false}"),
            line("{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done_reason\":\"stop\","
                + "\"done\":true,\"prompt_eval_count\":11,\"eval_count\":4}"))).paced(Duration.ofMillis(20));
      }
      return Answer.json(200, "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"Hello from Ollama.\"},"
          + "\"done_reason\":\"stop\",\"done\":true,\"prompt_eval_count\":11,\"eval_count\":4}");
    });
    plugins = Files.createDirectories(dir.resolve("plugins"));
    Path builtIn = Tools.DIST.resolve("plugins");
    try (Stream<Path> files = Files.walk(builtIn)) {
      for (Path p : files.toList()) {
        Path copy = plugins.resolve(builtIn.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(copy);
        } else {
          Files.copy(p, copy);
        }
      }
    }
    assertThat(PLUGIN_ZIP).as("the example plugin's zip (examples/ollama-plugin)").exists();
    Files.copy(PLUGIN_ZIP, plugins.resolve("ollama.zip"));
    Path resources = Files.createDirectories(dir.resolve("resources"));
    Files.writeString(resources.resolve("ollama.yaml"), resources("10m"));
    gateway = new EnvoyAndTollgate(dir).tollgateOptions("--plugins", plugins.toString());
    EnvoyAndTollgate.Translated t = gateway.translate(resources, "--plugins", plugins.toString());
    gateway.start(t.gatewayConfig(), t.bootstrap());
  }

  private String resources(String keepAlive) {
    return """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: local}
        spec:
          rules:
            - {name: llama, modelPattern: "llama.+", backendRefs: [{name: ollama}]}
          llmRequestCosts:
            - {metadataKey: llm_total_token, type: TotalToken}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: ollama}
        spec:
          schema: {name: Ollama}
          endpoint: {host: 127.0.0.1, port: %d, tls: false}
          provider: {keepAlive: "%s"}
        """.formatted(ollama.port(), keepAlive);
  }

  @AfterAll
  void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (ollama != null) {
      ollama.close();
    }
  }

  @Test
  void theOpenAiSdkChatsWithOllamaThroughThePlugin() throws Exception {
    JsonNode r = Clients.python(gateway.base(), "chat", "llama3.2");
    assertThat(r.path("content").asText()).as("%s; Tollgate: %s", r, gateway.tollgateLog()).isEqualTo("Hello from Ollama.");
    assertThat(r.path("usage").path("total_tokens").asInt()).isEqualTo(15);
    JsonNode sent = read(ollama.last().bodyText());
    assertThat(ollama.last().path()).isEqualTo("/api/chat");
    assertThat(sent.path("keep_alive").asText()).isEqualTo("10m");
    assertThat(sent.path("messages").get(0).path("content").asText()).isEqualTo("Say hello");
  }

  @Test
  void aStreamFromOllamaReachesTheSdkAsChunks() throws Exception {
    JsonNode r = Clients.python(gateway.base(), "chat_stream", "llama3.2");
    assertThat(r.path("content").asText()).as("%s", r).isEqualTo("Hello from Ollama.");
    assertThat(r.path("usage").path("prompt_tokens").asInt()).isEqualTo(11);
    assertThat(r.path("usage").path("completion_tokens").asInt()).isEqualTo(4);
    assertThat(read(ollama.last().bodyText()).path("stream").asBoolean()).isTrue();
  }

  @Test
  void thePluginIsListedAndItsSettingsAreCheckedWhenTranslating() throws Exception {
    Tools.Run listed = Tools.run(Duration.ofSeconds(60), Tools.tollgate().toString(), "plugins", "--plugins",
        plugins.toString());
    assertThat(listed.output()).contains("ollama").contains("Ollama [/v1/chat/completions]");
    Path bad = Files.createDirectories(dir.resolve("bad-resources"));
    Files.writeString(bad.resolve("ollama.yaml"), resources("soon"));
    Tools.Run r = Tools.run(Duration.ofSeconds(60), Tools.tollgate().toString(), "translate", bad.toString(),
        "--plugins", plugins.toString());
    assertThat(r.exit()).isNotZero();
    assertThat(r.output()).contains("ollama.yaml").contains("AIServiceBackend").contains("spec.provider.keepAlive")
        .contains("'soon' is not a duration");
  }

  private static byte[] line(String json) {
    return (json + "\n").getBytes(StandardCharsets.UTF_8);
  }

  private static JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
