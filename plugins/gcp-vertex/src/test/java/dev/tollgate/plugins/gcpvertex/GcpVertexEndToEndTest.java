package dev.tollgate.plugins.gcpvertex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.core.config.ConfigException;
import dev.tollgate.testkit.EnvoyLikeClient;
import dev.tollgate.testkit.FakeGemini;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.HttpExchange;
import dev.tollgate.testkit.ProxyResponse;
import dev.tollgate.testkit.RandomSplitter;
import dev.tollgate.testkit.TollgateHarness;
import dev.tollgate.toolkit.JsonSupport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** OpenAI clients through Tollgate to a fake Gemini on Vertex AI, over ext_proc as Envoy drives it. */
class GcpVertexEndToEndTest {
  private static final ObjectMapper JSON = JsonSupport.MAPPER;
  private static final String NS = "io.envoy.ai_gateway";
  private static final String VERTEX_PATH =
      "/v1/projects/my-project/locations/us-central1/publishers/google/models/gemini-2.0-flash";

  /** A weather tool as in OpenAI's function-calling guide, with keywords Gemini does not accept. */
  private static final String TOOLS = """
      "tools":[{"type":"function","function":{"name":"get_current_weather",
        "description":"Get the current weather in a given location",
        "parameters":{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","additionalProperties":false,
          "properties":{"location":{"type":"string","description":"The city and state, e.g. San Francisco, CA"},
                        "unit":{"type":"string","enum":["celsius","fahrenheit"]}},
          "required":["location"]}}}]""";

  private static final String INCLUDE_USAGE = ",\"stream_options\":{\"include_usage\":true}";

  @TempDir
  Path dir;
  FakeUpstream gemini;
  TollgateHarness gw;
  EnvoyLikeClient envoy;

  @BeforeEach
  void start() throws Exception {
    gemini = new FakeUpstream(FakeGemini.handler(null, 20, 7, 0, 0));
    gw = TollgateHarness.startFromClasspath(dir, """
        costs:
          - {metadataKey: llm_input_token, type: InputToken}
          - {metadataKey: llm_output_token, type: OutputToken}
          - {metadataKey: llm_total_token, type: TotalToken}
          - {metadataKey: llm_cached_token, type: CachedInputToken}
          - {metadataKey: llm_reasoning_token, type: ReasoningToken}
        rules:
          - headers: [{name: x-ai-eg-model, value: house-gemini}]
            backends: [{name: vertex-beta}]
          - backends: [{name: vertex}]
        backends:
          - name: vertex
            schema: {name: GCPVertexAI}
            provider: {project: my-project, region: us-central1}
          - name: vertex-beta
            schema: {name: GCPVertexAI, version: v1beta1}
            modelNameOverride: gemini-2.5-pro
            provider: {project: other-project, region: europe-west4}
        """);
    envoy = gw.envoy(Map.of("vertex", gemini.uri(), "vertex-beta", gemini.uri()));
  }

  @AfterEach
  void stop() throws Exception {
    gw.close();
    gemini.close();
  }

