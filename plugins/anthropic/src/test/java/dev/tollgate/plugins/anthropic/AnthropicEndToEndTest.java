package dev.tollgate.plugins.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.toolkit.SseDecoder;
import dev.tollgate.core.config.ConfigException;
import dev.tollgate.testkit.EnvoyLikeClient;
import dev.tollgate.testkit.FakeAnthropic;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.FakeUpstream.Answer;
import dev.tollgate.testkit.HttpExchange;
import dev.tollgate.testkit.ProxyResponse;
import dev.tollgate.testkit.RandomSplitter;
import dev.tollgate.testkit.TollgateHarness;
import java.io.ByteArrayOutputStream;
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

/**
 * The three Anthropic schemas through the ext_proc server as Envoy drives it, against a fake
 * Claude upstream that checks the path, headers and body shape of each host.
 */
class AnthropicEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NS = "io.envoy.ai_gateway";
  private static final String KEY = "sk-ant-api03-test";
  private static final String VERTEX_MODEL = "claude-3-5-haiku@20241022";
  private static final String BEDROCK_MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0";

  @TempDir
  Path dir;
  FakeUpstream upstream;
  TollgateHarness gateway;
  EnvoyLikeClient envoy;

  @BeforeEach
  void start() throws Exception {
    upstream = new FakeUpstream(FakeAnthropic.handler(KEY, FakeAnthropic.text("x", "a", "b", 1, 0, 1)));
    gateway = TollgateHarness.startFromClasspath(dir, """
        costs:
          - {metadataKey: in, type: InputToken}
          - {metadataKey: out, type: OutputToken}
          - {metadataKey: cached, type: CachedInputToken}
          - {metadataKey: total, type: TotalToken}
        rules:
          - headers: [{name: x-ai-eg-model, type: Exact, value: claude-vertex}]
            backends: [{name: vertex}]
          - headers: [{name: x-ai-eg-model, type: Exact, value: claude-bedrock}]
            backends: [{name: bedrock}]
          - headers: [{name: x-ai-eg-model, type: RegularExpression, value: "claude-.*"}]
            backends: [{name: anthropic}]
        backends:
          - name: anthropic
            schema: {name: Anthropic}
            auth: {type: APIKey, header: x-api-key, key: %s}
          - name: vertex
            schema: {name: GCPAnthropic}
            modelNameOverride: %s
            provider: {project: my-project, region: us-east5}
          - name: bedrock
            schema: {name: AWSAnthropic}
            modelNameOverride: %s
        """.formatted(KEY, VERTEX_MODEL, BEDROCK_MODEL));
    envoy = gateway.envoy(Map.of("anthropic", upstream.uri(), "vertex", upstream.uri(), "bedrock", upstream.uri()));
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    upstream.close();
  }

  // ---------------------------------------------------------------- OpenAI clients

  @Test
  void openAiClientToolUseRoundTripIsTranslatedBothWays() throws Exception {
    String input = "{\"location\":\"San Francisco, CA\",\"unit\":\"celsius\"}";
    upstream.handler(FakeAnthropic.handler(KEY,
        FakeAnthropic.toolUse("claude-sonnet-4-5", "toolu_01A09q90qw90lq917835lq9", "get_weather", input, 472, 91)));
    String png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
    String request = """
        {"model":"claude-sonnet-4-5","stop":"###","temperature":0.2,"user":"u-42",
         "messages":[
           {"role":"system","content":"You are a weather bot."},
           {"role":"user","content":[{"type":"text","text":"Weather here?"},
                                     {"type":"image_url","image_url":{"url":"data:image/png;base64,%s"}},
                                     {"type":"image_url","image_url":{"url":"https://example.com/map.jpg"}}]},
           {"role":"assistant","content":null,"tool_calls":[{"id":"toolu_prev","type":"function",
              "function":{"name":"get_location","arguments":"{}"}}]},
           {"role":"tool","tool_call_id":"toolu_prev","content":"San Francisco, CA"}],
         "tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather",
            "parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}},
                  {"type":"function","function":{"name":"get_location"}}],
         "tool_choice":"required"}
        """.formatted(png);
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", request,
        "authorization", "Bearer gateway-client-key"));

    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    FakeUpstream.Received got = upstream.last();
    assertThat(got.path()).isEqualTo("/v1/messages");
    assertThat(got.header("x-api-key")).isEqualTo(KEY);
    assertThat(got.header("anthropic-version")).isEqualTo("2023-06-01");
    assertThat(got.header("authorization")).as("the client's gateway key is not sent to Anthropic").isNull();
    JsonNode body = JSON.readTree(got.body());
    assertThat(body.path("model").asText()).isEqualTo("claude-sonnet-4-5");
    assertThat(body.path("system").asText()).isEqualTo("You are a weather bot.");
    assertThat(body.path("max_tokens").asInt()).as("Anthropic needs a limit; the default").isEqualTo(4096);
    assertThat(body.path("stop_sequences").get(0).asText()).isEqualTo("###");
    assertThat(body.path("temperature").asDouble()).isEqualTo(0.2);
    assertThat(body.path("metadata").path("user_id").asText()).isEqualTo("u-42");
    assertThat(body.path("tool_choice").path("type").asText()).isEqualTo("any");
    JsonNode tools = body.path("tools");
    assertThat(tools.get(0).path("name").asText()).isEqualTo("get_weather");
    assertThat(tools.get(0).path("input_schema").path("required").get(0).asText()).isEqualTo("location");
    assertThat(tools.get(1).path("input_schema").path("type").asText()).isEqualTo("object");
    JsonNode msgs = body.path("messages");
    assertThat(msgs.size()).isEqualTo(3);
    assertThat(msgs.get(0).path("role").asText()).isEqualTo("user");
    JsonNode userContent = msgs.get(0).path("content");
    assertThat(userContent.get(1).path("source").path("type").asText()).isEqualTo("base64");
    assertThat(userContent.get(1).path("source").path("media_type").asText()).isEqualTo("image/png");
    assertThat(userContent.get(1).path("source").path("data").asText()).isEqualTo(png);
    assertThat(userContent.get(2).path("source").path("type").asText()).isEqualTo("url");
    assertThat(userContent.get(2).path("source").path("url").asText()).isEqualTo("https://example.com/map.jpg");
    JsonNode use = msgs.get(1).path("content").get(0);
    assertThat(msgs.get(1).path("role").asText()).isEqualTo("assistant");
    assertThat(use.path("type").asText()).isEqualTo("tool_use");
    assertThat(use.path("id").asText()).isEqualTo("toolu_prev");
    assertThat(use.path("input").isObject()).isTrue();
    JsonNode result = msgs.get(2).path("content").get(0);
    assertThat(msgs.get(2).path("role").asText()).isEqualTo("user");
    assertThat(result.path("type").asText()).isEqualTo("tool_result");
    assertThat(result.path("tool_use_id").asText()).isEqualTo("toolu_prev");
    assertThat(result.path("content").asText()).isEqualTo("San Francisco, CA");

    assertThat(r.headers().get("content-type")).isEqualTo("application/json");
    assertThat(r.headers()).doesNotContainKey("content-length");
    JsonNode answer = JSON.readTree(r.body());
    assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
    JsonNode choice = answer.path("choices").get(0);
    assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(choice.path("message").path("content").asText()).isEqualTo("I'll check that.");
    JsonNode call = choice.path("message").path("tool_calls").get(0);
    assertThat(call.path("id").asText()).isEqualTo("toolu_01A09q90qw90lq917835lq9");
    assertThat(call.path("type").asText()).isEqualTo("function");
    assertThat(call.path("function").path("name").asText()).isEqualTo("get_weather");
    assertThat(JSON.readTree(call.path("function").path("arguments").asText())).isEqualTo(JSON.readTree(input));
    assertThat(answer.path("usage").path("prompt_tokens").asInt()).isEqualTo(472);
    assertThat(answer.path("usage").path("completion_tokens").asInt()).isEqualTo(91);
    assertThat(answer.path("usage").path("total_tokens").asInt()).isEqualTo(563);
    assertTokens(r, 472, 0, 91);
  }

  @ParameterizedTest(name = "seed {0}, pieces up to {1} bytes")
  @CsvSource({"1,1", "2,3", "3,7", "4,64", "5,1"})
  void openAiClientStreamSplitAtRandomBytesBecomesChatChunks(long seed, int maxPiece) throws Exception {
    upstream.handler(FakeAnthropic.handler(KEY, FakeAnthropic.text("claude-sonnet-4-5", "Hello", " there ✓", 25, 100, 15)));
    envoy.splitResponseChunks(new RandomSplitter(seed, maxPiece));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", """
        {"model":"claude-sonnet-4-5","stream":true,"stream_options":{"include_usage":true},"max_tokens":50,
         "messages":[{"role":"user","content":"Hi"}]}"""));

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.headers().get("content-type")).isEqualTo("text/event-stream");
    assertThat(r.headers()).doesNotContainKey("content-length");
    JsonNode sent = JSON.readTree(upstream.last().body());
    assertThat(sent.path("stream").asBoolean()).isTrue();
    assertThat(sent.path("max_tokens").asInt()).isEqualTo(50);
    List<String> data = dataLines(r.body());
    assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
    StringBuilder text = new StringBuilder();
    String finish = null;
    JsonNode usage = null;
    for (String d : data.subList(0, data.size() - 1)) {
      JsonNode c = JSON.readTree(d);
      assertThat(c.path("object").asText()).isEqualTo("chat.completion.chunk");
      assertThat(c.path("id").asText()).isEqualTo("msg_013Zva2CMHLNnXjNJJKqJ2EF");
      if (c.path("choices").size() > 0) {
        JsonNode ch = c.path("choices").get(0);
        text.append(ch.path("delta").path("content").asText(""));
        if (!ch.path("finish_reason").isNull()) {
          finish = ch.path("finish_reason").asText();
        }
      }
      if (c.hasNonNull("usage")) {
        usage = c.get("usage");
      }
    }
    assertThat(text.toString()).isEqualTo("Hello there ✓");
    assertThat(finish).isEqualTo("stop");
    assertThat(usage).as("include_usage asks for a usage chunk").isNotNull();
    assertThat(usage.path("prompt_tokens").asInt()).as("input + cache reads").isEqualTo(125);
    assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asInt()).isEqualTo(100);
    assertThat(usage.path("completion_tokens").asInt()).isEqualTo(15);
    assertTokens(r, 125, 100, 15);
  }

  @ParameterizedTest(name = "seed {0}")
  @CsvSource({"11,1", "12,5", "13,40"})
  void openAiClientStreamedToolCallArgumentsArriveWhole(long seed, int maxPiece) throws Exception {
    String input = "{\"location\":\"Paris\"}";
    upstream.handler(FakeAnthropic.handler(KEY, FakeAnthropic.toolUse("claude-sonnet-4-5", "toolu_9", "get_weather", input, 10, 20)));
    envoy.splitResponseChunks(new RandomSplitter(seed, maxPiece));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", """
        {"model":"claude-sonnet-4-5","stream":true,"messages":[{"role":"user","content":"Weather in Paris?"}],
         "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}],
         "tool_choice":{"type":"function","function":{"name":"get_weather"}},"parallel_tool_calls":false}"""));
    JsonNode sent = JSON.readTree(upstream.last().body());
    assertThat(sent.path("tool_choice").path("type").asText()).isEqualTo("tool");
    assertThat(sent.path("tool_choice").path("name").asText()).isEqualTo("get_weather");
    assertThat(sent.path("tool_choice").path("disable_parallel_tool_use").asBoolean()).isTrue();
    List<String> data = dataLines(r.body());
    StringBuilder args = new StringBuilder();
    String id = null;
    String finish = null;
    for (String d : data.subList(0, data.size() - 1)) {
      JsonNode c = JSON.readTree(d);
      assertThat(c.has("usage")).as("no usage chunk unless asked").isFalse();
      JsonNode ch = c.path("choices").get(0);
      for (JsonNode call : ch.path("delta").path("tool_calls")) {
        assertThat(call.path("index").asInt()).isZero();
        if (call.has("id")) {
          id = call.path("id").asText();
          assertThat(call.path("function").path("name").asText()).isEqualTo("get_weather");
        }
        args.append(call.path("function").path("arguments").asText(""));
      }
      if (!ch.path("finish_reason").isNull()) {
        finish = ch.path("finish_reason").asText();
      }
    }
    assertThat(id).isEqualTo("toolu_9");
    assertThat(JSON.readTree(args.toString())).isEqualTo(JSON.readTree(input));
    assertThat(finish).isEqualTo("tool_calls");
    assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
  }

  @ParameterizedTest(name = "seed {0}")
  @CsvSource({"51,1", "52,6", "53,300"})
  void openAiClientStreamFromBedrockEventStreamBecomesChatChunks(long seed, int maxPiece) throws Exception {
    upstream.handler(FakeAnthropic.handler(null, FakeAnthropic.text(BEDROCK_MODEL, "Olá", " mundo", 30, 0, 9)));
    envoy.splitResponseChunks(new RandomSplitter(seed, maxPiece));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", """
        {"model":"claude-bedrock","stream":true,"stream_options":{"include_usage":true},
         "messages":[{"role":"user","content":"Oi"}]}""", "accept-encoding", "gzip"));
    FakeUpstream.Received got = upstream.last();
    assertThat(got.path()).isEqualTo("/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke-with-response-stream");
    assertThat(got.header("accept-encoding")).isNull();
    List<String> data = dataLines(r.body());
    StringBuilder text = new StringBuilder();
    JsonNode usage = null;
    for (String d : data.subList(0, data.size() - 1)) {
      JsonNode c = JSON.readTree(d);
      if (c.path("choices").size() > 0) {
        text.append(c.path("choices").get(0).path("delta").path("content").asText(""));
      }
      if (c.hasNonNull("usage")) {
        usage = c.get("usage");
      }
    }
    assertThat(text.toString()).isEqualTo("Olá mundo");
    assertThat(usage.path("total_tokens").asInt()).isEqualTo(39);
    assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
    assertThat(r.metadata(NS, "model_name").getStringValue()).isEqualTo(BEDROCK_MODEL);
  }

  @Test
  void openAiClientGetsAnErrorChunkWhenTheStreamFailsMidway() throws Exception {
    List<String> events = new ArrayList<>(FakeAnthropic.text("claude-x", "Hel", "lo", 3, 0, 2).events().subList(0, 4));
    events.add("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");
    JsonNode err = openAiStreamError(events);
    assertThat(err.path("type").asText()).as("OpenAI's type for Anthropic's 529").isEqualTo("server_error");
    assertThat(err.path("code").asText()).as("Anthropic's type stays as the code").isEqualTo("overloaded_error");
    assertThat(err.path("message").asText()).isEqualTo("Overloaded");
  }

  @Test
  void streamsCutShortEndWithAnErrorInTheClientsFormat() throws Exception {
    List<String> events = FakeAnthropic.text("claude-x", "Hel", "lo", 3, 0, 2).events().subList(0, 4);
    JsonNode err = openAiStreamError(events);
    assertThat(err.path("type").asText()).isEqualTo("server_error");
    assertThat(err.path("message").asText()).contains("ended the stream before the answer was complete");

    // an Anthropic client gets what came, then an error event
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/messages",
        "{\"model\":\"claude-x\",\"max_tokens\":10,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"));
    List<SseDecoder.Event> got = new SseDecoder().feed(r.body());
    assertThat(got).hasSize(events.size() + 1);
    assertThat(got.get(events.size()).event()).isEqualTo("error");
    assertThat(JSON.readTree(got.get(events.size()).data()).path("error").path("type").asText()).isEqualTo("api_error");
    assertThat(r.metadataNumber(NS, "in")).isEqualTo(3);
  }

  @Test
  void anAnthropicStreamCutInTheMiddleOfAnEventEndsWithTheEventsThatCameWholeThenAnError() throws Exception {
    List<String> events = FakeAnthropic.text("claude-x", "Hel", "lo", 3, 0, 2).events();
    List<byte[]> pieces = new ArrayList<>(FakeAnthropic.sse(events.subList(0, 4)));
    byte[] next = FakeAnthropic.sse(events.subList(4, 5)).get(0);
    pieces.add(java.util.Arrays.copyOf(next, next.length / 2)); // the connection drops here
    upstream.handler(req -> Answer.stream("text/event-stream", pieces));
    envoy.splitResponseChunks(new RandomSplitter(13, 9));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/messages",
        "{\"model\":\"claude-x\",\"max_tokens\":10,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"));
    List<SseDecoder.Event> got = new SseDecoder().feed(r.body());
    // the four whole events as they came, not the half of the fifth (it would run into the error)
    assertThat(got).hasSize(5);
    for (int i = 0; i < 4; i++) {
      assertThat(got.get(i).data()).isEqualTo(events.get(i));
    }
    assertThat(got.get(4).event()).isEqualTo("error");
    assertThat(JSON.readTree(got.get(4).data()).path("error").path("message").asText())
        .isEqualTo("the upstream ended the stream before the answer was complete");
  }

  @Test
  void openAiClientGetsNullContentForAnAnswerOfToolCallsAlone() throws Exception {
    upstream.handler(req -> Answer.json(200, """
        {"id":"msg_t","type":"message","role":"assistant","model":"claude-x","stop_reason":"tool_use",
         "content":[{"type":"tool_use","id":"toolu_1","name":"f","input":{"a":1}}],
         "usage":{"input_tokens":4,"output_tokens":2}}"""));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
        "{\"model\":\"claude-x\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
    JsonNode message = JSON.readTree(r.body()).path("choices").get(0).path("message");
    assertThat(message.has("content")).isTrue();
    assertThat(message.path("content").isNull()).isTrue();
    assertThat(message.path("tool_calls").get(0).path("function").path("arguments").asText()).isEqualTo("{\"a\":1}");
  }

  @Test
  void openAiClientGetsAnthropicErrorsInOpenAiFormatWithTheUpstreamStatus() throws Exception {
    String chat = "{\"model\":\"claude-x\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    JsonNode err = upstreamError(FakeAnthropic.anthropicError(429, "rate_limit_error",
        "Number of request tokens has exceeded your per-minute rate limit"), "/v1/chat/completions", chat).path("error");
    assertThat(err.path("type").asText()).isEqualTo("rate_limit_error");
    assertThat(err.path("message").asText()).isEqualTo("Number of request tokens has exceeded your per-minute rate limit");

    // Anthropic's own types are not OpenAI's: the status gives the type, Anthropic's is the code
    err = upstreamError(FakeAnthropic.anthropicError(529, "overloaded_error", "Overloaded"), "/v1/chat/completions",
        chat).path("error");
    assertThat(err.path("type").asText()).isEqualTo("server_error");
    assertThat(err.path("code").asText()).isEqualTo("overloaded_error");
    assertThat(err.path("message").asText()).isEqualTo("Overloaded");

    // Vertex's own (Google) error shape, from a streaming request
    err = upstreamError(Answer.json(403, "{\"error\":{\"code\":403,\"message\":\"Permission denied on resource "
        + "project my-project.\",\"status\":\"PERMISSION_DENIED\"}}"), "/v1/chat/completions",
        "{\"model\":\"claude-vertex\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}").path("error");
    assertThat(err.path("type").asText()).isEqualTo("permission_error");
    assertThat(err.path("message").asText()).isEqualTo("Permission denied on resource project my-project.");
  }

  @Test
  void requestsAnthropicCannotExpressAre400InOpenAiFormat() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
        "{\"model\":\"claude-x\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
    assertThat(r.localReply()).isTrue();
    assertThat(r.status()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).path("error").path("message").asText()).contains("n=2");
    r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
        "{\"model\":\"claude-x\",\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"a\",\"type\":\"function\","
            + "\"function\":{\"name\":\"f\",\"arguments\":\"not json\"}}]}]}"));
    assertThat(r.status()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).path("error").path("message").asText()).contains("messages[0].tool_calls[0]");
    assertThat(upstream.received()).isEmpty();
  }

  // ---------------------------------------------------------------- Anthropic clients

  @Test
  void anthropicClientWholeAnswerPassesThroughUntouched() throws Exception {
    FakeAnthropic.Script script = FakeAnthropic.text("claude-sonnet-4-5", "Hi", "!", 12, 30, 6);
    upstream.handler(FakeAnthropic.handler(KEY, script));
    String request = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,  \"messages\":[{\"role\":\"user\",\"content\":\"Hello, Claude\"}],"
        + "\"top_k\":5,\"thinking\":{\"type\":\"disabled\"}}";
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/messages", request,
        "x-api-key", "client-gateway-key", "anthropic-version", "2023-06-01", "anthropic-beta", "prompt-caching-2024-07-31"));
    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    FakeUpstream.Received got = upstream.last();
    assertThat(got.bodyText()).as("body untouched, spacing included").isEqualTo(request);
    assertThat(got.header("x-api-key")).isEqualTo(KEY);
    assertThat(got.header("anthropic-beta")).isEqualTo("prompt-caching-2024-07-31");
    assertThat(r.bodyText()).isEqualTo(script.message());
    assertTokens(r, 42, 30, 6);
  }

  @ParameterizedTest(name = "seed {0}")
  @CsvSource({"21,1", "22,9", "23,200"})
  void anthropicClientStreamPassesThroughAndIsCounted(long seed, int maxPiece) throws Exception {
    FakeAnthropic.Script script = FakeAnthropic.text("claude-sonnet-4-5", "Hi", " you", 9, 0, 4);
    upstream.handler(FakeAnthropic.handler(KEY, script));
    envoy.splitResponseChunks(new RandomSplitter(seed, maxPiece));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/messages?beta=true",
        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
        "anthropic-version", "2023-06-01"));
    assertThat(upstream.last().path()).isEqualTo("/v1/messages?beta=true");
    assertThat(r.headers().get("content-type")).startsWith("text/event-stream");
    assertThat(r.bodyText()).isEqualTo(new String(concat(FakeAnthropic.sse(script.events())), StandardCharsets.UTF_8));
    assertTokens(r, 9, 0, 4);
  }

  @ParameterizedTest(name = "seed {0}, pieces up to {1} bytes")
  @CsvSource({"31,1", "32,2", "33,13", "34,101", "35,1"})
  void anthropicClientToBedrockStreamGetsEventStreamFramesBackAsSse(long seed, int maxPiece) throws Exception {
    FakeAnthropic.Script script = FakeAnthropic.toolUse(BEDROCK_MODEL, "toolu_bdrk", "lookup", "{\"q\":\"tollgate\"}", 17, 23);
    upstream.handler(FakeAnthropic.handler(null, script));
    envoy.splitResponseChunks(new RandomSplitter(seed, maxPiece));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/messages",
        "{\"model\":\"claude-bedrock\",\"max_tokens\":300,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Look it up\"}]}",
        "x-api-key", "client-gateway-key", "anthropic-version", "2023-06-01", "anthropic-beta", "a-beta,b-beta"));

    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    FakeUpstream.Received got = upstream.last();
    assertThat(got.path()).isEqualTo("/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke-with-response-stream");
    assertThat(got.header("x-api-key")).isNull();
    assertThat(got.header("anthropic-version")).isNull();
    assertThat(got.header("accept")).isEqualTo("application/vnd.amazon.eventstream");
    JsonNode body = JSON.readTree(got.body());
    assertThat(body.fieldNames().next()).isEqualTo("anthropic_version");
    assertThat(body.path("anthropic_version").asText()).isEqualTo("bedrock-2023-05-31");
    assertThat(body.has("model")).isFalse();
    assertThat(body.has("stream")).isFalse();
    assertThat(body.path("anthropic_beta").toString()).isEqualTo("[\"a-beta\",\"b-beta\"]");
    assertThat(r.headers().get("content-type")).isEqualTo("text/event-stream");
    assertThat(r.headers()).doesNotContainKey("content-length");
    List<SseDecoder.Event> events = new SseDecoder().feed(r.body());
    assertThat(events).hasSize(script.events().size());
    for (int i = 0; i < events.size(); i++) {
      JsonNode expected = JSON.readTree(script.events().get(i));
      assertThat(events.get(i).event()).isEqualTo(expected.path("type").asText());
      assertThat(JSON.readTree(events.get(i).data())).isEqualTo(expected);
    }
    assertTokens(r, 17, 0, 23);
    assertThat(r.metadata(NS, "model_name").getStringValue()).isEqualTo(BEDROCK_MODEL);
  }

  @Test
  void bedrockExceptionFrameMidStreamBecomesAnAnthropicErrorEvent() throws Exception {
    List<String> first = FakeAnthropic.text("m", "a", "b", 5, 0, 1).events().subList(0, 3);
    List<byte[]> frames = new ArrayList<>(FakeAnthropic.eventStream(first));
    frames.add(FakeAnthropic.exceptionFrame("throttlingException", "Too many tokens, please wait before trying again."));
    upstream.handler(req -> Answer.stream("application/vnd.amazon.eventstream", frames));
    envoy.splitResponseChunks(new RandomSplitter(7, 3));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/messages",
        "{\"model\":\"claude-bedrock\",\"max_tokens\":10,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"));
    List<SseDecoder.Event> events = new SseDecoder().feed(r.body());
    assertThat(events).hasSize(4);
    SseDecoder.Event last = events.get(3);
    assertThat(last.event()).isEqualTo("error");
    JsonNode err = JSON.readTree(last.data()).path("error");
    assertThat(err.path("type").asText()).isEqualTo("rate_limit_error");
    assertThat(err.path("message").asText()).contains("Too many tokens");
    assertThat(r.metadataNumber(NS, "in")).isEqualTo(5);
  }

  @Test
  void anthropicClientToBedrockWholeAnswer() throws Exception {
    FakeAnthropic.Script script = FakeAnthropic.text(BEDROCK_MODEL, "Hi", "!", 8, 0, 3);
    upstream.handler(FakeAnthropic.handler(null, script));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/messages",
        "{\"model\":\"claude-bedrock\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(upstream.last().path()).isEqualTo("/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke");
    assertThat(r.bodyText()).isEqualTo(script.message());
    assertTokens(r, 8, 0, 3);
  }

  @Test
  void gcpPathAndBodyForWholeAndStreamedRequests() throws Exception {
    FakeAnthropic.Script script = FakeAnthropic.text(VERTEX_MODEL, "Bonjour", "!", 14, 0, 5);
    upstream.handler(FakeAnthropic.handler(null, script));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/messages",
        "{\"model\":\"claude-vertex\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"Salut\"}]}",
        "x-api-key", "client-gateway-key", "anthropic-beta", "token-efficient-tools-2025-02-19"));
    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    FakeUpstream.Received got = upstream.last();
    assertThat(got.path()).isEqualTo(
        "/v1/projects/my-project/locations/us-east5/publishers/anthropic/models/claude-3-5-haiku@20241022:rawPredict");
    assertThat(got.header("x-api-key")).isNull();
    JsonNode body = JSON.readTree(got.body());
    assertThat(body.path("anthropic_version").asText()).isEqualTo("vertex-2023-10-16");
    assertThat(body.has("model")).isFalse();
    assertThat(body.path("anthropic_beta").get(0).asText()).isEqualTo("token-efficient-tools-2025-02-19");
    assertThat(r.bodyText()).isEqualTo(script.message());
    assertTokens(r, 14, 0, 5);

    // an OpenAI client streaming to Vertex: :streamRawPredict, SSE back as chat chunks
    envoy.splitResponseChunks(new RandomSplitter(41, 4));
    r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
        "{\"model\":\"claude-vertex\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Salut\"}]}"));
    got = upstream.last();
    assertThat(got.path()).endsWith("/models/claude-3-5-haiku@20241022:streamRawPredict");
    assertThat(JSON.readTree(got.body()).path("stream").asBoolean()).isTrue();
    StringBuilder text = new StringBuilder();
    List<String> data = dataLines(r.body());
    for (String d : data.subList(0, data.size() - 1)) {
      text.append(JSON.readTree(d).path("choices").get(0).path("delta").path("content").asText(""));
    }
    assertThat(text.toString()).isEqualTo("Bonjour!");
    assertTokens(r, 14, 0, 5);
  }

  @Test
  void gcpBackendWithoutProjectStopsTheConfigLoadNamingTheField(@TempDir Path other) {
    assertTheConfigLoadFails(other, """
        rules:
          - backends: [{name: vertex-broken}]
        backends:
          - name: anthropic
            schema: {name: Anthropic}
          - name: vertex-broken
            schema: {name: GCPAnthropic}
            provider: {region: us-east5}
        """, "backends[1].provider.project", "is required");
  }

  @Test
  void gcpBackendWithAMisspelledSettingStopsTheConfigLoad(@TempDir Path other) {
    assertTheConfigLoadFails(other, """
        rules:
          - backends: [{name: vertex}]
        backends:
          - name: vertex
            schema: {name: GCPAnthropic}
            provider: {project: p, region: us-east5, regoin: europe-west1}
        """, "backends[0].provider.regoin");
  }

  private static void assertTheConfigLoadFails(Path dir, String config, String... messageParts) {
    assertThatThrownBy(() -> TollgateHarness.startFromClasspath(dir, config).close())
        .isInstanceOf(ConfigException.class).hasMessageContainingAll(messageParts);
  }

  @Test
  void anthropicClientErrorsPassThroughOrAreWrapped() throws Exception {
    JsonNode root = upstreamError(FakeAnthropic.anthropicError(529, "overloaded_error", "Overloaded"), "/v1/messages",
        "{\"model\":\"claude-x\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    assertThat(JSON.writeValueAsString(root))
        .isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");

    // Bedrock's own validation error shape
    root = upstreamError(new Answer(400, Map.of("content-type", "application/json"),
            List.of("{\"message\":\"Malformed input request: #: extraneous key [foo] is not permitted\"}".getBytes(StandardCharsets.UTF_8))),
        "/v1/messages", "{\"model\":\"claude-bedrock\",\"max_tokens\":10,\"foo\":1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    assertThat(root.path("type").asText()).isEqualTo("error");
    assertThat(root.path("error").path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(root.path("error").path("message").asText()).contains("extraneous key [foo]");

    // plain text from a proxy in between
    root = upstreamError(new Answer(502, Map.of("content-type", "text/html"),
            List.of("<html>Bad Gateway</html>".getBytes(StandardCharsets.UTF_8))),
        "/v1/messages", "{\"model\":\"claude-x\",\"max_tokens\":10,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    assertThat(root.path("error").path("type").asText()).isEqualTo("api_error");
    assertThat(root.path("error").path("message").asText()).contains("Bad Gateway");
  }

  /**
   * The client's error body when the upstream answers {@code error}: the upstream's status, not a
   * local reply, as JSON.
   */
  private JsonNode upstreamError(Answer error, String path, String body) throws Exception {
    upstream.handler(req -> error);
    ProxyResponse r = envoy.send(HttpExchange.postJson(path, body));
    assertThat(r.status()).as(r.bodyText()).isEqualTo(error.status());
    assertThat(r.localReply()).isFalse();
    assertThat(r.headers().get("content-type")).isEqualTo("application/json");
    return JSON.readTree(r.body());
  }

  /** The error that ends the chat chunk stream an OpenAI client gets for these upstream events; [DONE] follows it. */
  private JsonNode openAiStreamError(List<String> events) throws Exception {
    upstream.handler(req -> Answer.stream("text/event-stream", FakeAnthropic.sse(events)));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
        "{\"model\":\"claude-x\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
    List<String> data = dataLines(r.body());
    assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
    return JSON.readTree(data.get(data.size() - 2)).path("error");
  }

  /** The token costs sent to Envoy: input (cache reads and writes included), cached input, output and their total. */
  private static void assertTokens(ProxyResponse r, double in, double cached, double out) {
    assertThat(new double[] {r.metadataNumber(NS, "in"), r.metadataNumber(NS, "cached"), r.metadataNumber(NS, "out"),
        r.metadataNumber(NS, "total")}).containsExactly(in, cached, out, in + out);
  }

  private static List<String> dataLines(byte[] body) {
    List<String> out = new ArrayList<>();
    for (SseDecoder.Event e : new SseDecoder().feed(body)) {
      out.add(e.data());
    }
    return out;
  }

  private static byte[] concat(List<byte[]> pieces) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    pieces.forEach(out::writeBytes);
    return out.toByteArray();
  }
}
