package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.models.Model;
import dev.tollgate.testkit.EnvoyLikeClient;
import dev.tollgate.testkit.FakeAnthropic;
import dev.tollgate.testkit.FakeBedrock;
import dev.tollgate.testkit.FakeGemini;
import dev.tollgate.testkit.FakeOpenAi;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.FakeUpstream.Received;
import dev.tollgate.testkit.HttpExchange;
import dev.tollgate.testkit.HttpFront;
import dev.tollgate.testkit.ProxyResponse;
import dev.tollgate.testkit.RandomSplitter;
import dev.tollgate.testkit.SigV4Check;
import dev.tollgate.testkit.TollgateHarness;
import dev.tollgate.toolkit.SseDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Anthropic Messages clients of every backend, with the plugins from their zips: Messages (whole,
 * streamed, with a system prompt, an image and tools) to Bedrock Converse and to Gemini on Vertex,
 * whose fakes check the translated request; {@code /v1/messages/count_tokens} on each backend that
 * can count and its refusal on OpenAI; {@code GET /v1/models} in both shapes, with the models a
 * RegularExpression rule declares.
 */
class AnthropicClientsEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NS = "io.envoy.ai_gateway";
  private static final String AWS_HOST = "bedrock-runtime.eu-west-1.amazonaws.com";
  private static final String AK = "AKIDEXAMPLE";
  private static final String SK = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  private static final String AWS_AUTH =
      "{type: AWSCredentials, region: eu-west-1, accessKeyId: " + AK + ", secretAccessKey: " + SK + "}";
  private static final String NOVA = "amazon.nova-micro-v1:0";
  private static final String CLAUDE_AWS = "anthropic.claude-3-5-haiku-20241022-v1:0";
  private static final String CLAUDE_GCP = "claude-3-5-haiku@20241022";
  private static final String PNG = Base64.getEncoder().encodeToString(new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2});
  private static final String[] ANTHROPIC_CLIENT = {"x-api-key", "client-key-must-not-leak",
      "anthropic-version", "2023-06-01", "anthropic-beta", "tools-2024-05-16"};

  @TempDir
  Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();
  private FakeUpstream bedrock;
  private FakeUpstream gemini;
  private FakeUpstream anthropic;
  private FakeUpstream awsClaude;
  private FakeUpstream gcpClaude;
  private FakeUpstream openai;
  private EnvoyLikeClient envoy;
  private TollgateHarness gw;

  private <T extends AutoCloseable> T keep(T c) {
    open.add(c);
    return c;
  }

  @BeforeEach
  void start() throws Exception {
    SigV4Check sigV4 = new SigV4Check(AK, SK, "eu-west-1", "bedrock", AWS_HOST);
    var count = FakeBedrock.countTokens(14);
    bedrock = keep(new FakeUpstream(FakeBedrock.handler(sigV4, r -> {
      if (r.path().endsWith("/count-tokens")) {
        return count.apply(r);
      }
      if (r.path().endsWith("/converse-stream")) {
        return FakeBedrock.stream(FakeBedrock.textStream(List.of("Hel", "lo", " there"), "end_turn", 12, 3));
      }
      return FakeBedrock.converse("{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":[{\"text\":\"Let me"
          + " look.\"},{\"toolUse\":{\"toolUseId\":\"tooluse_1\",\"name\":\"get_weather\",\"input\":{\"city\":\"Paris\"}}}]}},"
          + "\"stopReason\":\"tool_use\",\"usage\":{\"inputTokens\":30,\"outputTokens\":9,\"totalTokens\":39}}");
    })));
    var geminiChat = FakeGemini.handler(null, 20, 7, 0, 0);
    var geminiCount = FakeGemini.countTokens(null, 15);
    gemini = keep(new FakeUpstream(r -> r.path().endsWith(":countTokens") ? geminiCount.apply(r) : geminiChat.apply(r)));
    anthropic = keep(new FakeUpstream(FakeAnthropic.countTokens("sk-ant-e2e", 11)));
    awsClaude = keep(new FakeUpstream(FakeBedrock.handler(sigV4, FakeAnthropic.countTokens(null, 12))));
    gcpClaude = keep(new FakeUpstream(FakeAnthropic.countTokens(null, 13)));
    openai = keep(new FakeUpstream(FakeOpenAi.handler("sk-openai", 1, 1)));
    gw = keep(TollgateHarness.start(dir, Plugins.dir(), """
        costs:
          - {metadataKey: llm_input_token, type: InputToken}
          - {metadataKey: llm_output_token, type: OutputToken}
        rules:
          - name: amazon
            headers: [{name: x-ai-eg-model, type: RegularExpression, value: 'amazon\\..*'}]
            models: ['%s']
            backends: [{name: bedrock}]
          - name: gemini
            headers: [{name: x-ai-eg-model, type: RegularExpression, value: 'gemini-.*'}]
            models: [gemini-2.0-flash]
            backends: [{name: gemini}]
          - headers: [{name: x-ai-eg-model, value: claude-sonnet-4-5}]
            backends: [{name: anthropic}]
          - headers: [{name: x-ai-eg-model, value: '%s'}]
            backends: [{name: aws-claude}]
          - headers: [{name: x-ai-eg-model, value: '%s'}]
            backends: [{name: gcp-claude}]
          - headers: [{name: x-ai-eg-model, value: gpt-4o-mini}]
            backends: [{name: openai}]
        backends:
          - name: bedrock
            schema: {name: AWSBedrock}
            auth: %s
          - name: gemini
            schema: {name: GCPVertexAI}
            provider: {project: my-project, region: us-central1}
          - name: anthropic
            schema: {name: Anthropic}
            auth: {type: APIKey, header: x-api-key, key: sk-ant-e2e}
          - name: aws-claude
            schema: {name: AWSAnthropic}
            auth: %s
          - name: gcp-claude
            schema: {name: GCPAnthropic}
            provider: {project: my-project, region: us-east5}
          - name: openai
            schema: {name: OpenAI}
            auth: {type: APIKey, key: sk-openai}
        """.formatted(NOVA, CLAUDE_AWS, CLAUDE_GCP, AWS_AUTH, AWS_AUTH)));
    envoy = gw.envoy(Map.of("bedrock", bedrock.uri(), "gemini", gemini.uri(), "anthropic", anthropic.uri(),
        "aws-claude", awsClaude.uri(), "gcp-claude", gcpClaude.uri(), "openai", openai.uri()));
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  /** A Messages request with a system prompt, an image and a tool. */
  private static String messages(String model, boolean stream) {
    return "{\"model\":\"" + model + "\",\"max_tokens\":200," + (stream ? "\"stream\":true," : "")
        + "\"system\":[{\"type\":\"text\",\"text\":\"You are terse.\"}],"
        + "\"tools\":[{\"name\":\"get_weather\",\"description\":\"Weather of a city\",\"input_schema\":{\"type\":\"object\","
        + "\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}],"
        + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Weather here?\"},"
        + "{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"" + PNG + "\"}}]}]}";
  }

  private static void noAnthropicHeaders(Received got) {
    assertThat(got.header("x-api-key")).isNull();
    assertThat(got.header("anthropic-version")).isNull();
    assertThat(got.header("anthropic-beta")).isNull();
  }

  private static List<SseDecoder.Event> events(ProxyResponse r) {
    return new SseDecoder().feed(r.body());
  }

  private static String streamText(List<SseDecoder.Event> events) throws Exception {
    StringBuilder sb = new StringBuilder();
    for (SseDecoder.Event e : events) {
      JsonNode d = JSON.readTree(e.data());
      if ("content_block_delta".equals(d.path("type").asText())) {
        sb.append(d.path("delta").path("text").asText());
      }
    }
    return sb.toString();
  }

  @Test
  void messagesWithToolsAndAnImageGoToBedrockConverseAndComeBackAsAnAnthropicToolUse() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/messages", messages(NOVA, false), ANTHROPIC_CLIENT));

    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    Received got = bedrock.last();
    assertThat(got.path()).isEqualTo("/model/amazon.nova-micro-v1%3A0/converse");
    assertThat(got.header("authorization")).startsWith("AWS4-HMAC-SHA256 Credential=" + AK + "/");
    noAnthropicHeaders(got);
    JsonNode sent = JSON.readTree(got.body());
    assertThat(sent.path("system").get(0).path("text").asText()).isEqualTo("You are terse.");
    JsonNode content = sent.path("messages").get(0).path("content");
    assertThat(content.get(0).path("text").asText()).isEqualTo("Weather here?");
    assertThat(content.get(1).path("image").path("format").asText()).isEqualTo("png");
    assertThat(content.get(1).path("image").path("source").path("bytes").asText()).isEqualTo(PNG);
    assertThat(sent.path("toolConfig").path("tools").get(0).path("toolSpec").path("name").asText())
        .isEqualTo("get_weather");
    assertThat(sent.path("inferenceConfig").path("maxTokens").asInt()).isEqualTo(200);

    JsonNode message = JSON.readTree(r.body());
    assertThat(message.path("type").asText()).isEqualTo("message");
    assertThat(message.path("role").asText()).isEqualTo("assistant");
    assertThat(message.path("stop_reason").asText()).isEqualTo("tool_use");
    assertThat(message.path("content").get(0).path("text").asText()).isEqualTo("Let me look.");
    JsonNode toolUse = message.path("content").get(1);
    assertThat(toolUse.path("type").asText()).isEqualTo("tool_use");
    assertThat(toolUse.path("id").asText()).isEqualTo("tooluse_1");
    assertThat(toolUse.path("name").asText()).isEqualTo("get_weather");
    assertThat(toolUse.path("input").path("city").asText()).isEqualTo("Paris");
    assertThat(message.path("usage").path("input_tokens").asInt()).isEqualTo(30);
    assertThat(message.path("usage").path("output_tokens").asInt()).isEqualTo(9);
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(30);
    assertThat(r.metadataNumber(NS, "llm_output_token")).isEqualTo(9);
  }

  @Test
  void aStreamedMessagesRequestToBedrockIsConverseStreamAsAnthropicEvents() throws Exception {
    envoy.splitResponseChunks(new RandomSplitter(5, 9));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/messages", messages(NOVA, true), ANTHROPIC_CLIENT));

    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    assertThat(bedrock.last().path()).isEqualTo("/model/amazon.nova-micro-v1%3A0/converse-stream");
    noAnthropicHeaders(bedrock.last());
    assertThat(r.headers().get("content-type")).startsWith("text/event-stream");
    List<SseDecoder.Event> events = events(r);
    assertThat(events.get(0).event()).isEqualTo("message_start");
    assertThat(events.get(events.size() - 1).event()).isEqualTo("message_stop");
    assertThat(streamText(events)).isEqualTo("Hello there");
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(12);
    assertThat(r.metadataNumber(NS, "llm_output_token")).isEqualTo(3);
  }

  @Test
  void messagesWithToolsGoToGeminiAndComeBackAsAnAnthropicToolUse() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/messages", messages("gemini-2.0-flash", false),
        ANTHROPIC_CLIENT));

    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    Received got = gemini.last();
    assertThat(got.path()).isEqualTo(
        "/v1/projects/my-project/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent");
    noAnthropicHeaders(got);
    JsonNode sent = JSON.readTree(got.body());
    assertThat(sent.path("systemInstruction").path("parts").get(0).path("text").asText()).isEqualTo("You are terse.");
    JsonNode parts = sent.path("contents").get(0).path("parts");
    assertThat(parts.get(0).path("text").asText()).isEqualTo("Weather here?");
    assertThat(parts.get(1).path("inlineData").path("mimeType").asText()).isEqualTo("image/png");
    assertThat(parts.get(1).path("inlineData").path("data").asText()).isEqualTo(PNG);
    assertThat(sent.path("tools").get(0).path("functionDeclarations").get(0).path("name").asText())
        .isEqualTo("get_weather");

    JsonNode message = JSON.readTree(r.body());
    assertThat(message.path("type").asText()).isEqualTo("message");
    assertThat(message.path("stop_reason").asText()).isEqualTo("tool_use");
    JsonNode toolUse = message.path("content").get(message.path("content").size() - 1);
    assertThat(toolUse.path("type").asText()).isEqualTo("tool_use");
    assertThat(toolUse.path("name").asText()).isEqualTo("get_weather");
    assertThat(toolUse.path("input")).isEqualTo(JSON.readTree(FakeGemini.CALL_ARGS));
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(20);
    assertThat(r.metadataNumber(NS, "llm_output_token")).isEqualTo(7);
  }

  @Test
  void aStreamedMessagesRequestToGeminiIsAnAnthropicStream() throws Exception {
    String body = "{\"model\":\"gemini-2.0-flash\",\"max_tokens\":50,\"stream\":true,\"system\":\"Be kind.\","
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/messages", body, ANTHROPIC_CLIENT));

    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    assertThat(gemini.last().path()).endsWith("/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
    List<SseDecoder.Event> events = events(r);
    assertThat(events.get(0).event()).isEqualTo("message_start");
    assertThat(events.get(events.size() - 1).event()).isEqualTo("message_stop");
    assertThat(streamText(events)).isEqualTo(FakeGemini.TEXT);
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(20);
    assertThat(r.metadataNumber(NS, "llm_output_token")).isEqualTo(7);
  }

  private ProxyResponse count(String model) throws Exception {
    return envoy.send(HttpExchange.postJson("/v1/messages/count_tokens", "{\"model\":\"" + model + "\","
        + "\"system\":\"You are terse.\",\"messages\":[{\"role\":\"user\",\"content\":\"How many tokens?\"}]}",
        ANTHROPIC_CLIENT));
  }

  private static void counted(ProxyResponse r, int tokens) throws Exception {
    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    assertThat(JSON.readTree(r.body())).isEqualTo(JSON.readTree("{\"input_tokens\":" + tokens + "}"));
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(0); // counting is free
  }

  @Test
  void countTokensOnAnthropicGoesToItsOwnCountEndpoint() throws Exception {
    counted(count("claude-sonnet-4-5"), 11);
    Received got = anthropic.last();
    assertThat(got.path()).isEqualTo("/v1/messages/count_tokens");
    assertThat(got.header("x-api-key")).isEqualTo("sk-ant-e2e");
    assertThat(got.header("anthropic-beta")).isEqualTo("tools-2024-05-16");
    assertThat(JSON.readTree(got.body()).path("system").asText()).isEqualTo("You are terse.");
  }

  @Test
  void countTokensOnClaudeOnBedrockIsCountTokensWithTheInvokeModelBody() throws Exception {
    counted(count(CLAUDE_AWS), 12);
    Received got = awsClaude.last();
    assertThat(got.path()).isEqualTo("/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/count-tokens");
    noAnthropicHeaders(got);
    JsonNode invoke = JSON.readTree(Base64.getDecoder().decode(
        JSON.readTree(got.body()).path("input").path("invokeModel").path("body").asText()));
    assertThat(invoke.path("anthropic_version").asText()).isEqualTo("bedrock-2023-05-31");
    assertThat(invoke.path("anthropic_beta").get(0).asText()).isEqualTo("tools-2024-05-16");
    assertThat(invoke.path("system").asText()).isEqualTo("You are terse.");
  }

  @Test
  void countTokensOnClaudeOnVertexIsTheCountTokensModel() throws Exception {
    counted(count(CLAUDE_GCP), 13);
    Received got = gcpClaude.last();
    assertThat(got.path()).isEqualTo(
        "/v1/projects/my-project/locations/us-east5/publishers/anthropic/models/count-tokens:rawPredict");
    noAnthropicHeaders(got);
    assertThat(JSON.readTree(got.body()).path("model").asText()).isEqualTo(CLAUDE_GCP);
  }

  @Test
  void countTokensOnBedrockConverseModelsIsCountTokensWithTheConverseInput() throws Exception {
    counted(count(NOVA), 14);
    Received got = bedrock.last();
    assertThat(got.path()).isEqualTo("/model/amazon.nova-micro-v1%3A0/count-tokens");
    JsonNode converse = JSON.readTree(got.body()).path("input").path("converse");
    assertThat(converse.path("system").get(0).path("text").asText()).isEqualTo("You are terse.");
    assertThat(converse.path("messages").get(0).path("content").get(0).path("text").asText())
        .isEqualTo("How many tokens?");
  }

  @Test
  void countTokensOnGeminiIsCountTokens() throws Exception {
    counted(count("gemini-2.0-flash"), 15);
    Received got = gemini.last();
    assertThat(got.path()).isEqualTo(
        "/v1/projects/my-project/locations/us-central1/publishers/google/models/gemini-2.0-flash:countTokens");
    assertThat(JSON.readTree(got.body()).path("contents").get(0).path("parts").get(0).path("text").asText())
        .isEqualTo("How many tokens?");
  }

  @Test
  void countTokensOnOpenAiIsA501InAnthropicsFormatNamingTheBackendsThatCount() throws Exception {
    ProxyResponse r = count("gpt-4o-mini");

    assertThat(r.status()).as(r.bodyText()).isEqualTo(501);
    JsonNode err = JSON.readTree(r.body());
    assertThat(err.path("type").asText()).isEqualTo("error");
    assertThat(err.path("error").path("type").asText()).isEqualTo("api_error");
    assertThat(err.path("error").path("message").asText()).contains("OpenAI has no token counting API",
        "AWSBedrock", "GCPVertexAI", "Anthropic");
    assertThat(openai.received()).isEmpty();
  }

  @Test
  void aStreamedCountIsA400NamingTheField() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/messages/count_tokens",
        "{\"model\":\"claude-sonnet-4-5\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
        ANTHROPIC_CLIENT));

    assertThat(r.status()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).path("error").path("message").asText()).startsWith("stream:");
  }

  private static final List<String> LISTED = List.of(NOVA, "gemini-2.0-flash", "claude-sonnet-4-5", CLAUDE_AWS,
      CLAUDE_GCP, "gpt-4o-mini");

  @Test
  void theModelListHoldsEveryRulesModelsForAnOpenAiClientAsTheOpenAiSdkReadsIt() throws Exception {
    try (HttpFront front = new HttpFront(envoy)) {
      OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(front.uri() + "/v1").apiKey("sk-app").maxRetries(0)
          .build();
      try {
        List<Model> models = client.models().list().data();
        models.forEach(Model::validate);
        assertThat(models).extracting(Model::id).containsExactlyElementsOf(LISTED);
        Model one = client.models().retrieve("gemini-2.0-flash");
        one.validate();
        assertThat(one.id()).isEqualTo("gemini-2.0-flash");
      } finally {
        client.close();
      }
    }
    ProxyResponse unknown = envoy.send(HttpExchange.get("/v1/models/gemini-9"));
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(JSON.readTree(unknown.body()).path("error").path("message").asText()).contains("gemini-9");
    assertThat(JSON.readTree(unknown.body()).has("type")).isFalse(); // OpenAI's shape: {"error":{...}}
  }

  @Test
  void anAnthropicClientGetsAnthropicsModelList() throws Exception {
    Map<String, String> anthropicSdk = Map.of("anthropic-version", "2023-06-01", "x-api-key", "k");
    ProxyResponse r = envoy.send(new HttpExchange("GET", "/v1/models?limit=20", anthropicSdk, null));

    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    JsonNode list = JSON.readTree(r.body());
    assertThat(list.path("has_more").asBoolean(true)).isFalse();
    assertThat(list.path("first_id").asText()).isEqualTo(NOVA);
    assertThat(list.path("last_id").asText()).isEqualTo("gpt-4o-mini");
    List<String> ids = new ArrayList<>();
    for (JsonNode m : list.path("data")) {
      assertThat(m.path("type").asText()).isEqualTo("model");
      assertThat(m.path("display_name").asText()).isEqualTo(m.path("id").asText());
      assertThat(m.path("created_at").asText()).isEqualTo("1970-01-01T00:00:00Z");
      ids.add(m.path("id").asText());
    }
    assertThat(ids).containsExactlyElementsOf(LISTED);

    ProxyResponse one = envoy.send(new HttpExchange("GET", "/v1/models/" + CLAUDE_GCP.replace("@", "%40"),
        anthropicSdk, null));
    assertThat(one.status()).as(one.bodyText()).isEqualTo(200);
    assertThat(JSON.readTree(one.body()).path("id").asText()).isEqualTo(CLAUDE_GCP);
    assertThat(JSON.readTree(one.body()).path("type").asText()).isEqualTo("model");

    ProxyResponse unknown = envoy.send(new HttpExchange("GET", "/v1/models/claude-9", anthropicSdk, null));
    assertThat(unknown.status()).isEqualTo(404);
    JsonNode err = JSON.readTree(unknown.body());
    assertThat(err.path("type").asText()).isEqualTo("error");
    assertThat(err.path("error").path("type").asText()).isEqualTo("not_found_error");
  }
}
