package dev.tollgate.plugins.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.toolkit.SseDecoder;
import dev.tollgate.testkit.EnvoyLikeClient;
import dev.tollgate.testkit.FakeBedrock;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.FakeUpstream.Answer;
import dev.tollgate.testkit.FakeUpstream.Received;
import dev.tollgate.testkit.HttpExchange;
import dev.tollgate.testkit.ProxyResponse;
import dev.tollgate.testkit.RandomSplitter;
import dev.tollgate.testkit.TollgateHarness;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.core.document.Document;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;

/**
 * OpenAI clients through Tollgate (ext_proc, played as Envoy does) to a fake Bedrock Runtime that
 * checks every request's SigV4 signature with the AWS SDK and reads every body with the SDK's
 * Converse model. The aws-auth and token-costs plugins come from the test class path.
 */
class BedrockEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NS = "io.envoy.ai_gateway";
  static final String HOST = "bedrock-runtime.eu-west-1.amazonaws.com";
  static final String AK = "AKIDEXAMPLE";
  static final String SK = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  static final String TOKEN = "session-token-example";
  static final String MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0";

  @TempDir
  Path dir;
  FakeUpstream bedrock;
  TollgateHarness gateway;
  EnvoyLikeClient envoy;
  final List<Object> sdkParsed = new CopyOnWriteArrayList<>();
  volatile Function<Received, Answer> answers = r -> FakeBedrock.error(500, "InternalServerException", "no answer set");

  @BeforeEach
  void start() throws Exception {
    SigV4Verifier verifier = new SigV4Verifier(HOST, "eu-west-1", "bedrock", AK, SK, TOKEN);
    bedrock = new FakeUpstream(r -> {
      try {
        return FakeBedrock.handler(verifier, this::answer).apply(r);
      } catch (Error e) { // the fake upstream reports runtime exceptions as 500s; make errors visible too
        throw new IllegalStateException(e);
      }
    });
    gateway = TollgateHarness.startFromClasspath(dir, """
        costs:
          - {metadataKey: llm_input_token, type: InputToken}
          - {metadataKey: llm_output_token, type: OutputToken}
          - {metadataKey: llm_total_token, type: TotalToken}
          - {metadataKey: llm_cached_input_token, type: CachedInputToken}
        rules:
          - name: renamed
            headers:
              - {name: x-ai-eg-model, type: Exact, value: house-model}
            backends: [{name: bedrock-renamed}]
          - backends: [{name: bedrock}]
        backends:
          - name: bedrock
            schema: {name: AWSBedrock}
            auth: {type: AWSCredentials, region: eu-west-1, accessKeyId: %s, secretAccessKey: %s, sessionToken: %s}
          - name: bedrock-renamed
            schema: {name: AWSBedrock}
            modelNameOverride: amazon.nova-micro-v1:0
            auth: {type: AWSCredentials, region: eu-west-1, accessKeyId: %s, secretAccessKey: %s, sessionToken: %s}
        """.formatted(AK, SK, TOKEN, AK, SK, TOKEN));
    envoy = gateway.envoy(Map.of("bedrock", bedrock.uri(), "bedrock-renamed", bedrock.uri()));
  }

  private Answer answer(Received r) {
    try {
      if (r.path().endsWith("/converse")) {
        sdkParsed.add(SdkConverseModel.converse(r.body()));
      } else if (r.path().endsWith("/converse-stream")) {
        sdkParsed.add(SdkConverseModel.converseStream(r.body()));
      }
    } catch (IllegalArgumentException e) {
      return FakeBedrock.error(400, "ValidationException", e.getMessage());
    }
    return answers.apply(r);
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    bedrock.close();
  }

  @Test
  void toolCallRoundTripNonStreaming() throws Exception {
    // turn 1: the model asks for a tool
    answers = r -> FakeBedrock.converse("""
        {"output":{"message":{"role":"assistant","content":[
           {"text":"Let me check."},
           {"toolUse":{"toolUseId":"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q","name":"get_weather","input":{"city":"Paris","unit":"c"}}}]}},
         "stopReason":"tool_use",
         "usage":{"inputTokens":120,"outputTokens":30,"totalTokens":150},
         "metrics":{"latencyMs":321}}
        """);
    String tools = """
        "tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather",
          "parameters":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string"}},"required":["city"]}}}],
        "tool_choice":"auto"
        """;
    ProxyResponse first = envoy.send(HttpExchange.postJson("/v1/chat/completions", """
        {"model":"%s","messages":[
          {"role":"system","content":"You are terse."},
          {"role":"user","content":"Weather in Paris?"}],
         "max_tokens":200,"temperature":0.2,%s}
        """.formatted(MODEL, tools)));
    assertThat(first.status()).isEqualTo(200);
    assertThat(bedrock.last().path()).isEqualTo("/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse");
    assertThat(first.headers()).doesNotContainKey("content-length");
    JsonNode c1 = JSON.readTree(first.body());
    assertThat(c1.path("object").asText()).isEqualTo("chat.completion");
    assertThat(c1.path("id").asText()).startsWith("chatcmpl-");
    assertThat(c1.path("model").asText()).isEqualTo(MODEL);
    assertThat(c1.path("created").asLong()).isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(60L));
    JsonNode choice = c1.path("choices").get(0);
    assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(choice.path("message").path("content").asText()).isEqualTo("Let me check.");
    JsonNode call = choice.path("message").path("tool_calls").get(0);
    assertThat(call.path("id").asText()).isEqualTo("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q");
    assertThat(call.path("type").asText()).isEqualTo("function");
    assertThat(call.path("function").path("name").asText()).isEqualTo("get_weather");
    assertThat(JSON.readTree(call.path("function").path("arguments").asText()))
        .isEqualTo(JSON.readTree("{\"city\":\"Paris\",\"unit\":\"c\"}"));
    assertThat(c1.path("usage").path("prompt_tokens").asInt()).isEqualTo(120);
    assertThat(c1.path("usage").path("completion_tokens").asInt()).isEqualTo(30);
    assertThat(first.metadataNumber(NS, "llm_total_token")).isEqualTo(150);

    ConverseRequest sent1 = (ConverseRequest) sdkParsed.get(0);
    assertThat(sent1.system().get(0).text()).isEqualTo("You are terse.");
    assertThat(sent1.messages()).hasSize(1);
    assertThat(sent1.inferenceConfig().maxTokens()).isEqualTo(200);
    assertThat(sent1.inferenceConfig().temperature()).isEqualTo(0.2f);
    assertThat(sent1.toolConfig().tools().get(0).toolSpec().name()).isEqualTo("get_weather");
    assertThat(sent1.toolConfig().tools().get(0).toolSpec().inputSchema().json().asMap().get("required"))
        .isEqualTo(Document.fromList(List.of(Document.fromString("city"))));
    assertThat(sent1.toolConfig().toolChoice().auto()).isNotNull();

    // turn 2: the client sends the call and its result back
    answers = r -> FakeBedrock.converseText("It is 18°C in Paris.", "end_turn", 170, 9);
    ObjectNode assistant = (ObjectNode) choice.path("message");
    String second = """
        {"model":"%s","messages":[
          {"role":"system","content":"You are terse."},
          {"role":"user","content":"Weather in Paris?"},
          %s,
          {"role":"tool","tool_call_id":"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q","content":"{\\"temp\\":18}"}],
         %s}
        """.formatted(MODEL, assistant, tools);
    ProxyResponse r2 = envoy.send(HttpExchange.postJson("/v1/chat/completions", second));
    assertThat(r2.status()).isEqualTo(200);
    JsonNode c2 = JSON.readTree(r2.body());
    assertThat(c2.path("choices").get(0).path("message").path("content").asText()).isEqualTo("It is 18°C in Paris.");
    assertThat(c2.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
    assertThat(c2.path("choices").get(0).path("message").has("tool_calls")).isFalse();

    ConverseRequest sent2 = (ConverseRequest) sdkParsed.get(1);
    assertThat(sent2.messages()).extracting(m -> m.role()).containsExactly(ConversationRole.USER,
        ConversationRole.ASSISTANT, ConversationRole.USER);
    List<ContentBlock> asked = sent2.messages().get(1).content();
    assertThat(asked.get(0).text()).isEqualTo("Let me check.");
    assertThat(asked.get(1).toolUse().toolUseId()).isEqualTo("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q");
    assertThat(asked.get(1).toolUse().input().asMap().get("city").asString()).isEqualTo("Paris");
    ContentBlock result = sent2.messages().get(2).content().get(0);
    assertThat(result.toolResult().toolUseId()).isEqualTo("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q");
    assertThat(result.toolResult().content().get(0).text()).isEqualTo("{\"temp\":18}");
  }

  @Test
  void imagesAndStopSequencesReachBedrockInItsOwnShape() throws Exception {
    answers = r -> FakeBedrock.converseText("A red dot.", "stop_sequence", 50, 4);
    String png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", """
        {"model":"%s","messages":[{"role":"user","content":[
          {"type":"text","text":"What is this?"},
          {"type":"image_url","image_url":{"url":"data:image/png;base64,%s"}}]}],
         "stop":["END"],"top_p":0.9,"max_completion_tokens":64}
        """.formatted(MODEL, png)));
    assertThat(r.status()).isEqualTo(200);
    assertThat(JSON.readTree(r.body()).path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
    ConverseRequest sent = (ConverseRequest) sdkParsed.get(0);
    ContentBlock image = sent.messages().get(0).content().get(1);
    assertThat(image.image().formatAsString()).isEqualTo("png");
    assertThat(image.image().source().bytes().asByteArray()).isEqualTo(java.util.Base64.getDecoder().decode(png));
    assertThat(sent.inferenceConfig().stopSequences()).containsExactly("END");
    assertThat(sent.inferenceConfig().topP()).isEqualTo(0.9f);
    assertThat(sent.inferenceConfig().maxTokens()).isEqualTo(64);
  }

  @Test
  void anImageByUrlIsRefusedWithoutCallingBedrock() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", """
        {"model":"%s","messages":[{"role":"user","content":[
          {"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]}
        """.formatted(MODEL)));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.localReply()).isTrue();
    assertThat(JSON.readTree(r.body()).path("error").path("message").asText())
        .contains("messages[0].content[0]").contains("data: URL");
    assertThat(bedrock.received()).isEmpty();
  }

  @ParameterizedTest(name = "seed {0}, pieces of at most {1} bytes")
  @CsvSource({"1, 1", "2, 3", "3, 17", "4, 64", "5, 1000", "42, 2"})
  void streamedTextAndToolCallsSurviveAnySplit(long seed, int maxPiece) throws Exception {
    List<byte[]> frames = new ArrayList<>();
    frames.add(FakeBedrock.event("messageStart", JSON.createObjectNode().put("role", "assistant")));
    frames.add(delta(0, "{\"text\":\"Checking \"}"));
    frames.add(delta(0, "{\"text\":\"the weather…\"}"));
    frames.add(FakeBedrock.event("contentBlockStop", JSON.createObjectNode().put("contentBlockIndex", 0)));
    frames.add(FakeBedrock.event("contentBlockStart", (ObjectNode) JSON.readTree(
        "{\"contentBlockIndex\":1,\"start\":{\"toolUse\":{\"toolUseId\":\"tooluse_1\",\"name\":\"get_weather\"}}}")));
    frames.add(delta(1, "{\"toolUse\":{\"input\":\"{\\\"city\\\": \"}}"));
    frames.add(delta(1, "{\"toolUse\":{\"input\":\"\\\"Paris\\\"}\"}}"));
    frames.add(FakeBedrock.event("contentBlockStop", JSON.createObjectNode().put("contentBlockIndex", 1)));
    frames.add(FakeBedrock.event("messageStop", JSON.createObjectNode().put("stopReason", "tool_use")));
    frames.add(FakeBedrock.metadata(40, 22, 8));
    // the whole stream in one upstream piece, re-split at random bytes on its way to ext_proc
    answers = r -> FakeBedrock.stream(List.of(FakeBedrock.concat(frames)));
    envoy.splitResponseChunks(new RandomSplitter(seed, maxPiece));

    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", """
        {"model":"%s","stream":true,"stream_options":{"include_usage":true},
         "messages":[{"role":"user","content":"Weather in Paris?"}],
         "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}],
         "tool_choice":"required"}
        """.formatted(MODEL)));

    assertThat(r.status()).isEqualTo(200);
    assertThat(bedrock.last().path()).isEqualTo("/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse-stream");
    assertThat(((ConverseStreamRequest) sdkParsed.get(0)).toolConfig().toolChoice().any()).isNotNull();
    assertThat(r.headers().get("content-type")).isEqualTo("text/event-stream");
    assertThat(r.headers()).doesNotContainKey("content-length");
    List<SseDecoder.Event> events = new SseDecoder().feed(r.body());
    assertThat(events.get(events.size() - 1).data()).isEqualTo("[DONE]");
    StringBuilder text = new StringBuilder();
    StringBuilder args = new StringBuilder();
    String finish = null;
    JsonNode usage = null;
    String toolId = null;
    String toolName = null;
    for (SseDecoder.Event e : events.subList(0, events.size() - 1)) {
      JsonNode c = JSON.readTree(e.data());
      assertThat(c.path("object").asText()).isEqualTo("chat.completion.chunk");
      assertThat(c.path("model").asText()).isEqualTo(MODEL);
      if (c.hasNonNull("usage")) {
        usage = c.get("usage");
        assertThat(c.path("choices")).isEmpty();
        continue;
      }
      JsonNode ch = c.path("choices").get(0);
      JsonNode d = ch.path("delta");
      text.append(d.path("content").asText(""));
      for (JsonNode call : d.path("tool_calls")) {
        assertThat(call.path("index").asInt()).isEqualTo(0);
        if (call.has("id")) {
          toolId = call.get("id").asText();
          toolName = call.path("function").path("name").asText();
        }
        args.append(call.path("function").path("arguments").asText(""));
      }
      if (!ch.path("finish_reason").isNull()) {
        finish = ch.path("finish_reason").asText();
      }
    }
    assertThat(text.toString()).isEqualTo("Checking the weather…");
    assertThat(toolId).isEqualTo("tooluse_1");
    assertThat(toolName).isEqualTo("get_weather");
    assertThat(JSON.readTree(args.toString())).isEqualTo(JSON.readTree("{\"city\":\"Paris\"}"));
    assertThat(finish).isEqualTo("tool_calls");
    assertThat(usage).isNotNull();
    assertThat(usage.path("prompt_tokens").asInt()).isEqualTo(48);
    assertThat(usage.path("completion_tokens").asInt()).isEqualTo(22);
    assertThat(usage.path("total_tokens").asInt()).isEqualTo(70);
    assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asInt()).isEqualTo(8);
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(48);
    assertThat(r.metadataNumber(NS, "llm_output_token")).isEqualTo(22);
    assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(70);
    assertThat(r.metadataNumber(NS, "llm_cached_input_token")).isEqualTo(8);
  }

  @Test
  void streamWithoutIncludeUsageStillCountsCostsButSendsNoUsageChunk() throws Exception {
    answers = r -> FakeBedrock.stream(FakeBedrock.textStream(List.of("Hel", "lo"), "max_tokens", 12, 2));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", """
        {"model":"%s","stream":true,"messages":[{"role":"user","content":"Hi"}]}
        """.formatted(MODEL)));
    String body = r.bodyText();
    assertThat(body).doesNotContain("\"usage\"").endsWith("data: [DONE]\n\n");
    assertThat(body).contains("\"finish_reason\":\"length\"");
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(12);
    assertThat(r.metadataNumber(NS, "llm_output_token")).isEqualTo(2);
  }

  @Test
  void anExceptionEventBecomesAnErrorChunkThenDone() throws Exception {
    List<byte[]> frames = new ArrayList<>(FakeBedrock.textStream(List.of("Hi"), "end_turn", 1, 1).subList(0, 2));
    frames.add(FakeBedrock.exception("throttlingException", "Too many requests, please wait before trying again."));
    answers = r -> FakeBedrock.stream(frames);
    envoy.splitResponseChunks(new RandomSplitter(7, 5));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", """
        {"model":"%s","stream":true,"messages":[{"role":"user","content":"Hi"}]}
        """.formatted(MODEL)));
    List<SseDecoder.Event> events = new SseDecoder().feed(r.body());
    assertThat(events).hasSize(4);
    assertThat(JSON.readTree(events.get(1).data()).path("choices").get(0).path("delta").path("content").asText())
        .isEqualTo("Hi");
    JsonNode err = JSON.readTree(events.get(2).data()).path("error");
    assertThat(err.path("message").asText()).isEqualTo("Too many requests, please wait before trying again.");
    assertThat(err.path("type").asText()).isEqualTo("rate_limit_error");
    assertThat(err.path("code").asText()).isEqualTo("throttlingException");
    assertThat(events.get(3).data()).isEqualTo("[DONE]");
  }

  @Test
  void aStreamCutShortEndsWithAnErrorChunkThenDone() throws Exception {
    // the connection drops after the text, before messageStop and metadata
    List<byte[]> frames = FakeBedrock.textStream(List.of("Hel", "lo"), "end_turn", 3, 2);
    List<byte[]> cut = frames.subList(0, frames.size() - 2);
    answers = r -> FakeBedrock.stream(cut);
    envoy.splitResponseChunks(new RandomSplitter(11, 7));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", """
        {"model":"%s","stream":true,"messages":[{"role":"user","content":"Hi"}]}
        """.formatted(MODEL)));
    List<SseDecoder.Event> events = new SseDecoder().feed(r.body());
    assertThat(r.bodyText()).doesNotContain("\"finish_reason\":\"stop\"");
    assertThat(events.get(events.size() - 1).data()).isEqualTo("[DONE]");
    JsonNode err = JSON.readTree(events.get(events.size() - 2).data()).path("error");
    assertThat(err.path("code").asText()).isEqualTo("stream_cut_short");
    assertThat(err.path("type").asText()).isEqualTo("server_error");
    assertThat(err.path("message").asText()).isEqualTo("AWS Bedrock's stream ended before the answer was complete");
  }

  /** AWS error answers are read by the platform: the message from the body, the x-amzn-errortype as the code. */
  @ParameterizedTest(name = "{0} {1}, stream {3}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      400 | ValidationException   | The provided model identifier is invalid.                       | false | invalid_request_error
      403 | AccessDeniedException | You don't have access to the model with the specified model ID. | false | permission_error
      429 | ThrottlingException   | Rate exceeded                                                   | true  | rate_limit_error
      """)
  void upstreamErrorsKeepTheirStatusInOpenAiShape(int status, String awsType, String message, boolean stream,
                                                  String type) throws Exception {
    answers = r -> FakeBedrock.error(status, awsType, message);
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", """
        {"model":"%s","stream":%s,"messages":[{"role":"user","content":"Hi"}]}
        """.formatted(MODEL, stream)));
    assertThat(r.status()).isEqualTo(status);
    assertThat(r.localReply()).isFalse();
    assertThat(r.headers().get("content-type")).isEqualTo("application/json");
    assertThat(JSON.readTree(r.body())).isEqualTo(JSON.createObjectNode().set("error", JSON.createObjectNode()
        .put("message", message).put("type", type).putNull("param").put("code", awsType)));
  }

  @Test
  void aPlainTextErrorFromAProxyInFrontKeepsItsText() throws Exception {
    answers = r -> new Answer(502, Map.of("content-type", "text/plain"),
        List.of("Bad Gateway".getBytes(StandardCharsets.UTF_8)));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/embeddings",
        "{\"model\":\"amazon.titan-embed-text-v2:0\",\"input\":\"hi\"}"));
    assertThat(r.status()).isEqualTo(502);
    JsonNode err = JSON.readTree(r.body()).path("error");
    assertThat(err.path("message").asText()).contains("Bad Gateway");
    assertThat(err.path("type").asText()).isEqualTo("server_error");
    assertThat(err.path("code").asText()).isEqualTo("502");
  }

  @Test
  void aStreamRequestAnsweredWithPlainJsonIsA502() throws Exception {
    answers = r -> FakeBedrock.converseText("not a stream", "end_turn", 1, 1);
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", """
        {"model":"%s","stream":true,"messages":[{"role":"user","content":"Hi"}]}
        """.formatted(MODEL)));
    assertThat(r.status()).isEqualTo(502);
    assertThat(r.headers().get("content-type")).isEqualTo("application/json");
    assertThat(JSON.readTree(r.body()).path("error").path("type").asText()).isEqualTo("server_error");
    assertThat(r.bodyText()).doesNotContain("not a stream");
  }

  @Test
  void everyRequestIsSignedForTheAwsHostAndABrokenSignatureIsRefused() throws Exception {
    answers = r -> FakeBedrock.converseText("ok", "end_turn", 1, 1);
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", """
        {"model":"%s","messages":[{"role":"user","content":"Hi"}]}
        """.formatted(MODEL)));
    assertThat(r.status()).isEqualTo(200); // the fake verified the signature
    Received got = bedrock.last();
    assertThat(got.header("authorization")).startsWith("AWS4-HMAC-SHA256 Credential=" + AK + "/")
        .contains("/eu-west-1/bedrock/aws4_request").contains("SignedHeaders=content-type;host;");
    assertThat(got.header("x-amz-security-token")).isEqualTo(TOKEN);
    assertThat(got.header("x-amz-content-sha256")).hasSize(64);

    SigV4Verifier verifier = new SigV4Verifier(HOST, "eu-west-1", "bedrock", AK, SK, TOKEN);
    assertThat(verifier.problem(got)).isNull();
    byte[] tampered = got.bodyText().replace("Hi", "Ho").getBytes(StandardCharsets.UTF_8);
    assertThat(verifier.problem(new Received(got.method(), got.path(), got.headers(), tampered)))
        .contains("does not match");
    assertThat(new SigV4Verifier("bedrock-runtime.us-east-1.amazonaws.com", "eu-west-1", "bedrock", AK, SK, TOKEN)
        .problem(got)).contains("does not match");
    assertThat(new SigV4Verifier(HOST, "eu-west-1", "bedrock", AK, "wrong-secret", TOKEN).problem(got))
        .contains("does not match");
  }

  @Test
  void modelNameOverrideGoesIntoThePath() throws Exception {
    answers = r -> FakeBedrock.converseText("ok", "end_turn", 3, 1);
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", """
        {"model":"house-model","messages":[{"role":"user","content":"Hi"}]}
        """));
    assertThat(r.status()).isEqualTo(200);
    assertThat(bedrock.last().path()).isEqualTo("/model/amazon.nova-micro-v1%3A0/converse");
    assertThat(JSON.readTree(r.body()).path("model").asText()).isEqualTo("amazon.nova-micro-v1:0");
  }

  @Test
  void titanEmbeddingsThroughInvokeModel() throws Exception {
    answers = r -> {
      try {
        JsonNode body = JSON.readTree(r.body());
        if (!body.path("inputText").asText().equals("hello world") || body.size() != 1) {
          return FakeBedrock.error(400, "ValidationException", "unexpected body " + body);
        }
      } catch (java.io.IOException e) {
        return FakeBedrock.error(400, "ValidationException", "not JSON");
      }
      return FakeBedrock.titanEmbedding(new double[] {0.25, -0.5, 0.125}, 3);
    };
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/embeddings",
        "{\"model\":\"amazon.titan-embed-text-v2:0\",\"input\":\"hello world\"}"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(bedrock.last().path()).isEqualTo("/model/amazon.titan-embed-text-v2%3A0/invoke");
    JsonNode out = JSON.readTree(r.body());
    assertThat(out.path("object").asText()).isEqualTo("list");
    assertThat(out.path("data").get(0).path("embedding")).isEqualTo(JSON.readTree("[0.25,-0.5,0.125]"));
    assertThat(out.path("usage").path("prompt_tokens").asInt()).isEqualTo(3);
    assertThat(out.path("model").asText()).isEqualTo("amazon.titan-embed-text-v2:0");
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(3);
  }

  @Test
  void anthropicClientsAreServedThroughConverse() throws Exception {
    answers = r -> FakeBedrock.converseText("Hello", "end_turn", 3, 1);
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/messages",
        "{\"model\":\"" + MODEL + "\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    assertThat(bedrock.last().path()).endsWith("/converse");
    JsonNode out = JSON.readTree(r.body());
    assertThat(out.path("type").asText()).isEqualTo("message");
    assertThat(out.path("content").get(0).path("type").asText()).isEqualTo("text");
  }

  private static byte[] delta(int index, String deltaJson) throws Exception {
    ObjectNode e = JSON.createObjectNode().put("contentBlockIndex", index);
    e.set("delta", JSON.readTree(deltaJson));
    return FakeBedrock.event("contentBlockDelta", e);
  }
}
