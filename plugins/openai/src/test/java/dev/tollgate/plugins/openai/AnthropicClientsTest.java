package dev.tollgate.plugins.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.toolkit.SseDecoder;
import dev.tollgate.testkit.EnvoyLikeClient;
import dev.tollgate.testkit.FakeOpenAi;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.HttpExchange;
import dev.tollgate.testkit.ProxyResponse;
import dev.tollgate.testkit.RandomSplitter;
import dev.tollgate.testkit.TollgateHarness;
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
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Anthropic Messages clients ({@code POST /v1/messages}) through Tollgate to OpenAI-compatible
 * backends, over ext_proc as Envoy drives it, with the api-key and token-costs plugins from the
 * class path.
 */
class AnthropicClientsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NS = "io.envoy.ai_gateway";
  /** A request shaped after Anthropic's Messages API reference. */
  private static final String REQUEST = """
      {"model":"gpt-4o-mini","max_tokens":1024,"system":"You are a concise assistant.",
       "messages":[{"role":"user","content":"Hello, Claude"}]%s}""";

  @TempDir
  Path dir;
  FakeUpstream openai;
  TollgateHarness gw;
  EnvoyLikeClient envoy;

  @BeforeEach
  void start() throws Exception {
    openai = new FakeUpstream(FakeOpenAi.handler("sk-openai", 11, 7));
    gw = TollgateHarness.startFromClasspath(dir, """
        costs:
          - {metadataKey: llm_input_token, type: InputToken}
          - {metadataKey: llm_output_token, type: OutputToken}
          - {metadataKey: llm_total_token, type: TotalToken}
        rules:
          - headers: [{name: x-ai-eg-model, value: mounted}]
            backends: [{name: mounted}]
          - backends: [{name: openai}]
        backends:
          - name: openai
            schema: {name: OpenAI}
            auth: {type: APIKey, key: sk-openai}
          - name: mounted
            schema: {name: OpenAI, version: api/v1}
            modelNameOverride: gpt-4.1-nano
            auth: {type: APIKey, key: sk-openai}
        """);
    envoy = gw.envoy(Map.of("openai", openai.uri(), "mounted", openai.uri()));
  }

  @AfterEach
  void stop() throws Exception {
    gw.close();
    openai.close();
  }

  private static HttpExchange messages(String body) {
    return HttpExchange.postJson("/v1/messages", body, "x-api-key", "client-anthropic-key",
        "anthropic-version", "2023-06-01", "anthropic-beta", "prompt-caching-2024-07-31", "accept-encoding", "gzip");
  }

  @Test
  void wholeAnswerComesBackAsAnAnthropicMessageAndIsCosted() throws Exception {
    ProxyResponse r = envoy.send(messages(REQUEST.formatted("")));

    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    FakeUpstream.Received got = openai.last();
    assertThat(got.path()).isEqualTo("/v1/chat/completions");
    assertThat(got.header("authorization")).isEqualTo("Bearer sk-openai");
    for (String h : List.of("x-api-key", "anthropic-version", "anthropic-beta", "accept-encoding")) {
      assertThat(got.header(h)).as(h + " is not sent on").isNull();
    }
    JsonNode sent = JSON.readTree(got.body());
    assertThat(sent.path("model").asText()).isEqualTo("gpt-4o-mini");
    assertThat(sent.path("max_completion_tokens").asInt()).isEqualTo(1024);
    assertThat(sent.path("messages").get(0).path("role").asText()).isEqualTo("system");
    assertThat(sent.path("messages").get(0).path("content").asText()).isEqualTo("You are a concise assistant.");
    assertThat(sent.path("messages").get(1).path("content").asText()).isEqualTo("Hello, Claude");
    assertThat(sent.has("system")).isFalse();
    assertThat(got.header("content-length")).isEqualTo(Integer.toString(got.body().length));

    assertThat(r.headers().get("content-type")).isEqualTo("application/json");
    JsonNode msg = JSON.readTree(r.body());
    assertThat(msg.path("type").asText()).isEqualTo("message");
    assertThat(msg.path("role").asText()).isEqualTo("assistant");
    assertThat(msg.path("model").asText()).isEqualTo("gpt-4o-mini");
    assertThat(msg.path("content")).hasSize(1);
    assertThat(msg.path("content").get(0).path("type").asText()).isEqualTo("text");
    assertThat(msg.path("content").get(0).path("text").asText()).isEqualTo("Hello from the fake.");
    assertThat(msg.path("stop_reason").asText()).isEqualTo("end_turn");
    assertThat(msg.path("usage").path("input_tokens").asInt()).isEqualTo(11);
    assertThat(msg.path("usage").path("output_tokens").asInt()).isEqualTo(7);
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(11);
    assertThat(r.metadataNumber(NS, "llm_output_token")).isEqualTo(7);
    assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(18);
  }

  @Test
  void schemaVersionPrefixAndModelOverrideApply() throws Exception {
    ProxyResponse r = envoy.send(messages("""
        {"model":"mounted","max_tokens":10,"messages":[{"role":"user","content":"Hi"}]}"""));
    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    assertThat(openai.last().path()).isEqualTo("/api/v1/chat/completions");
    assertThat(JSON.readTree(openai.last().body()).path("model").asText()).isEqualTo("gpt-4.1-nano");
    assertThat(JSON.readTree(r.body()).path("model").asText()).isEqualTo("gpt-4.1-nano");
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 7, 42, 1234})
  void streamedAnswerBecomesAnthropicEventsAtAnySplit(long seed) throws Exception {
    envoy.splitResponseChunks(new RandomSplitter(seed, 9));
    assertStream();
  }

  @Test
  void streamedAnswerSplitIntoSingleBytes() throws Exception {
    envoy.splitResponseChunks(RandomSplitter.singleBytes());
    assertStream();
  }

  private void assertStream() throws Exception {
    ProxyResponse r = envoy.send(messages(REQUEST.formatted(",\"stream\":true")));

    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    assertThat(r.headers().get("content-type")).startsWith("text/event-stream");
    assertThat(r.chunks().size()).as("streamed, not buffered").isGreaterThan(1);
    JsonNode sent = JSON.readTree(openai.last().body());
    assertThat(sent.path("stream").asBoolean()).isTrue();
    assertThat(sent.path("stream_options").path("include_usage").asBoolean()).as("so usage can be counted").isTrue();

    List<SseDecoder.Event> events = new SseDecoder().feed(r.body());
    List<String> types = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    for (SseDecoder.Event e : events) {
      JsonNode d = JSON.readTree(e.data());
      assertThat(d.path("type").asText()).isEqualTo(e.event());
      types.add(e.event());
      text.append(d.path("delta").path("text").asText(""));
    }
    assertThat(types).containsExactly("message_start", "content_block_start", "content_block_delta",
        "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop");
    assertThat(text.toString()).isEqualTo("Hello from the fake.");
    JsonNode start = JSON.readTree(events.get(0).data()).path("message");
    assertThat(start.path("model").asText()).isEqualTo("gpt-4o-mini");
    JsonNode delta = JSON.readTree(events.get(6).data());
    assertThat(delta.path("delta").path("stop_reason").asText()).isEqualTo("end_turn");
    assertThat(delta.path("usage").path("input_tokens").asInt()).isEqualTo(11);
    assertThat(delta.path("usage").path("output_tokens").asInt()).isEqualTo(7);
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(11);
    assertThat(r.metadataNumber(NS, "llm_output_token")).isEqualTo(7);
    assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(18);
  }

  @Test
  void aStreamCutShortEndsWithAnAnthropicErrorEventNotAMessageStop() throws Exception {
    // the connection drops after two deltas: no finish_reason, no [DONE]
    List<byte[]> chunks = FakeOpenAi.streamChunks("gpt-4o-mini", 11, 7, true);
    openai.handler(req -> FakeUpstream.Answer.stream("text/event-stream", chunks.subList(0, 2)));
    envoy.splitResponseChunks(new RandomSplitter(9, 9));
    ProxyResponse r = envoy.send(messages(REQUEST.formatted(",\"stream\":true")));

    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    List<SseDecoder.Event> events = new SseDecoder().feed(r.body());
    List<String> types = events.stream().map(SseDecoder.Event::event).toList();
    assertThat(types).containsExactly("message_start", "content_block_start", "content_block_delta",
        "content_block_delta", "error");
    JsonNode err = JSON.readTree(events.get(4).data());
    assertThat(err.path("type").asText()).isEqualTo("error");
    assertThat(err.path("error").path("type").asText()).isEqualTo("api_error");
    assertThat(err.path("error").path("message").asText())
        .isEqualTo("the upstream's stream ended before the answer was complete");
  }

  @Test
  void toolCallAnswerBecomesAToolUseBlock() throws Exception {
    openai.handler(req -> FakeUpstream.Answer.json(200, """
        {"id":"chatcmpl-tool","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini",
         "choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":null,
           "tool_calls":[{"id":"call_abc123","type":"function",
             "function":{"name":"get_weather","arguments":"{\\"location\\":\\"Boston, MA\\"}"}}]}}],
         "usage":{"prompt_tokens":82,"completion_tokens":17,"total_tokens":99}}"""));
    ProxyResponse r = envoy.send(messages("""
        {"model":"gpt-4o-mini","max_tokens":200,"tool_choice":{"type":"any"},
         "tools":[{"name":"get_weather","description":"Get the current weather in a given location",
           "input_schema":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}],
         "messages":[{"role":"user","content":"What is the weather like in Boston?"}]}"""));

    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    JsonNode sent = JSON.readTree(openai.last().body());
    assertThat(sent.path("tool_choice").asText()).isEqualTo("required");
    assertThat(sent.path("tools").get(0).path("function").path("name").asText()).isEqualTo("get_weather");
    JsonNode msg = JSON.readTree(r.body());
    assertThat(msg.path("stop_reason").asText()).isEqualTo("tool_use");
    JsonNode use = msg.path("content").get(0);
    assertThat(use.path("type").asText()).isEqualTo("tool_use");
    assertThat(use.path("id").asText()).isEqualTo("call_abc123");
    assertThat(use.path("input").path("location").asText()).isEqualTo("Boston, MA");
    assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(99);
  }

  @Test
  void upstreamErrorComesBackInAnthropicFormatWithItsStatus() throws Exception {
    openai.handler(req -> FakeUpstream.Answer.json(429,
        "{\"error\":{\"message\":\"Rate limit reached for gpt-4o-mini\",\"type\":\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}"));
    ProxyResponse r = envoy.send(messages(REQUEST.formatted("")));
    assertThat(r.status()).isEqualTo(429);
    assertThat(r.headers().get("content-type")).isEqualTo("application/json");
    JsonNode root = JSON.readTree(r.body());
    assertThat(root.path("type").asText()).isEqualTo("error");
    assertThat(root.path("error").path("type").asText()).isEqualTo("rate_limit_error");
    assertThat(root.path("error").path("message").asText()).isEqualTo("Rate limit reached for gpt-4o-mini");
  }

  @Test
  void streamedRequestRefusedUpstreamGetsAnAnthropicErrorNotAStream() throws Exception {
    openai.handler(FakeOpenAi.handler("another-key", 1, 1));
    ProxyResponse r = envoy.send(messages(REQUEST.formatted(",\"stream\":true")));
    assertThat(r.status()).isEqualTo(401);
    JsonNode root = JSON.readTree(r.body());
    assertThat(root.path("error").path("type").asText()).isEqualTo("authentication_error");
    assertThat(root.path("error").path("message").asText()).isEqualTo("Incorrect API key provided");
  }

  @Test
  void plainTextUpstreamErrorIsWrapped() throws Exception {
    openai.handler(req -> new FakeUpstream.Answer(503, Map.of("content-type", "text/plain"),
        List.of("upstream connect error".getBytes(StandardCharsets.UTF_8))));
    ProxyResponse r = envoy.send(messages(REQUEST.formatted("")));
    assertThat(r.status()).isEqualTo(503);
    JsonNode root = JSON.readTree(r.body());
    assertThat(root.path("error").path("type").asText()).isEqualTo("api_error");
    assertThat(root.path("error").path("message").asText()).contains("upstream connect error");
  }

  @Test
  void serverToolsAreRefusedWith400InAnthropicFormat() throws Exception {
    ProxyResponse r = envoy.send(messages("""
        {"model":"gpt-4o-mini","max_tokens":100,"messages":[{"role":"user","content":"news?"}],
         "tools":[{"type":"web_search_20250305","name":"web_search","max_uses":5}]}"""));
    assertThat(r.localReply()).isTrue();
    assertThat(r.status()).isEqualTo(400);
    JsonNode root = JSON.readTree(r.body());
    assertThat(root.path("type").asText()).isEqualTo("error");
    assertThat(root.path("error").path("message").asText()).contains("web_search_20250305");
    assertThat(openai.received()).isEmpty();
  }
}
