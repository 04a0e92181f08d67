package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.testkit.EnvoyLikeClient;
import dev.tollgate.testkit.FakeOpenAi;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.HttpExchange;
import dev.tollgate.testkit.ProxyResponse;
import dev.tollgate.testkit.RandomSplitter;
import dev.tollgate.testkit.TollgateHarness;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OpenAI clients through Tollgate to OpenAI-compatible backends, over gRPC as Envoy drives it. */
class OpenAiEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NS = "io.envoy.ai_gateway";

  @TempDir
  Path dir;
  FakeUpstream primary;
  FakeUpstream secondary;
  TollgateHarness gateway;
  EnvoyLikeClient envoy;

  @BeforeEach
  void start() throws Exception {
    primary = new FakeUpstream(FakeOpenAi.handler("sk-primary", 11, 7));
    secondary = new FakeUpstream(FakeOpenAi.handler("sk-secondary", 11, 7));
    Files.writeString(dir.resolve("secondary.key"), "sk-secondary\n");
    gateway = TollgateHarness.start(dir, Plugins.dir(), """
        uuid: e2e-1
        costs:
          - metadataKey: llm_input_token
            type: InputToken
          - metadataKey: llm_output_token
            type: OutputToken
          - metadataKey: llm_total_token
            type: TotalToken
        rules:
          - name: mini
            headers:
              - {name: x-ai-eg-model, type: Exact, value: gpt-4o-mini}
            backends:
              - name: primary
          - name: split
            headers:
              - {name: x-ai-eg-model, type: RegularExpression, value: "split-.*"}
            backends:
              - {name: primary, weight: 3}
              - {name: secondary, weight: 1}
          - name: renamed
            headers:
              - {name: x-ai-eg-model, type: Exact, value: house-model}
            backends:
              - name: secondary-renamed
        backends:
          - name: primary
            schema: {name: OpenAI}
            auth: {type: APIKey, key: sk-primary}
          - name: secondary
            schema: {name: OpenAI}
            auth: {type: APIKey, file: %s}
          - name: secondary-renamed
            schema: {name: OpenAI}
            modelNameOverride: gpt-4.1-nano
            auth: {type: APIKey, file: %s}
        """.formatted(dir.resolve("secondary.key"), dir.resolve("secondary.key")));
    envoy = gateway.envoy(Map.of("primary", primary.uri(), "secondary", secondary.uri(),
        "secondary-renamed", secondary.uri()));
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    primary.close();
    secondary.close();
  }

  @Test
  void chatCompletionIsRoutedAuthenticatedAndCosted() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"logit_bias\":{\"50256\":-100}}",
        "authorization", "Bearer client-key-must-not-leak"));

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.cluster()).isEqualTo("primary");
    assertThat(r.routeCacheCleared()).isTrue();
    FakeUpstream.Received got = primary.last();
    assertThat(got.path()).isEqualTo("/v1/chat/completions");
    assertThat(got.header("authorization")).isEqualTo("Bearer sk-primary");
    assertThat(got.header("x-ai-eg-model")).isEqualTo("gpt-4o-mini");
    assertThat(got.header("x-ai-eg-selected-backend")).isEqualTo("primary");
    // unknown fields reach the upstream untouched
    assertThat(JSON.readTree(got.body()).path("logit_bias").path("50256").asInt()).isEqualTo(-100);
    JsonNode answer = JSON.readTree(r.body());
    assertThat(answer.path("choices").get(0).path("message").path("content").asText()).isEqualTo("Hello from the fake.");
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(11);
    assertThat(r.metadataNumber(NS, "llm_output_token")).isEqualTo(7);
    assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(18);
    assertThat(r.metadata(NS, "backend_name").getStringValue()).isEqualTo("primary");
  }

  @Test
  void streamedChatCompletionPassesEveryChunkAndCountsUsageAtTheEnd() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
        "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.headers().get("content-type")).startsWith("text/event-stream");
    assertThat(r.chunks().size()).as("streamed, not buffered").isGreaterThan(1);
    byte[] expected = concat(FakeOpenAi.streamChunks("gpt-4o-mini", 11, 7, true));
    assertThat(r.bodyText()).isEqualTo(new String(expected, StandardCharsets.UTF_8));
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(11);
    assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(18);
  }

  @Test
  void aStreamedAnswerWithAContentLengthEndsOnItsLastDataChunkAndIsStillCounted() throws Exception {
    // Envoy puts end_of_stream on the last data chunk of a content-length body, not on an extra empty one
    Function<FakeUpstream.Received, FakeUpstream.Answer> fake = FakeOpenAi.handler("sk-primary", 11, 7);
    primary.handler(req -> fake.apply(req).withContentLength());
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
        "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[]}"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.headers()).doesNotContainKey("content-length");
    byte[] expected = concat(FakeOpenAi.streamChunks("gpt-4o-mini", 11, 7, true));
    assertThat(r.bodyText()).isEqualTo(new String(expected, StandardCharsets.UTF_8));
    assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(18);
  }

  @Test
  void streamedUsageIsFoundWhenChunksAreSplitAtEveryByte() throws Exception {
    envoy.splitResponseChunks(RandomSplitter.singleBytes());
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
        "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[]}"));
    assertThat(r.bodyText()).endsWith("data: [DONE]\n\n");
    assertThat(r.metadataNumber(NS, "llm_output_token")).isEqualTo(7);
  }

  @Test
  void weightsSplitTrafficThreeToOne() throws Exception {
    int n = 400;
    for (int i = 0; i < n; i++) {
      ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
          "{\"model\":\"split-a\",\"messages\":[]}"));
      assertThat(r.status()).isEqualTo(200);
    }
    int toPrimary = primary.received().size();
    assertThat(toPrimary + secondary.received().size()).isEqualTo(n);
    // expected 300; 4.5 standard deviations either side (sd = sqrt(400*.75*.25) ~ 8.7)
    assertThat(toPrimary).isBetween(261, 339);
  }

  @Test
  void modelNameOverrideRewritesTheUpstreamBodyAndFileKeyIsUsed() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
        "{\"model\":\"house-model\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
    assertThat(r.status()).isEqualTo(200);
    FakeUpstream.Received got = secondary.last();
    assertThat(JSON.readTree(got.body()).path("model").asText()).isEqualTo("gpt-4.1-nano");
    assertThat(got.header("authorization")).isEqualTo("Bearer sk-secondary");
    assertThat(got.header("content-length")).isEqualTo(Integer.toString(got.body().length));
    assertThat(r.metadata(NS, "model_name").getStringValue()).isEqualTo("gpt-4.1-nano");
  }

  @Test
  void badJsonGets400InOpenAiFormatAndNeverReachesAnUpstream() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", "{\"model\": \"gpt-4o-mini\", "));
    assertThat(r.localReply()).isTrue();
    assertThat(r.status()).isEqualTo(400);
    JsonNode err = JSON.readTree(r.body()).path("error");
    assertThat(err.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(err.path("message").asText()).contains("not valid JSON");
    assertThat(primary.received()).isEmpty();
  }

  @Test
  void missingModelGets400() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", "{\"messages\":[]}"));
    assertThat(r.status()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).path("error").path("message").asText()).contains("no model");
  }

  @Test
  void unknownModelGets404() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", "{\"model\":\"gpt-9\",\"messages\":[]}"));
    assertThat(r.localReply()).isTrue();
    assertThat(r.status()).isEqualTo(404);
    assertThat(JSON.readTree(r.body()).path("error").path("message").asText()).contains("gpt-9");
  }

  @Test
  void unknownPathGets404() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/nope", "{}"));
    assertThat(r.status()).isEqualTo(404);
    assertThat(JSON.readTree(r.body()).path("error").path("message").asText()).contains("/v1/nope");
  }

  @Test
  void modelsAreListedLocally() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.get("/v1/models"));
    assertThat(r.status()).isEqualTo(200);
    JsonNode data = JSON.readTree(r.body()).path("data");
    assertThat(data.findValuesAsText("id")).containsExactly("gpt-4o-mini", "house-model");
  }

  @Test
  void upstreamErrorKeepsItsStatusAndOpenAiShape() throws Exception {
    primary.handler(req -> FakeUpstream.Answer.json(429,
        "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"rate_limit_error\",\"param\":null,\"code\":null}}"));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[]}"));
    assertThat(r.status()).isEqualTo(429);
    assertThat(JSON.readTree(r.body()).path("error").path("type").asText()).isEqualTo("rate_limit_error");
  }

  @Test
  void plainTextUpstreamErrorBecomesOpenAiError() throws Exception {
    primary.handler(req -> new FakeUpstream.Answer(503, Map.of("content-type", "text/plain"),
        java.util.List.of("upstream connect error".getBytes(StandardCharsets.UTF_8))));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[]}"));
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.headers().get("content-type")).isEqualTo("application/json");
    JsonNode err = JSON.readTree(r.body()).path("error");
    assertThat(err.path("type").asText()).isEqualTo("server_error");
    assertThat(err.path("message").asText()).contains("upstream connect error");
  }

  private static byte[] concat(java.util.List<byte[]> parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    parts.forEach(out::writeBytes);
    return out.toByteArray();
  }
}
