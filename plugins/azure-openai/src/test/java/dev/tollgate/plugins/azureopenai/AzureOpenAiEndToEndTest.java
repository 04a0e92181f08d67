package dev.tollgate.plugins.azureopenai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.core.config.ConfigException;
import dev.tollgate.toolkit.SseDecoder;
import dev.tollgate.testkit.EnvoyLikeClient;
import dev.tollgate.testkit.FakeAzureOpenAi;
import dev.tollgate.testkit.FakeOpenAi;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.HttpExchange;
import dev.tollgate.testkit.ProxyResponse;
import dev.tollgate.testkit.RandomSplitter;
import dev.tollgate.testkit.TollgateHarness;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** OpenAI clients through Tollgate to a fake Azure OpenAI resource, over ext_proc as Envoy drives it. */
class AzureOpenAiEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NS = "io.envoy.ai_gateway";

  @TempDir
  Path dir;
  FakeUpstream azure;
  TollgateHarness gw;
  EnvoyLikeClient envoy;

  @BeforeEach
  void start() throws Exception {
    azure = new FakeUpstream(FakeAzureOpenAi.handler(Set.of("gpt-4o", "prod-gpt4o", "ada-embed"), "azure-secret",
        null, 13, 5));
    gw = TollgateHarness.startFromClasspath(dir, """
        costs:
          - {metadataKey: llm_input_token, type: InputToken}
          - {metadataKey: llm_output_token, type: OutputToken}
          - {metadataKey: llm_total_token, type: TotalToken}
        rules:
          - headers: [{name: x-ai-eg-model, value: house-model}]
            backends: [{name: azure-renamed}]
          - backends: [{name: azure}]
        backends:
          - name: azure
            schema: {name: AzureOpenAI, version: 2024-10-21}
            auth: {type: APIKey, key: azure-secret, header: api-key}
          - name: azure-renamed
            schema: {name: AzureOpenAI, version: 2025-01-01-preview}
            modelNameOverride: prod-gpt4o
            auth: {type: APIKey, key: azure-secret, header: api-key}
        """);
    envoy = gw.envoy(Map.of("azure", azure.uri(), "azure-renamed", azure.uri()));
  }

  @AfterEach
  void stop() throws Exception {
    gw.close();
    azure.close();
  }

  @Test
  void chatCompletionGoesToTheDeploymentWithApiVersionAndKey() throws Exception {
    String body = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"},"
        + "{\"role\":\"user\",\"content\":\"Does Azure OpenAI support customer managed keys?\"}],\"logit_bias\":{\"50256\":-100}}";
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", body));

    assertThat(r.status()).isEqualTo(200);
    FakeUpstream.Received got = azure.last();
    assertThat(got.path()).isEqualTo("/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21");
    assertThat(got.header("api-key")).isEqualTo("azure-secret");
    assertThat(got.bodyText()).as("the body goes as the client sent it").isEqualTo(body);
    JsonNode answer = JSON.readTree(r.body());
    assertThat(answer.path("choices").get(0).path("message").path("content").asText()).isEqualTo("Hello from Azure.");
    assertThat(answer.has("prompt_filter_results")).as("Azure's annotations pass through").isTrue();
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(13);
    assertThat(r.metadataNumber(NS, "llm_output_token")).isEqualTo(5);
    assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(18);
    assertThat(r.metadata(NS, "model_name").getStringValue()).isEqualTo("gpt-4o-2024-08-06");
  }

  @Test
  void modelNameOverrideIsTheDeployment() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
        "{\"model\":\"house-model\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(azure.last().path()).isEqualTo("/openai/deployments/prod-gpt4o/chat/completions?api-version=2025-01-01-preview");
    assertThat(JSON.readTree(azure.last().body()).path("model").asText()).isEqualTo("prod-gpt4o");
  }

  @Test
  void embeddingsGoToTheDeploymentsEmbeddingsPath() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/embeddings", "{\"model\":\"ada-embed\",\"input\":\"hello\"}"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(azure.last().path()).isEqualTo("/openai/deployments/ada-embed/embeddings?api-version=2024-10-21");
    assertThat(JSON.readTree(r.body()).path("data").get(0).path("embedding")).hasSize(2);
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(13);
  }

  @ParameterizedTest
  @ValueSource(longs = {3, 17, 99})
  void streamedAnswerPassesThroughAndUsageIsCountedAtAnySplit(long seed) throws Exception {
    envoy.splitResponseChunks(new RandomSplitter(seed, 11));
    assertStream();
  }

  @Test
  void streamedAnswerSplitIntoSingleBytes() throws Exception {
    envoy.splitResponseChunks(RandomSplitter.singleBytes());
    assertStream();
  }

  private void assertStream() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
        "{\"model\":\"gpt-4o\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.chunks().size()).isGreaterThan(1);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    // what the fake sent, byte for byte
    FakeAzureOpenAi.handler(Set.of("gpt-4o"), "k", null, 13, 5)
        .apply(new FakeUpstream.Received("POST", "/openai/deployments/gpt-4o/chat/completions?api-version=1",
            Map.of("api-key", "k"), azure.last().body()))
        .pieces().forEach(expected::writeBytes);
    assertThat(r.bodyText()).isEqualTo(expected.toString(StandardCharsets.UTF_8));
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(13);
    assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(18);
  }

  @Test
  void aStreamCutShortEndsWithAnErrorEventThenDone() throws Exception {
    // the connection drops in the middle of the last delta: no finish_reason, no [DONE]
    List<byte[]> chunks = FakeOpenAi.streamChunks("gpt-4o", 13, 5, true);
    byte[] third = chunks.get(2);
    azure.handler(req -> FakeUpstream.Answer.stream("text/event-stream",
        List.of(chunks.get(0), chunks.get(1), java.util.Arrays.copyOf(third, third.length - 20))));
    envoy.splitResponseChunks(new RandomSplitter(5, 11));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
        "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
    assertThat(r.status()).isEqualTo(200);
    List<SseDecoder.Event> events = new SseDecoder().feed(r.body());
    assertThat(r.bodyText()).startsWith(new String(chunks.get(0), StandardCharsets.UTF_8)
        + new String(chunks.get(1), StandardCharsets.UTF_8));
    assertThat(events).hasSize(4);
    JsonNode err = JSON.readTree(events.get(2).data()).path("error");
    assertThat(err.path("code").asText()).isEqualTo("stream_cut_short");
    assertThat(err.path("message").asText()).isEqualTo("the upstream's stream ended before the answer was complete");
    assertThat(events.get(3).data()).isEqualTo("[DONE]");
  }

  @Test
  void deploymentNotFoundKeepsStatusAndGetsAnOpenAiType() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
        "{\"model\":\"gpt-5-nowhere\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
    assertThat(r.status()).isEqualTo(404);
    JsonNode err = JSON.readTree(r.body()).path("error");
    assertThat(err.path("code").asText()).isEqualTo("DeploymentNotFound");
    assertThat(err.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(err.path("message").asText()).startsWith("The API deployment for this resource does not exist");
    assertThat(err.has("param")).isTrue();
    assertThat(r.headers().get("content-length")).isNull();
  }

  @Test
  void plainTextErrorBecomesOpenAiError() throws Exception {
    azure.handler(req -> new FakeUpstream.Answer(502, Map.of("content-type", "text/plain"),
        List.of("Bad Gateway".getBytes(StandardCharsets.UTF_8))));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
        "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
    assertThat(r.status()).isEqualTo(502);
    assertThat(r.headers().get("content-type")).isEqualTo("application/json");
    JsonNode err = JSON.readTree(r.body()).path("error");
    assertThat(err.path("type").asText()).isEqualTo("server_error");
    assertThat(err.path("message").asText()).contains("Bad Gateway");
  }

  @Test
  void missingApiVersionStopsTheConfigLoadNamingTheField(@TempDir Path other) {
    assertThatThrownBy(() -> TollgateHarness.startFromClasspath(other, """
        rules:
          - backends: [{name: azure}]
        backends:
          - name: azure
            schema: {name: AzureOpenAI, version: 2024-10-21}
          - name: azure-unversioned
            schema: {name: AzureOpenAI}
        """).close())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("backends[1].schema.version").hasMessageContaining("api-version");
  }

  @Test
  void malformedApiVersionStopsTheConfigLoad(@TempDir Path other) {
    assertThatThrownBy(() -> TollgateHarness.startFromClasspath(other, """
        rules:
          - backends: [{name: azure}]
        backends:
          - name: azure
            schema: {name: AzureOpenAI, version: "2024-10-21&foo=bar"}
        """).close())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("backends[0].schema.version").hasMessageContaining("2024-10-21&foo=bar");
  }

  @Test
  void anthropicClientIsServedFromTheDeploymentsChatCompletions() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/messages",
        "{\"model\":\"gpt-4o\",\"max_tokens\":256,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
        "x-api-key", "client-key", "anthropic-version", "2023-06-01"));
    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    FakeUpstream.Received got = azure.last();
    assertThat(got.path()).isEqualTo("/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21");
    assertThat(got.header("api-key")).isEqualTo("azure-secret");
    assertThat(got.header("x-api-key")).isNull();
    assertThat(got.header("anthropic-version")).isNull();
    assertThat(JSON.readTree(got.body()).path("messages").get(0).path("content").asText()).isEqualTo("Hi");
    JsonNode msg = JSON.readTree(r.body());
    assertThat(msg.path("type").asText()).isEqualTo("message");
    assertThat(msg.path("content").get(0).path("text").asText()).isEqualTo("Hello from Azure.");
    assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(18);
  }

  @Test
  void anthropicClientStreamsAndGetsAzureErrorsInItsFormat() throws Exception {
    envoy.splitResponseChunks(new RandomSplitter(5, 7));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/messages",
        "{\"model\":\"gpt-4o\",\"max_tokens\":256,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    assertThat(r.bodyText()).startsWith("event: message_start\n").endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    StringBuilder text = new StringBuilder();
    for (SseDecoder.Event e : new SseDecoder().feed(r.body())) {
      text.append(JSON.readTree(e.data()).path("delta").path("text").asText(""));
    }
    assertThat(text.toString()).isEqualTo("Hello from Azure.");
    JsonNode start = JSON.readTree(new SseDecoder().feed(r.body()).get(0).data()).path("message");
    assertThat(start.path("model").asText()).as("Azure's first chunk names no model").isEqualTo("gpt-4o");
    assertThat(r.metadata(NS, "model_name").getStringValue()).isEqualTo("gpt-4o-2024-08-06");
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(13);
    assertThat(r.metadataNumber(NS, "llm_output_token")).isEqualTo(5);

    r = envoy.send(HttpExchange.postJson("/v1/messages",
        "{\"model\":\"gpt-5-nowhere\",\"max_tokens\":256,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
    assertThat(r.status()).isEqualTo(404);
    JsonNode err = JSON.readTree(r.body());
    assertThat(err.path("type").asText()).isEqualTo("error");
    assertThat(err.path("error").path("type").asText()).isEqualTo("not_found_error");
    assertThat(err.path("error").path("message").asText()).startsWith("The API deployment for this resource does not exist");
  }
}
