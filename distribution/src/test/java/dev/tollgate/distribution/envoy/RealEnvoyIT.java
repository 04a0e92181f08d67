package dev.tollgate.distribution.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.tollgate.testkit.FakeAnthropic;
import dev.tollgate.testkit.FakeUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tollgate behind a real Envoy 1.40 on the bootstrap {@code tollgate translate} generates, driven by
 * real clients (the official OpenAI and Anthropic Python SDKs, the OpenAI Java SDK, curl). The
 * OpenAI fake is behind TLS with a certificate of a test CA that Envoy verifies.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealEnvoyIT {
  @TempDir
  static Path dir;
  private FakeUpstream openai;
  private FakeUpstream anthropic;
  private EnvoyAndTollgate gateway;

  @BeforeAll
  void start() throws Exception {
    TestCa ca = TestCa.create(Files.createDirectories(dir.resolve("ca")));
    openai = new FakeUpstream(Providers.openAi(), ca.serverContext());
    anthropic = new FakeUpstream(FakeAnthropic.handler("ak-upstream",
        FakeAnthropic.text("claude-sonnet-4-5", "Hello", " from Claude.", 9, 0, 4)));
    Path resources = Files.createDirectories(dir.resolve("resources"));
    Files.writeString(resources.resolve("gateway.yaml"), """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: it}
        spec:
          rules:
            - name: claude
              modelPattern: "claude-.+"
              backendRefs: [{name: anthropic}]
            - name: openai
              modelPattern: ".+"
              backendRefs: [{name: openai}]
          llmRequestCosts:
            - {metadataKey: llm_input_token, type: InputToken}
            - {metadataKey: llm_output_token, type: OutputToken}
            - {metadataKey: llm_total_token, type: TotalToken}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: openai}
        spec:
          schema: {name: OpenAI}
          endpoint: {host: 127.0.0.1, port: %d, tls: true, sni: api.openai.com, caFile: "%s"}
          backendSecurityPolicyRef: {name: openai-key}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: openai-key}
        spec:
          type: APIKey
          apiKey: {inline: %s}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: anthropic}
        spec:
          schema: {name: Anthropic}
          endpoint: {host: 127.0.0.1, port: %d, tls: false}
          backendSecurityPolicyRef: {name: anthropic-key}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: anthropic-key}
        spec:
          type: APIKey
          apiKey: {inline: ak-upstream}
        """.formatted(openai.port(), ca.caPem(), Providers.UPSTREAM_KEY, anthropic.port()));
    gateway = new EnvoyAndTollgate(dir);
    EnvoyAndTollgate.Translated t = gateway.translate(resources, "--route-timeout", "PT5S");
    gateway.start(t.gatewayConfig(), t.bootstrap());
  }

  @AfterAll
  void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    openai.close();
    anthropic.close();
  }

  /** The access-log line of the request for this model (each test uses its own model name). */
  private JsonNode logged(String model) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < deadline) {
      for (JsonNode l : gateway.accessLogLines()) {
        if (model.equals(l.path("costs").path("model_name").asText())) {
          return l;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no access-log line with model " + model + ": " + gateway.accessLogLines());
  }

  private FakeUpstream.Received lastFor(FakeUpstream upstream, String model) {
    List<FakeUpstream.Received> all = upstream.received().stream()
        .filter(r -> r.bodyText().contains("\"" + model + "\"")).collect(Collectors.toList());
    assertThat(all).as("requests for " + model).isNotEmpty();
    return all.get(all.size() - 1);
  }

  @Test
  void openAiSdkChatGetsTheAnswerAndEnvoyLogsTheCosts() throws Exception {
    JsonNode r = Clients.python(gateway.base(), "chat", "gpt-4o-mini");

    assertThat(r.path("content").asText()).isEqualTo("Hello from the fake.");
    assertThat(r.path("usage").path("total_tokens").asInt()).isEqualTo(18);
    FakeUpstream.Received up = lastFor(openai, "gpt-4o-mini");
    assertThat(up.header("authorization")).as("the backend's key, not the client's").isEqualTo("Bearer sk-upstream");
    assertThat(up.header("accept-encoding")).as("the SDK asks for gzip; upstream must not").isNull();
    JsonNode log = logged("gpt-4o-mini");
    assertThat(log.path("status").asInt()).isEqualTo(200);
    assertThat(log.path("upstream_cluster").asText()).isEqualTo("tollgate-backend-openai");
    assertThat(log.path("costs").path("backend_name").asText()).isEqualTo("openai");
    assertThat(log.path("costs").path("llm_input_token").asInt()).isEqualTo(11);
    assertThat(log.path("costs").path("llm_output_token").asInt()).isEqualTo(7);
    assertThat(log.path("costs").path("llm_total_token").asInt()).isEqualTo(18);
  }

  @Test
  void openAiSdkStreamsAndTheCostsArriveAtTheEnd() throws Exception {
    JsonNode r = Clients.python(gateway.base(), "chat_stream", "gpt-4o-stream");

    assertThat(r.path("content").asText()).isEqualTo("Hello from the fake.");
    assertThat(r.path("usage").path("completion_tokens").asInt()).isEqualTo(7);
    assertThat(r.path("chunks").asInt()).isGreaterThanOrEqualTo(4);
    assertThat(logged("gpt-4o-stream").path("costs").path("llm_total_token").asInt()).isEqualTo(18);
  }

  @Test
  void theCostsOfAStreamAreLoggedEvenWhenTheClientHangsUpAtDone() throws Exception {
    // the SDK stops at data: [DONE] and closes the connection; the upstream ends its body 150 ms later
    JsonNode r = Clients.python(gateway.base(), "chat_stream", "gpt-slow-done");
    assertThat(r.path("usage").path("total_tokens").asInt()).isEqualTo(18);

    JsonNode log = logged("gpt-slow-done");
    assertThat(log.path("costs").path("llm_total_token").asInt()).isEqualTo(18);
    assertThat(log.path("costs").path("backend_name").asText()).isEqualTo("openai");
  }

  @Test
  void toolCallsComeBackToTheSdk() throws Exception {
    JsonNode r = Clients.python(gateway.base(), "chat_tools", "gpt-tools");

    assertThat(r.path("finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(r.path("name").asText()).isEqualTo("get_weather");
    assertThat(r.path("arguments").path("city").asText()).isEqualTo("Paris");
    assertThat(lastFor(openai, "gpt-tools").bodyText()).contains("\"tools\"").contains("get_weather");
  }

  @Test
  void embeddings() throws Exception {
    JsonNode r = Clients.python(gateway.base(), "embeddings", "text-embedding-3-small");

    assertThat(r.path("count").asInt()).isEqualTo(1);
    assertThat(r.path("dims").asInt()).isEqualTo(2);
    assertThat(lastFor(openai, "text-embedding-3-small").path()).isEqualTo("/v1/embeddings");
    assertThat(logged("text-embedding-3-small").path("costs").path("llm_input_token").asInt()).isEqualTo(11);
  }

  @Test
  void anthropicSdkReachesTheAnthropicBackendWholeAndStreamed() throws Exception {
    JsonNode whole = Clients.python(gateway.base(), "messages", "claude-sonnet-4-5");
    assertThat(whole.path("text").asText()).isEqualTo("Hello from Claude.");
    assertThat(whole.path("usage").path("output_tokens").asInt()).isEqualTo(4);
    assertThat(anthropic.last().header("x-api-key")).isEqualTo("ak-upstream");

    JsonNode streamed = Clients.python(gateway.base(), "messages_stream", "claude-sonnet-4-5");
    assertThat(streamed.path("text").asText()).isEqualTo("Hello from Claude.");
    assertThat(streamed.path("stop_reason").asText()).isEqualTo("end_turn");
    assertThat(streamed.path("events").toString()).contains("message_start").contains("content_block_delta")
        .contains("message_stop");
  }

  @Test
  void anthropicSdkToAnOpenAiBackend() throws Exception {
    JsonNode r = Clients.python(gateway.base(), "messages", "gpt-4o-bridge");

    assertThat(r.path("text").asText()).isEqualTo("Hello from the fake.");
    assertThat(r.path("usage").path("input_tokens").asInt()).isEqualTo(11);
    assertThat(lastFor(openai, "gpt-4o-bridge").path()).isEqualTo("/v1/chat/completions");
  }

  @Test
  void openAiJavaSdkWholeAndStreamed() {
    OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(gateway.base() + "/v1").apiKey("sk-client")
        .maxRetries(0).build();
    ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("gpt-java")
        .addUserMessage("Say hello").build();
    ChatCompletion whole = client.chat().completions().create(params);
    assertThat(whole.choices().get(0).message().content()).hasValue("Hello from the fake.");
    StringBuilder text = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
      stream.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));
    }
    assertThat(text.toString()).isEqualTo("Hello from the fake.");
  }

  @Test
  void curlChatModelsAndAnUnknownPath() throws Exception {
    Clients.Curl chat = Clients.curl(gateway.url("/v1/chat/completions").toString(),
        "-H", "content-type: application/json", "-d", Clients.chatJson("gpt-curl", false));
    assertThat(chat.status()).isEqualTo(200);
    assertThat(chat.json().path("choices").get(0).path("message").path("content").asText())
        .isEqualTo("Hello from the fake.");
    assertThat(chat.headers()).contains("content-type: application/json");

    Clients.Curl unknown = Clients.curl(gateway.url("/v1/nothing-here").toString(), "-d", "{}");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json().path("error").path("message").asText()).contains("/v1/nothing-here");

    Clients.Curl models = Clients.curl(gateway.url("/v1/models").toString());
    assertThat(models.status()).isEqualTo(200);
    assertThat(models.json().path("object").asText()).isEqualTo("list");
  }

  @Test
  void aClientCannotChooseTheRouteWithTollgatesOwnHeaders() throws Exception {
    Clients.Curl r = Clients.curl(gateway.url("/v1/chat/completions").toString(),
        "-H", "content-type: application/json", "-H", "x-ai-eg-selected-backend: anthropic",
        "-H", "x-ai-eg-model: claude-sonnet-4-5", "-d", Clients.chatJson("gpt-own-headers", false));

    assertThat(r.status()).isEqualTo(200);
    assertThat(lastFor(openai, "gpt-own-headers").header("x-ai-eg-selected-backend")).isEqualTo("openai");
    assertThat(anthropic.received()).noneMatch(x -> x.bodyText().contains("gpt-own-headers"));
  }

  @Test
  void aTwoMebibytePromptGoesThroughAndSixGetsA413InOpenAiFormat() throws Exception {
    JsonNode two = Clients.python(gateway.base(), "big_prompt", "gpt-prompt-2m", Integer.toString(2 << 20));
    assertThat(two.path("content_length").asInt()).isEqualTo("Hello from the fake.".length());
    assertThat(lastFor(openai, "gpt-prompt-2m").body().length).isGreaterThan(2 << 20);

    JsonNode six = Clients.python(gateway.base(), "big_prompt", "gpt-prompt-6m", Integer.toString(6 << 20));
    assertThat(six.path("error").path("status").asInt()).isEqualTo(413);
    assertThat(six.path("error").path("body").path("message").asText()).contains("larger than");
    assertThat(openai.received()).noneMatch(r -> r.bodyText().contains("gpt-prompt-6m"));
  }

  @Test
  void twoAndSixMebibyteAnswersArriveWhole() throws Exception {
    JsonNode two = Clients.python(gateway.base(), "chat", "gpt-big-" + (2 << 20));
    assertThat(two.path("content").asText()).hasSize(2 << 20);

    JsonNode six = Clients.python(gateway.base(), "embeddings", "emb-big");
    assertThat(six.path("count").asInt()).isEqualTo(64);
    assertThat(six.path("dims").asInt()).isEqualTo(6000);
    assertThat(logged("emb-big").path("costs").path("llm_input_token").asInt()).isEqualTo(11);
  }

  @Test
  void gzipAnswersAreDecodedAndCounted() throws Exception {
    JsonNode whole = Clients.python(gateway.base(), "chat", "gpt-gzip");
    assertThat(whole.path("content").asText()).isEqualTo("Hello from the fake.");
    assertThat(logged("gpt-gzip").path("costs").path("llm_total_token").asInt()).isEqualTo(18);

    Clients.Curl streamed = Clients.curl(gateway.url("/v1/chat/completions").toString(),
        "-H", "content-type: application/json", "-d", Clients.chatJson("gpt-gzip", true));
    assertThat(streamed.status()).isEqualTo(200);
    assertThat(streamed.headers()).doesNotContain("content-encoding");
    assertThat(streamed.body()).contains("\"Hello\"").contains("data: [DONE]");
  }

  @Test
  void aClientThatLeavesMidStreamLeavesNoStreamOpen() throws Exception {
    JsonNode r = Clients.python(gateway.base(), "chat_disconnect", "gpt-slow");
    assertThat(r.path("first").asText()).isEqualTo("w0 ");

    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    double open = gateway.openStreams();
    while (open > 0 && System.nanoTime() < deadline) {
      Thread.sleep(100);
      open = gateway.openStreams();
    }
    assertThat(open).as("Tollgate's open ext_proc streams after the client left").isZero();
  }

  @Test
  void anUpstreamThatNeverAnswersGetsA504InOpenAiFormat() throws Exception {
    JsonNode r = Clients.python(gateway.base(), "chat", "gpt-never");

    assertThat(r.path("error").path("status").asInt()).isEqualTo(504);
    assertThat(r.path("error").path("body").path("message").asText()).isNotBlank();
  }
}
