package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import dev.tollgate.testkit.EnvoyLikeClient;
import dev.tollgate.testkit.FakeAzureOpenAi;
import dev.tollgate.testkit.FakeOpenAi;
import dev.tollgate.testkit.FakeResponses;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.FakeUpstream.Answer;
import dev.tollgate.testkit.FakeUpstream.Received;
import dev.tollgate.testkit.HttpExchange;
import dev.tollgate.testkit.HttpFront;
import dev.tollgate.testkit.ProxyResponse;
import dev.tollgate.testkit.TollgateHarness;
import dev.tollgate.toolkit.SseDecoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenAI's Responses API ({@code /v1/responses}) through Tollgate, plugins from their zips, to
 * OpenAI and Azure OpenAI backends that serve it natively: whole and streamed answers pass
 * through, their usage becomes costs, guards work on prompts and streamed answers, bad requests
 * and broken answers get OpenAI's errors.
 */
class ResponsesEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NS = "io.envoy.ai_gateway";
  private static final List<String> PIECES = List.of("Hello", " from", " the Responses fake.");
  private static final FakeResponses.Usage USAGE = new FakeResponses.Usage(21, 8, 9, 3);
  private static final String CARD = "4111 1111 1111 1111";

  @TempDir
  Path dir;
  FakeUpstream openai;
  FakeUpstream azure;
  TollgateHarness gateway;
  EnvoyLikeClient envoy;
  final List<AutoCloseable> open = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    openai = new FakeUpstream(FakeOpenAi.responsesHandler("sk-openai", PIECES, USAGE));
    azure = new FakeUpstream(FakeAzureOpenAi.responsesHandler(Set.of("gpt-4o-deploy"), "azure-secret", PIECES,
        USAGE));
    gateway = TollgateHarness.start(dir, Plugins.dir(), """
        costs:
          - {metadataKey: llm_input_token, type: InputToken}
          - {metadataKey: llm_output_token, type: OutputToken}
          - {metadataKey: llm_total_token, type: TotalToken}
          - {metadataKey: llm_cached_token, type: CachedInputToken}
          - {metadataKey: llm_reasoning_token, type: ReasoningToken}
        rules:
          - {name: openai, headers: [{name: x-ai-eg-model, type: Exact, value: gpt-4o-mini}], backends: [{name: openai}]}
          - {name: azure, headers: [{name: x-ai-eg-model, type: Exact, value: gpt-4o}], backends: [{name: azure}]}
          - {name: masked, headers: [{name: x-ai-eg-model, type: Exact, value: masked}], backends: [{name: openai}]}
          - {name: strict, headers: [{name: x-ai-eg-model, type: Exact, value: strict}], backends: [{name: openai}]}
        backends:
          - name: openai
            schema: {name: OpenAI}
            auth: {type: APIKey, key: sk-openai}
          - name: azure
            schema: {name: AzureOpenAI, version: 2024-10-21}
            auth: {type: AzureCredentials, apiKey: {key: azure-secret}}
            modelNameOverride: gpt-4o-deploy
        policies:
          - name: no-cards-in
            rules: [openai, azure]
            guards: [{type: Regex, builtins: [creditCard], action: Reject, status: 422, on: [Request]}]
          - name: mask-out
            rules: [masked]
            guards: [{type: Regex, patterns: [{name: word, regex: "Responses"}], action: Mask, on: [Response]}]
          - name: reject-out
            rules: [strict]
            guards: [{type: Regex, patterns: [{name: word, regex: "Responses"}], action: Reject, status: 422, on: [Response]}]
        """);
    envoy = gateway.envoy(Map.of("openai", openai.uri(), "azure", azure.uri()));
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    gateway.close();
    openai.close();
    azure.close();
  }

  private static HttpExchange responses(String model, boolean stream, String input) {
    return HttpExchange.postJson("/v1/responses", "{\"model\":\"" + model + "\",\"stream\":" + stream
        + ",\"instructions\":\"Be brief.\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\","
        + "\"text\":\"" + input + "\"}]}],\"previous_response_id\":\"resp_earlier\",\"store\":true}");
  }

  private static void assertCosts(ProxyResponse r) {
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(21);
    assertThat(r.metadataNumber(NS, "llm_output_token")).isEqualTo(9);
    assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(30);
    assertThat(r.metadataNumber(NS, "llm_cached_token")).isEqualTo(8);
    assertThat(r.metadataNumber(NS, "llm_reasoning_token")).isEqualTo(3);
  }

  /** The text of a stream's {@code response.output_text.delta} events, in order. */
  private static String deltas(List<SseDecoder.Event> events) throws Exception {
    StringBuilder sb = new StringBuilder();
    for (SseDecoder.Event e : events) {
      if ("response.output_text.delta".equals(e.event())) {
        sb.append(JSON.readTree(e.data()).path("delta").asText());
      }
    }
    return sb.toString();
  }

  @Test
  void aWholeResponseFromOpenAiPassesThroughWithItsUsageAsCosts() throws Exception {
    ProxyResponse r = envoy.send(responses("gpt-4o-mini", false, "Hi"));

    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    JsonNode body = JSON.readTree(r.body());
    assertThat(ResponsesSchemas.problems("Response", body)).isEmpty();
    assertThat(body.path("output").get(0).path("content").get(0).path("text").asText())
        .isEqualTo("Hello from the Responses fake.");
    assertCosts(r);
    Received got = openai.last();
    assertThat(got.path()).isEqualTo("/v1/responses");
    assertThat(got.header("authorization")).isEqualTo("Bearer sk-openai");
    JsonNode sent = JSON.readTree(got.body());
    assertThat(sent.path("previous_response_id").asText()).as("stored-response fields pass").isEqualTo("resp_earlier");
    assertThat(sent.path("store").asBoolean()).isTrue();
  }

  @Test
  void aStreamedResponseFromOpenAiPassesThroughEveryEventAndCountsTheCompletedUsage() throws Exception {
    ProxyResponse r = envoy.send(responses("gpt-4o-mini", true, "Hi"));

    assertThat(r.status()).isEqualTo(200);
    List<SseDecoder.Event> events = new SseDecoder().feed(r.body());
    assertThat(events).extracting(SseDecoder.Event::event).containsExactly("response.created",
        "response.in_progress", "response.output_item.added", "response.content_part.added",
        "response.output_text.delta", "response.output_text.delta", "response.output_text.delta",
        "response.output_text.done", "response.content_part.done", "response.output_item.done",
        "response.completed");
    assertThat(deltas(events)).isEqualTo("Hello from the Responses fake.");
    assertCosts(r);
  }

  @Test
  void azureGetsTheDeploymentAsModelOnItsV1ResponsesApiWholeAndStreamed() throws Exception {
    ProxyResponse whole = envoy.send(responses("gpt-4o", false, "Hi"));

    assertThat(whole.status()).as(whole.bodyText()).isEqualTo(200);
    assertThat(JSON.readTree(whole.body()).path("model").asText()).isEqualTo("gpt-4o-2024-08-06");
    assertCosts(whole);
    Received got = azure.last();
    assertThat(got.path()).as("a GA api-version is not sent to the v1 API").isEqualTo("/openai/v1/responses");
    assertThat(got.header("api-key")).isEqualTo("azure-secret");
    assertThat(JSON.readTree(got.body()).path("model").asText()).isEqualTo("gpt-4o-deploy");

    ProxyResponse streamed = envoy.send(responses("gpt-4o", true, "Hi"));
    assertThat(streamed.status()).isEqualTo(200);
    assertThat(deltas(new SseDecoder().feed(streamed.body()))).isEqualTo("Hello from the Responses fake.");
    assertCosts(streamed);
  }

  @Test
  void aRequestGuardRefusesAPromptInOpenAisErrorFormat() throws Exception {
    ProxyResponse r = envoy.send(responses("gpt-4o-mini", false, "my card is " + CARD));

    assertThat(r.status()).isEqualTo(422);
    JsonNode err = JSON.readTree(r.body()).path("error");
    assertThat(err.path("message").asText()).isNotBlank();
    assertThat(err.has("type")).isTrue();
    assertThat(openai.received()).as("nothing went upstream").isEmpty();

    ProxyResponse instructions = envoy.send(HttpExchange.postJson("/v1/responses",
        "{\"model\":\"gpt-4o\",\"instructions\":\"card " + CARD + "\",\"input\":\"hi\"}"));
    assertThat(instructions.status()).as("instructions are guarded too").isEqualTo(422);
    assertThat(azure.received()).isEmpty();
  }

  @Test
  void aStreamedAnswerIsMaskedByAResponseGuardAsItGoes() throws Exception {
    ProxyResponse r = envoy.send(responses("masked", true, "Hi"));

    assertThat(r.status()).isEqualTo(200);
    List<SseDecoder.Event> events = new SseDecoder().feed(r.body());
    assertThat(deltas(events)).doesNotContain("Responses").startsWith("Hello from the ").endsWith(" fake.");
    assertThat(events).extracting(SseDecoder.Event::event).last().isEqualTo("response.completed");
    for (SseDecoder.Event e : events) {
      assertThat(ResponsesSchemas.eventProblems(JSON.readTree(e.data()))).as(e.data()).isEmpty();
    }
    assertThat(r.bodyText()).as("nor in the done events and the completed response that repeat the text")
        .doesNotContain("Responses");
    JsonNode completed = JSON.readTree(events.get(events.size() - 1).data());
    assertThat(completed.path("response").path("output").get(0).path("content").get(0).path("text").asText())
        .isEqualTo(deltas(events));
    assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(30);

    ProxyResponse whole = envoy.send(responses("masked", false, "Hi"));
    JsonNode text = JSON.readTree(whole.body()).path("output").get(0).path("content").get(0).path("text");
    assertThat(text.asText()).startsWith("Hello from the ").doesNotContain("Responses");
  }

  @Test
  void aStreamedAnswerRejectedByAResponseGuardEndsWithAnErrorEvent() throws Exception {
    ProxyResponse r = envoy.send(responses("strict", true, "Hi"));

    List<SseDecoder.Event> events = new SseDecoder().feed(r.body());
    SseDecoder.Event last = events.get(events.size() - 1);
    assertThat(last.event()).isEqualTo("error");
    JsonNode error = JSON.readTree(last.data());
    assertThat(error.path("type").asText()).isEqualTo("error");
    assertThat(error.path("message").asText()).isNotBlank();
    assertThat(error.has("sequence_number")).isTrue();
    assertThat(ResponsesSchemas.eventProblems(error)).isEmpty();
    assertThat(r.bodyText()).doesNotContain("Responses").doesNotContain("response.completed");
    assertThat(r.metadataNumber(NS, "llm_total_token")).as("usage read after the rejection").isEqualTo(30);
  }

  @Test
  void badJsonOrNoModelIsA400NamingWhatIsWrong() throws Exception {
    ProxyResponse bad = envoy.send(HttpExchange.postJson("/v1/responses", "{\"model\":"));
    assertThat(bad.status()).isEqualTo(400);
    assertThat(JSON.readTree(bad.body()).path("error").path("message").asText()).contains("not valid JSON");

    ProxyResponse noModel = envoy.send(HttpExchange.postJson("/v1/responses", "{\"input\":\"hi\"}"));
    assertThat(noModel.status()).isEqualTo(400);
    assertThat(JSON.readTree(noModel.body()).path("error").path("message").asText()).contains("\"model\"");
    assertThat(openai.received()).isEmpty();
  }

  @Test
  void aStreamCutShortEndsWithAnErrorEventNotACompletedResponse() throws Exception {
    Function<Received, Answer> real = FakeOpenAi.responsesHandler("sk-openai", PIECES, USAGE);
    openai.handler(r -> {
      Answer a = real.apply(r);
      return new Answer(a.status(), a.headers(), a.pieces().subList(0, 6)); // up to the second delta
    });

    ProxyResponse r = envoy.send(responses("gpt-4o-mini", true, "Hi"));

    List<SseDecoder.Event> events = new SseDecoder().feed(r.body());
    assertThat(events).hasSize(7);
    SseDecoder.Event last = events.get(6);
    assertThat(last.event()).isEqualTo("error");
    JsonNode error = JSON.readTree(last.data());
    assertThat(error.path("code").asText()).isEqualTo("stream_cut_short");
    assertThat(error.path("sequence_number").asInt()).as("one past the last event").isEqualTo(6);
    assertThat(ResponsesSchemas.eventProblems(error)).isEmpty();
    assertThat(r.bodyText()).doesNotContain("response.completed");
  }

  @Test
  void aWholeAnswerThatIsNoJsonObjectIsA502() throws Exception {
    Function<Received, Answer> real = FakeOpenAi.responsesHandler("sk-openai", PIECES, USAGE);
    openai.handler(r -> real.apply(r).cutInHalf());

    ProxyResponse r = envoy.send(responses("gpt-4o-mini", false, "Hi"));

    assertThat(r.status()).isEqualTo(502);
    assertThat(JSON.readTree(r.body()).path("error").path("type").asText()).isEqualTo("server_error");
    assertThat(r.bodyText()).doesNotContain("Hello");
  }

  @Test
  void requestsOnAStoredResponseAreRefusedSayingWhy() throws Exception {
    for (HttpExchange x : List.of(HttpExchange.get("/v1/responses/resp_123"),
        new HttpExchange("DELETE", "/v1/responses/resp_123", Map.of(), new byte[0]),
        HttpExchange.postJson("/v1/responses/resp_123/cancel", "{}"),
        HttpExchange.get("/v1/responses/resp_123/input_items?limit=5"))) {
      ProxyResponse r = envoy.send(x);
      assertThat(r.status()).as(x.method() + " " + x.path()).isEqualTo(404);
      JsonNode err = JSON.readTree(r.body()).path("error");
      assertThat(err.path("message").asText()).contains("name no model").contains("unknownPaths: PassThrough");
    }
    assertThat(openai.received()).isEmpty();
  }

  /** The official SDK parses (and validates) both answers: the fake and the passthrough are realistic. */
  @Test
  void theOfficialSdkReadsWholeAndStreamedResponses() throws Exception {
    HttpFront front = new HttpFront(envoy);
    open.add(front);
    OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(front.uri() + "/v1").apiKey("sk-app").maxRetries(0)
        .build();
    open.add(client::close);
    ResponseCreateParams params = ResponseCreateParams.builder().model("gpt-4o-mini").input("Hi").build();

    Response whole = client.responses().create(params).validate();
    assertThat(whole.output().get(0).asMessage().content().get(0).asOutputText().text())
        .isEqualTo("Hello from the Responses fake.");
    assertThat(whole.usage().orElseThrow().inputTokensDetails().cachedTokens()).isEqualTo(8);

    StringBuilder text = new StringBuilder();
    List<String> kinds = new ArrayList<>();
    try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(params)) {
      stream.stream().forEach(e -> {
        e.validate();
        e.outputTextDelta().ifPresent(d -> text.append(d.delta()));
        if (e.isCompleted()) {
          kinds.add("completed");
          assertThat(e.asCompleted().response().usage().orElseThrow().outputTokens()).isEqualTo(9);
        }
      });
    }
    assertThat(text.toString()).isEqualTo("Hello from the Responses fake.");
    assertThat(kinds).containsExactly("completed");
  }
}