  @Test
  void functionCallRoundTripWithoutStreaming() throws Exception {
    // 1. the model asks for the tool
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", """
        {"model":"gemini-2.0-flash","temperature":0.2,"top_p":0.9,"max_tokens":100,"stop":["END"],"n":1,
         "tool_choice":"auto",
         "messages":[{"role":"system","content":"You are a weather bot."},
                     {"role":"user","content":"What's the weather like in Boston today?"}],
        """ + TOOLS + "}"));

    assertThat(r.status()).isEqualTo(200);
    FakeUpstream.Received got = gemini.last();
    assertThat(got.path()).isEqualTo(VERTEX_PATH + ":generateContent");
    assertThat(got.header("content-type")).isEqualTo("application/json");
    JsonNode sent = JSON.readTree(got.body());
    assertThat(sent.has("messages")).isFalse();
    assertThat(sent.path("systemInstruction").path("parts").get(0).path("text").asText()).isEqualTo("You are a weather bot.");
    assertThat(sent.path("contents")).hasSize(1);
    assertThat(sent.path("contents").get(0).path("role").asText()).isEqualTo("user");
    assertThat(sent.path("contents").get(0).path("parts").get(0).path("text").asText())
        .isEqualTo("What's the weather like in Boston today?");
    JsonNode decl = sent.path("tools").get(0).path("functionDeclarations").get(0);
    assertThat(decl.path("name").asText()).isEqualTo("get_current_weather");
    assertThat(decl.path("description").asText()).startsWith("Get the current weather");
    assertThat(decl.path("parameters").path("type").asText()).isEqualTo("OBJECT");
    assertThat(decl.path("parameters").has("$schema")).isFalse();
    assertThat(decl.path("parameters").has("additionalProperties")).isFalse();
    assertThat(decl.path("parameters").path("properties").path("unit").path("enum").toString())
        .isEqualTo("[\"celsius\",\"fahrenheit\"]");
    assertThat(decl.path("parameters").path("required").toString()).isEqualTo("[\"location\"]");
    assertThat(sent.path("toolConfig").path("functionCallingConfig").path("mode").asText()).isEqualTo("AUTO");
    JsonNode gen = sent.path("generationConfig");
    assertThat(gen.path("temperature").asDouble()).isEqualTo(0.2);
    assertThat(gen.path("topP").asDouble()).isEqualTo(0.9);
    assertThat(gen.path("maxOutputTokens").asInt()).isEqualTo(100);
    assertThat(gen.path("stopSequences").toString()).isEqualTo("[\"END\"]");
    assertThat(gen.path("candidateCount").asInt()).isEqualTo(1);

    JsonNode answer = JSON.readTree(r.body());
    assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
    assertThat(answer.path("model").asText()).isEqualTo(FakeGemini.MODEL_VERSION);
    JsonNode choice = answer.path("choices").get(0);
    assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(choice.path("message").has("content")).isTrue();
    assertThat(choice.path("message").path("content").isNull()).isTrue();
    JsonNode call = choice.path("message").path("tool_calls").get(0);
    assertThat(call.path("id").asText()).startsWith("call_").hasSizeGreaterThan(10);
    assertThat(call.path("type").asText()).isEqualTo("function");
    assertThat(call.path("function").path("name").asText()).isEqualTo("get_current_weather");
    assertThat(JSON.readTree(call.path("function").path("arguments").asText()))
        .isEqualTo(JSON.readTree(FakeGemini.CALL_ARGS));
    assertThat(r.headers().get("content-type")).isEqualTo("application/json");
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(20);

    // 2. the client sends the tool's result back under the generated id
    String id = call.path("id").asText();
    ProxyResponse second = envoy.send(HttpExchange.postJson("/v1/chat/completions", """
        {"model":"gemini-2.0-flash",
         "messages":[{"role":"user","content":"What's the weather like in Boston today?"},
                     {"role":"assistant","content":null,"tool_calls":[%s]},
                     {"role":"tool","tool_call_id":"%s","content":"{\\"temperature\\":22,\\"unit\\":\\"celsius\\"}"}],
        """.formatted(call.toString(), id) + TOOLS + "}"));
    assertThat(second.status()).isEqualTo(200);
    JsonNode contents = JSON.readTree(gemini.last().body()).path("contents");
    assertThat(contents).hasSize(3);
    assertThat(contents.get(1).path("role").asText()).isEqualTo("model");
    assertThat(contents.get(1).path("parts").get(0).path("functionCall").path("name").asText())
        .isEqualTo("get_current_weather");
    assertThat(contents.get(1).path("parts").get(0).path("functionCall").path("args").path("location").asText())
        .isEqualTo("Boston, MA");
    JsonNode fr = contents.get(2).path("parts").get(0).path("functionResponse");
    assertThat(contents.get(2).path("role").asText()).isEqualTo("user");
    assertThat(fr.path("name").asText()).isEqualTo("get_current_weather");
    assertThat(fr.path("response").path("temperature").asInt()).isEqualTo(22);
    JsonNode done = JSON.readTree(second.body()).path("choices").get(0);
    assertThat(done.path("finish_reason").asText()).isEqualTo("stop");
    assertThat(done.path("message").path("content").asText()).isEqualTo("It is sunny in Boston.");
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 7, 42, 1234})
  void streamedAnswerSurvivesRandomSplits(long seed) throws Exception {
    envoy.splitResponseChunks(new RandomSplitter(seed, 9));
    assertStreamed(chat(true, INCLUDE_USAGE));
  }

  @Test
  void streamedAnswerSurvivesOneBytePieces() throws Exception {
    envoy.splitResponseChunks(RandomSplitter.singleBytes());
    assertStreamed(chat(true, INCLUDE_USAGE));
  }

  private void assertStreamed(ProxyResponse r) throws Exception {
    assertThat(r.status()).isEqualTo(200);
    assertThat(gemini.last().path()).isEqualTo(VERTEX_PATH + ":streamGenerateContent?alt=sse");
    assertThat(r.headers().get("content-type")).startsWith("text/event-stream");
    assertThat(r.chunks().size()).as("streamed, not buffered").isGreaterThan(1);
    List<JsonNode> events = events(r.bodyText());
    StringBuilder text = new StringBuilder();
    String finish = null;
    JsonNode usage = null;
    for (JsonNode e : events) {
      assertThat(e.path("object").asText()).isEqualTo("chat.completion.chunk");
      assertThat(e.path("id").asText()).isEqualTo(events.get(0).path("id").asText());
      for (JsonNode c : e.path("choices")) {
        text.append(c.path("delta").path("content").asText(""));
        if (!c.path("finish_reason").isNull()) {
          finish = c.path("finish_reason").asText();
        }
      }
      if (e.has("usage")) {
        usage = e.get("usage");
        assertThat(e.path("choices")).isEmpty();
      }
    }
    assertThat(events.get(0).path("choices").get(0).path("delta").path("role").asText()).isEqualTo("assistant");
    assertThat(text.toString()).isEqualTo(FakeGemini.TEXT);
    assertThat(finish).isEqualTo("stop");
    assertThat(usage).isNotNull();
    assertThat(usage.path("prompt_tokens").asInt()).isEqualTo(20);
    assertThat(usage.path("completion_tokens").asInt()).isEqualTo(7);
    assertThat(r.bodyText()).endsWith("data: [DONE]\n\n");
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(20);
    assertThat(r.metadataNumber(NS, "llm_output_token")).isEqualTo(7);
    assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(27);
  }

  @Test
  void streamedFunctionCallBecomesToolCallDelta() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", """
        {"model":"gemini-2.0-flash","stream":true,
         "messages":[{"role":"user","content":"Weather in Boston?"}],""" + TOOLS + "}"));
    // as OpenAI streams a tool call: the role, the call with its whole arguments, then the finish reason
    List<JsonNode> events = events(r.bodyText());
    assertThat(events).hasSize(3);
    assertThat(events.get(0).path("choices").get(0).path("delta").path("role").asText()).isEqualTo("assistant");
    JsonNode call = events.get(1).path("choices").get(0).path("delta").path("tool_calls").get(0);
    assertThat(call.path("index").asInt()).isEqualTo(0);
    assertThat(call.path("id").asText()).startsWith("call_");
    assertThat(call.path("function").path("name").asText()).isEqualTo("get_current_weather");
    assertThat(JSON.readTree(call.path("function").path("arguments").asText()))
        .isEqualTo(JSON.readTree(FakeGemini.CALL_ARGS));
    assertThat(events.get(2).path("choices").get(0).path("finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(events).noneMatch(e -> e.has("usage")); // include_usage not asked for
    assertThat(r.bodyText()).endsWith("data: [DONE]\n\n");
    // usage is still counted for costs
    assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(27);
  }

  @Test
  void cachedAndThinkingTokensReachUsageAndCosts() throws Exception {
    gemini.handler(FakeGemini.handler(null, 100, 30, 60, 12));
    ProxyResponse r = chat(false, "");
    JsonNode usage = JSON.readTree(r.body()).path("usage");
    assertThat(usage.path("prompt_tokens").asInt()).isEqualTo(100);
    // Gemini counts thoughts apart from candidates; OpenAI counts reasoning as completion tokens
    assertThat(usage.path("completion_tokens").asInt()).isEqualTo(42);
    assertThat(usage.path("total_tokens").asInt()).isEqualTo(142);
    assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asInt()).isEqualTo(60);
    assertThat(usage.path("completion_tokens_details").path("reasoning_tokens").asInt()).isEqualTo(12);
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(100);
    assertThat(r.metadataNumber(NS, "llm_output_token")).isEqualTo(42);
    assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(142);
    assertThat(r.metadataNumber(NS, "llm_cached_token")).isEqualTo(60);
    assertThat(r.metadataNumber(NS, "llm_reasoning_token")).isEqualTo(12);
    assertThat(r.metadata(NS, "model_name").getStringValue()).isEqualTo(FakeGemini.MODEL_VERSION);
  }

  /**
   * Google's errors reach an OpenAI client with their status, the type of the status and Google's
   * status name as the code, streamed request or not (as JSON, not SSE), also when
   * {@code streamGenerateContent} wraps the error in an array.
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "429|RESOURCE_EXHAUSTED|false|false|rate_limit_error|Quota exceeded for aiplatform.googleapis.com/generate_content_requests_per_minute_per_project_per_base_model.",
      "400|INVALID_ARGUMENT  |true |false|invalid_request_error|Unable to submit request because it has an empty text parameter.",
      "400|INVALID_ARGUMENT  |true |true |invalid_request_error|Request contains an invalid argument."})
  void googleErrorKeepsItsStatusInOpenAiShape(int status, String googleStatus, boolean stream, boolean inArray,
                                              String type, String message) throws Exception {
    String body = FakeGemini.error(status, googleStatus, message);
    gemini.handler(req -> FakeUpstream.Answer.json(status, inArray ? "[" + body + "]" : body));
    JsonNode err = openAiError(chat(stream, ""), status, type);
    assertThat(err.path("code").asText()).isEqualTo(googleStatus);
    assertThat(err.path("message").asText()).isEqualTo(message);
  }

  @Test
  void errorInAStartedStreamEndsItWithAnOpenAiErrorEvent() throws Exception {
    gemini.handler(req -> FakeUpstream.Answer.stream("text/event-stream", List.of(
        sseEvent(FakeGemini.response(List.of(JSON.createObjectNode().put("text", "Hel")), null, null).toString()),
        sseEvent(FakeGemini.error(429, "RESOURCE_EXHAUSTED", "Quota exceeded mid-stream.")),
        sseEvent(FakeGemini.response(List.of(JSON.createObjectNode().put("text", "lo")), "STOP", null).toString()))));
    ProxyResponse r = chat(true, INCLUDE_USAGE);
    assertThat(r.status()).isEqualTo(200);
    List<JsonNode> events = events(r.bodyText());
    assertThat(events.get(1).path("choices").get(0).path("delta").path("content").asText()).isEqualTo("Hel");
    JsonNode err = events.get(events.size() - 1).path("error");
    assertThat(err.path("type").asText()).isEqualTo("rate_limit_error");
    assertThat(err.path("code").asText()).isEqualTo("RESOURCE_EXHAUSTED");
    assertThat(err.path("message").asText()).isEqualTo("Quota exceeded mid-stream.");
    // nothing after the error but the end of the stream, once
    assertThat(r.bodyText()).doesNotContain("\"lo\"").endsWith("data: [DONE]\n\n");
    assertThat(r.bodyText().split("data: \\[DONE]", -1)).hasSize(2);
  }

  @Test
  void aStreamCutShortEndsWithAnErrorEventThenDone() throws Exception {
    // the connection drops after some text, before a candidate with a finishReason
    gemini.handler(req -> FakeUpstream.Answer.stream("text/event-stream", List.of(
        sseEvent(FakeGemini.response(List.of(JSON.createObjectNode().put("text", "Hel")), null, null).toString()),
        sseEvent(FakeGemini.response(List.of(JSON.createObjectNode().put("text", "lo")), null, null).toString()))));
    envoy.splitResponseChunks(new RandomSplitter(5, 9));
    ProxyResponse r = chat(true, INCLUDE_USAGE);
    assertThat(r.status()).isEqualTo(200);
    List<JsonNode> events = events(r.bodyText());
    assertThat(events.get(2).path("choices").get(0).path("delta").path("content").asText()).isEqualTo("lo");
    assertThat(events).noneMatch(e -> e.path("choices").path(0).hasNonNull("finish_reason"));
    JsonNode err = events.get(events.size() - 1).path("error");
    assertThat(err.path("code").asText()).isEqualTo("stream_cut_short");
    assertThat(err.path("type").asText()).isEqualTo("server_error");
    assertThat(err.path("message").asText()).isEqualTo("Vertex AI's stream ended before the answer was complete");
    assertThat(r.bodyText()).endsWith("data: [DONE]\n\n");
  }

  @Test
  void plainTextUpstreamErrorBecomesOpenAiError() throws Exception {
    gemini.handler(req -> new FakeUpstream.Answer(503, Map.of("content-type", "text/html"),
        List.of("<html>Service Unavailable</html>".getBytes(StandardCharsets.UTF_8))));
    JsonNode err = openAiError(chat(false, ""), 503, "server_error");
    assertThat(err.path("message").asText()).contains("Service Unavailable");
  }

  /** Sends "Hi" to gemini-2.0-flash, with {@code more} fields. */
  private ProxyResponse chat(boolean stream, String more) throws Exception {
    return envoy.send(HttpExchange.postJson("/v1/chat/completions", "{\"model\":\"gemini-2.0-flash\",\"stream\":"
        + stream + more + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
  }

  /** The OpenAI error body of {@code r}, once its status, content type and error type are checked. */
  private static JsonNode openAiError(ProxyResponse r, int status, String type) throws Exception {
    assertThat(r.status()).isEqualTo(status);
    assertThat(r.headers().get("content-type")).isEqualTo("application/json");
    JsonNode err = JSON.readTree(r.body()).path("error");
    assertThat(err.path("type").asText()).isEqualTo(type);
    return err;
  }

  private static byte[] sseEvent(String json) {
    return ("data: " + json + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void schemaVersionProviderSettingsAndModelOverrideShapeThePath() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", """
        {"model":"house-gemini","messages":[{"role":"user","content":[
          {"type":"text","text":"What is in these pictures?"},
          {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
          {"type":"image_url","image_url":{"url":"gs://cloud-samples-data/generative-ai/image/scones.webp"}}]}]}"""));
    assertThat(r.status()).isEqualTo(200);
    assertThat(gemini.last().path()).isEqualTo(
        "/v1beta1/projects/other-project/locations/europe-west4/publishers/google/models/gemini-2.5-pro:generateContent");
    JsonNode parts = JSON.readTree(gemini.last().body()).path("contents").get(0).path("parts");
    assertThat(parts.get(0).path("text").asText()).isEqualTo("What is in these pictures?");
    assertThat(parts.get(1).path("inlineData").path("mimeType").asText()).isEqualTo("image/png");
    assertThat(parts.get(1).path("inlineData").path("data").asText()).isEqualTo("iVBORw0KGgo=");
    assertThat(parts.get(2).path("fileData").path("mimeType").asText()).isEqualTo("image/webp");
    assertThat(parts.get(2).path("fileData").path("fileUri").asText())
        .isEqualTo("gs://cloud-samples-data/generative-ai/image/scones.webp");
  }

  @Test
  void missingRegionStopsTheConfigLoadNamingTheField(@TempDir Path other) {
    assertThatThrownBy(() -> TollgateHarness.startFromClasspath(other, """
        rules:
          - backends: [{name: vertex}]
        backends:
          - name: vertex
            schema: {name: GCPVertexAI}
            provider: {project: my-project, region: us-central1}
          - name: vertex-2
            schema: {name: GCPVertexAI}
            provider: {project: my-project, region: us-central1}
          - name: broken
            schema: {name: GCPVertexAI}
            provider: {project: my-project}
        """).close())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("backends[2].provider.region").hasMessageContaining("is required");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{name: GCPVertexAI}                     | {project: my-project, region: us-central1, zone: a} | backends[0].provider.zone",
      "{name: GCPVertexAI}                     | {project: 'my project/..', region: us-central1}      | backends[0].provider.project",
      "{name: GCPVertexAI}                     | {region: us-central1}                                | backends[0].provider.project",
      "{name: GCPVertexAI, version: \"v1?x=y\"} | {project: my-project, region: us-central1}           | backends[0].schema.version"})
  void badSettingsStopTheConfigLoad(String schema, String provider, String field, @TempDir Path other) {
    assertThatThrownBy(() -> TollgateHarness.startFromClasspath(other, """
        rules:
          - backends: [{name: vertex}]
        backends:
          - name: vertex
            schema: %s
            provider: %s
        """.formatted(schema, provider)).close())
        .isInstanceOf(ConfigException.class).hasMessageContaining(field);
  }

  @Test
  void toolResultForAnUnknownCallIsRefusedWith400() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", """
        {"model":"gemini-2.0-flash","messages":[{"role":"user","content":"Hi"},
          {"role":"tool","tool_call_id":"call_nope","content":"42"}]}"""));
    assertThat(r.status()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).path("error").path("message").asText())
        .contains("messages[1].tool_call_id").contains("call_nope");
    assertThat(gemini.received()).isEmpty();
  }

  @Test
  void embeddingsGoToVertexPredictAndTheirTokensAreCounted() throws Exception {
    gemini.handler(FakeGemini.embeddingsHandler(null));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/embeddings",
        "{\"model\":\"gemini-embedding-001\",\"input\":[\"hello there\",\"hi\"],\"dimensions\":3}"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(gemini.received().get(0).path())
        .isEqualTo("/v1/projects/my-project/locations/us-central1/publishers/google/models/gemini-embedding-001:predict");
    JsonNode answer = JSON.readTree(r.body());
    assertThat(answer.path("data")).hasSize(2);
    assertThat(answer.path("data").get(1).path("embedding")).hasSize(3);
    assertThat(answer.path("usage").path("prompt_tokens").asInt()).isEqualTo(3);
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(3);
    ProxyResponse tokens = envoy.send(HttpExchange.postJson("/v1/embeddings",
        "{\"model\":\"gemini-embedding-001\",\"input\":[[1,2,3]]}"));
    assertThat(tokens.status()).isEqualTo(400);
    assertThat(JSON.readTree(tokens.body()).path("error").path("message").asText()).contains("input[0]");
  }

  static List<JsonNode> events(String sse) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String block : sse.split("\n\n")) {
      if (block.startsWith("data: ") && !block.equals("data: [DONE]")) {
        out.add(JSON.readTree(block.substring("data: ".length())));
      }
    }
    return out;
  }
}
