package dev.tollgate.distribution.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.testkit.FakeAnthropic;
import dev.tollgate.testkit.FakeAzureOpenAi;
import dev.tollgate.testkit.FakeBedrock;
import dev.tollgate.testkit.FakeGemini;
import dev.tollgate.testkit.FakeOpenAi;
import dev.tollgate.testkit.FakeResponses;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.FakeUpstream.Answer;
import dev.tollgate.testkit.FakeUpstream.Received;
import dev.tollgate.testkit.SigV4Check;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client APIs beyond chat completions, behind the real Envoy on the bootstrap {@code tollgate
 * translate} generates, driven by the official SDKs: the OpenAI Python SDK's Responses API
 * ({@code client.responses.create}, whole and streamed, with function tools) against every backend
 * schema — natively to OpenAI and Azure, translated for Bedrock Converse, Claude's three hosts and
 * Gemini — and the Anthropic Python SDK (messages with tools, thinking and streaming, count_tokens,
 * the model list) against the backends that lacked them. Each provider is a test-kit fake on
 * loopback behind TLS that checks what it receives.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientApisThroughEnvoyIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String AWS_HOST = "bedrock-runtime.eu-west-1.amazonaws.com";
  private static final String AK = "AKIDEXAMPLE";
  private static final String SK = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  private static final String VERTEX_TOKEN = "ya29.from-a-file";
  private static final String GEMINI_MODELS = "/v1/projects/my-project/locations/us-central1/publishers/google/models/";
  private static final String VERTEX_CLAUDE_MODELS =
      "/v1/projects/my-project/locations/us-east5/publishers/anthropic/models/";

  @TempDir
  static Path dir;
  private final SigV4Check sigV4 = new SigV4Check(AK, SK, "eu-west-1", "bedrock", null);
  private final List<FakeUpstream> fakes = new ArrayList<>();
  private FakeUpstream openai;
  private FakeUpstream azure;
  private FakeUpstream bedrock;
  private FakeUpstream bedrockClaude;
  private FakeUpstream anthropic;
  private FakeUpstream vertexClaude;
  private FakeUpstream gemini;
  private EnvoyAndTollgate gateway;

  @BeforeAll
  void start() throws Exception {
    SSLContext tls = TestCa.create(Files.createDirectories(dir.resolve("ca"))).serverContext(AWS_HOST,
        "api.openai.com", "api.anthropic.com", "us-central1-aiplatform.googleapis.com",
        "us-east5-aiplatform.googleapis.com", "tollgate.openai.azure.com");
    Function<Received, Answer> openaiChat = FakeOpenAi.handler("sk-openai-upstream", 11, 4);
    Function<Received, Answer> openaiResponses = FakeOpenAi.responsesHandler("sk-openai-upstream",
        List.of("Hello", " from", " OpenAI."), new FakeResponses.Usage(21, 5, 8, 3));
    openai = fake(r -> r.path().startsWith("/v1/responses") ? openaiResponses.apply(r) : openaiChat.apply(r), tls);
    Function<Received, Answer> azureResponses = FakeAzureOpenAi.responsesHandler(Set.of("gpt-4o"), "azure-secret",
        List.of("Hello", " from", " Azure."), FakeResponses.Usage.of(13, 5));
    Function<Received, Answer> azureChat = FakeAzureOpenAi.handler(Set.of("gpt-4o"), "azure-secret", null, 13, 5);
    azure = fake(r -> r.path().contains("/responses") ? azureResponses.apply(r) : azureChat.apply(r), tls);
    bedrock = fake(FakeBedrock.handler(sigV4, ClientApisThroughEnvoyIT::converse), tls);
    bedrockClaude = fake(FakeBedrock.handler(sigV4, r -> r.path().endsWith("/count-tokens")
        ? FakeBedrock.converse("{\"inputTokens\":17}")
        : FakeAnthropic.handler(null, claudeScript(r, "anthropic.claude-3-5-haiku-20241022-v1:0")).apply(r)), tls);
    anthropic = fake(r -> r.path().equals("/v1/messages/count_tokens")
        ? Answer.json(200, "{\"input_tokens\":19}")
        : FakeAnthropic.handler("sk-ant-upstream", claudeScript(r, "claude-sonnet-4-5")).apply(r), tls);
    vertexClaude = fake(r -> FakeAnthropic.handler(null, claudeScript(r, "claude-3-5-haiku@20241022")).apply(r), tls);
    Function<Received, Answer> geminiChat = FakeGemini.handler(null, 20, 7, 0, 0);
    Function<Received, Answer> geminiEmbeddings = FakeGemini.embeddingsHandler(VERTEX_TOKEN);
    gemini = fake(r -> r.path().endsWith(":countTokens") ? Answer.json(200, "{\"totalTokens\":23}")
        : r.path().endsWith(":predict") ? geminiEmbeddings.apply(r) : geminiChat.apply(r), tls);

    Path secrets = Files.createDirectories(dir.resolve("secrets"));
    Path awsCredentials = Files.writeString(secrets.resolve("aws-credentials"),
        "[default]\naws_access_key_id = " + AK + "\naws_secret_access_key = " + SK + "\n");
    Path vertexToken = Files.writeString(secrets.resolve("vertex-token"), VERTEX_TOKEN + "\n");

    Path resources = Files.createDirectories(dir.resolve("resources"));
    Files.writeString(resources.resolve("route.yaml"), """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: apis}
        spec:
          rules:
            - {name: openai, modelPattern: "gpt-5.*", models: [gpt-5-mini, gpt-5], backendRefs: [{name: openai}]}
            - {name: azure, modelPattern: "gpt-4o.*", backendRefs: [{name: azure}]}
            - {name: bedrock, modelPattern: "(amazon|us\\\\.anthropic)\\\\..+", backendRefs: [{name: bedrock}]}
            - {name: bedrock-claude, modelPattern: "anthropic\\\\.claude-.+", backendRefs: [{name: bedrock-claude}]}
            - {name: vertex-claude, modelPattern: "claude-.+@.+", backendRefs: [{name: vertex-claude}]}
            - {name: anthropic, modelPattern: "claude-.+", backendRefs: [{name: anthropic}]}
            - {name: gemini, modelPattern: "(gemini|text-embedding)-.+", backendRefs: [{name: gemini}]}
          llmRequestCosts:
            - {metadataKey: llm_input_token, type: InputToken}
            - {metadataKey: llm_output_token, type: OutputToken}
            - {metadataKey: llm_cached_token, type: CachedInputToken}
        """);
    Files.writeString(resources.resolve("backends.yaml"), String.join("---\n",
        backend("openai", "{name: OpenAI}", openai, "api.openai.com", "openai-key", null),
        ProviderResources.policy("openai-key", "APIKey", "apiKey: {inline: sk-openai-upstream}"),
        backend("azure", "{name: AzureOpenAI, version: 2024-10-21}", azure, "tollgate.openai.azure.com", "azure-key",
            null),
        ProviderResources.policy("azure-key", "AzureCredentials", "azureCredentials: {apiKey: {inline: azure-secret}}"),
        backend("bedrock", "{name: AWSBedrock}", bedrock, AWS_HOST, "aws", null),
        backend("bedrock-claude", "{name: AWSAnthropic}", bedrockClaude, AWS_HOST, "aws", null),
        ProviderResources.policy("aws", "AWSCredentials", "awsCredentials: {region: eu-west-1, credentialsFile: \"" + awsCredentials + "\"}"),
        backend("anthropic", "{name: Anthropic}", anthropic, "api.anthropic.com", "anthropic-key", null),
        ProviderResources.policy("anthropic-key", "APIKey", "apiKey: {inline: sk-ant-upstream}"),
        backend("vertex-claude", "{name: GCPAnthropic}", vertexClaude, "us-east5-aiplatform.googleapis.com",
            "gcp-token", "{project: my-project, region: us-east5}"),
        backend("gemini", "{name: GCPVertexAI}", gemini, "us-central1-aiplatform.googleapis.com", "gcp-token",
            "{project: my-project, region: us-central1}"),
        ProviderResources.policy("gcp-token", "GCPCredentials", "gcpCredentials: {tokenFile: \"" + vertexToken + "\"}")));
    gateway = new EnvoyAndTollgate(dir);
    EnvoyAndTollgate.Translated t = gateway.translate(resources, "--route-timeout", "PT10S");
    gateway.start(t.gatewayConfig(), t.bootstrap());
  }

  // ---- the fakes' answers ----

  /** Bedrock Converse: count-tokens, a tool call until the tool's result comes, reasoning when thinking is asked for, else text. */
  private static Answer converse(Received r) {
    JsonNode body = json(r.body());
    if (r.path().endsWith("/count-tokens")) {
      if (!body.path("input").path("converse").path("messages").isArray()) {
        return FakeBedrock.error(400, "ValidationException", "input.converse.messages is required");
      }
      return FakeBedrock.converse("{\"inputTokens\":9}");
    }
    boolean stream = r.path().endsWith("/converse-stream");
    JsonNode messages = body.path("messages");
    JsonNode last = messages.path(messages.size() - 1).path("content");
    boolean answered = false;
    for (JsonNode block : last) {
      answered |= block.has("toolResult");
    }
    if (body.path("toolConfig").path("tools").size() > 0 && !answered) {
      return stream ? FakeBedrock.stream(toolUseStream()) : FakeBedrock.converse(toolUseWhole());
    }
    boolean thinking = body.path("additionalModelRequestFields").has("thinking")
        || body.path("additionalModelRequestFields").has("reasoningConfig");
    String text = answered ? "It is sunny in Paris." : "Hello from Nova.";
    if (thinking) {
      return stream ? FakeBedrock.stream(reasoningStream(text)) : FakeBedrock.converse(reasoningWhole(text));
    }
    return stream ? FakeBedrock.stream(FakeBedrock.textStream(List.of(text.substring(0, 5), text.substring(5)),
        "end_turn", 12, 3)) : FakeBedrock.converseText(text, "end_turn", 12, 3);
  }

  private static String toolUseWhole() {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode use = root.putObject("output").putObject("message").put("role", "assistant").putArray("content")
        .addObject().putObject("toolUse");
    use.put("toolUseId", "tooluse_paris1").put("name", "get_weather").putObject("input").put("city", "Paris");
    root.put("stopReason", "tool_use");
    root.set("usage", FakeBedrock.usage(30, 9, 0));
    return root.toString();
  }

  private static List<byte[]> toolUseStream() {
    List<byte[]> out = new ArrayList<>();
    out.add(FakeBedrock.event("messageStart", JSON.createObjectNode().put("role", "assistant")));
    ObjectNode start = JSON.createObjectNode().put("contentBlockIndex", 0);
    start.putObject("start").putObject("toolUse").put("toolUseId", "tooluse_paris1").put("name", "get_weather");
    out.add(FakeBedrock.event("contentBlockStart", start));
    for (String piece : List.of("{\"city\":", "\"Paris\"}")) {
      ObjectNode d = JSON.createObjectNode().put("contentBlockIndex", 0);
      d.putObject("delta").putObject("toolUse").put("input", piece);
      out.add(FakeBedrock.event("contentBlockDelta", d));
    }
    out.add(FakeBedrock.event("contentBlockStop", JSON.createObjectNode().put("contentBlockIndex", 0)));
    out.add(FakeBedrock.event("messageStop", JSON.createObjectNode().put("stopReason", "tool_use")));
    out.add(FakeBedrock.metadata(30, 9, 0));
    return out;
  }

  private static String reasoningWhole(String text) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode content = root.putObject("output").putObject("message").put("role", "assistant").putArray("content");
    content.addObject().putObject("reasoningContent").putObject("reasoningText").put("text", "Let me think.")
        .put("signature", "sig-bedrock");
    content.addObject().put("text", text);
    root.put("stopReason", "end_turn");
    root.set("usage", FakeBedrock.usage(12, 8, 0));
    return root.toString();
  }

  private static List<byte[]> reasoningStream(String text) {
    List<byte[]> out = new ArrayList<>();
    out.add(FakeBedrock.event("messageStart", JSON.createObjectNode().put("role", "assistant")));
    ObjectNode think = JSON.createObjectNode().put("contentBlockIndex", 0);
    think.putObject("delta").putObject("reasoningContent").put("text", "Let me think.");
    out.add(FakeBedrock.event("contentBlockDelta", think));
    ObjectNode sig = JSON.createObjectNode().put("contentBlockIndex", 0);
    sig.putObject("delta").putObject("reasoningContent").put("signature", "sig-bedrock");
    out.add(FakeBedrock.event("contentBlockDelta", sig));
    out.add(FakeBedrock.event("contentBlockStop", JSON.createObjectNode().put("contentBlockIndex", 0)));
    ObjectNode t = JSON.createObjectNode().put("contentBlockIndex", 1);
    t.putObject("delta").put("text", text);
    out.add(FakeBedrock.event("contentBlockDelta", t));
    out.add(FakeBedrock.event("contentBlockStop", JSON.createObjectNode().put("contentBlockIndex", 1)));
    out.add(FakeBedrock.event("messageStop", JSON.createObjectNode().put("stopReason", "end_turn")));
    out.add(FakeBedrock.metadata(12, 8, 0));
    return out;
  }

  /** Claude on any host: a tool call until the tool's result comes, thinking when asked for, else text. */
  private static FakeAnthropic.Script claudeScript(Received r, String model) {
    JsonNode body = json(r.body());
    JsonNode messages = body.path("messages");
    JsonNode last = messages.path(messages.size() - 1).path("content");
    boolean answered = false;
    for (JsonNode block : last) {
      answered |= "tool_result".equals(block.path("type").asText());
    }
    if (body.path("tools").size() > 0 && !answered) {
      return FakeAnthropic.toolUse(model, "toolu_paris1", "get_weather", "{\"city\":\"Paris\"}", 30, 9);
    }
    if (body.has("thinking")) {
      return thinking(model);
    }
    return FakeAnthropic.text(model, "Hello", answered ? " it is sunny in Paris." : " from Claude.", 25, 0, 9);
  }

  /** Anthropic's extended-thinking answer: a thinking block (with its signature), then text. */
  private static FakeAnthropic.Script thinking(String model) {
    String message = "{\"id\":\"msg_think1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + model
        + "\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"Let me think.\",\"signature\":\"sig-claude\"},"
        + "{\"type\":\"text\",\"text\":\"Hello from Claude.\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
        + "\"usage\":{\"input_tokens\":25,\"output_tokens\":30}}";
    List<String> events = List.of(
        "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_think1\",\"type\":\"message\",\"role\":\"assistant\","
            + "\"model\":\"" + model + "\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
            + "\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}",
        "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\","
            + "\"signature\":\"\"}}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Let me think.\"}}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"sig-claude\"}}",
        "{\"type\":\"content_block_stop\",\"index\":0}",
        "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
        "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello from Claude.\"}}",
        "{\"type\":\"content_block_stop\",\"index\":1}",
        "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
            + "\"usage\":{\"output_tokens\":30}}",
        "{\"type\":\"message_stop\"}");
    return new FakeAnthropic.Script(message, events);
  }

  private static JsonNode json(byte[] body) {
    try {
      return body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- set-up ----

  private FakeUpstream fake(Function<Received, Answer> handler, SSLContext tls) throws Exception {
    FakeUpstream f = new FakeUpstream(handler, tls);
    fakes.add(f);
    return f;
  }

  /** An AIServiceBackend on the fake, behind TLS for the provider's real host name. */
  private String backend(String name, String schema, FakeUpstream fake, String sni, String policy, String provider) {
    return ProviderResources.backend(name, schema, fake, sni, dir.resolve("ca/ca.pem"), policy, provider);
  }

  @AfterAll
  void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    fakes.forEach(FakeUpstream::close);
  }

  // ---- helpers ----

  /** What the SDK returned and the requests the fake received for it. */
  private record Call(JsonNode answer, List<Received> upstream, int loggedBefore) {
    Received last() {
      return upstream.get(upstream.size() - 1);
    }

    JsonNode lastBody() {
      return json(last().body());
    }
  }

  private Call call(FakeUpstream fake, String scenario, String... args) throws Exception {
    int received = fake.received().size();
    int logged = gateway.accessLogLines().size();
    JsonNode answer = Clients.python(gateway.base(), scenario, args);
    List<Received> all = fake.received();
    List<Received> mine = List.copyOf(all.subList(received, all.size()));
    for (Received r : mine) {
      assertThat(r.headers().values()).as("the client's key must not reach the provider")
          .noneMatch(v -> v.contains("sk-client") || v.contains("ak-client"));
    }
    return new Call(answer, mine, logged);
  }

  /** The first access-log line after the first {@code before} ones whose costs name this backend. */
  private JsonNode loggedAfter(int before, String backend) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < deadline) {
      List<JsonNode> lines = gateway.accessLogLines();
      for (JsonNode l : lines.subList(Math.min(before, lines.size()), lines.size())) {
        if (backend.equals(l.path("costs").path("backend_name").asText())) {
          return l;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no new access-log line with the costs of backend " + backend);
  }

  /** A Responses answer, whole or streamed, and the costs Envoy logged for it. */
  private void assertResponse(Call c, String text, int in, int out, String backend) throws Exception {
    assertThat(c.answer().has("error")).as(c.answer().toString()).isFalse();
    assertThat(c.answer().path("text").asText()).as(c.answer().toString()).isEqualTo(text);
    JsonNode usage = c.answer().path("usage");
    assertThat(usage.path("input_tokens").asInt()).as(c.answer().toString()).isEqualTo(in);
    assertThat(usage.path("output_tokens").asInt()).isEqualTo(out);
    assertThat(usage.path("total_tokens").asInt()).isEqualTo(in + out);
    JsonNode log = loggedAfter(c.loggedBefore(), backend);
    assertThat(log.path("status").asInt()).as(log.toString()).isEqualTo(200);
    assertThat(log.path("costs").path("llm_input_token").asInt()).as(log.toString()).isEqualTo(in);
    assertThat(log.path("costs").path("llm_output_token").asInt()).isEqualTo(out);
  }

  /** The typed event sequence the SDK read, in order (runs of one type folded). */
  private static void assertEventSequence(Call c) {
    List<String> types = new ArrayList<>();
    c.answer().path("events").forEach(e -> types.add(e.asText()));
    assertThat(types).as(c.answer().toString()).startsWith("response.created", "response.in_progress")
        .endsWith("response.completed")
        .containsSubsequence("response.output_item.added", "response.content_part.added",
            "response.output_text.delta", "response.output_text.done", "response.content_part.done",
            "response.output_item.done");
    assertThat(c.answer().path("status").asText()).isEqualTo("completed");
    assertThat(c.answer().path("final_text").asText()).isEqualTo(c.answer().path("text").asText());
  }

  // ---- the Responses API ----

  @Test
  void responsesGoNativelyToOpenAiAndAzure() throws Exception {
    Call whole = call(openai, "responses", "gpt-5-mini");
    assertResponse(whole, "Hello from OpenAI.", 21, 8, "openai");
    assertThat(whole.answer().path("usage").path("input_tokens_details").path("cached_tokens").asInt()).isEqualTo(5);
    assertThat(whole.answer().path("usage").path("output_tokens_details").path("reasoning_tokens").asInt())
        .isEqualTo(3);
    assertThat(whole.last().path()).isEqualTo("/v1/responses");
    assertThat(whole.last().header("authorization")).isEqualTo("Bearer sk-openai-upstream");
    assertThat(whole.lastBody().path("instructions").asText()).isEqualTo("Be brief.");
    assertThat(loggedAfter(whole.loggedBefore(), "openai").path("costs").path("llm_cached_token").asInt())
        .isEqualTo(5);

    Call streamed = call(openai, "responses_stream", "gpt-5-mini");
    assertResponse(streamed, "Hello from OpenAI.", 21, 8, "openai");
    assertEventSequence(streamed);
    assertThat(streamed.lastBody().path("stream").asBoolean()).isTrue();

    Call previous = call(openai, "responses_previous", "gpt-5", FakeResponses.RESPONSE_ID);
    assertThat(previous.answer().path("text").asText()).as(previous.answer().toString()).isEqualTo("Hello from OpenAI.");
    assertThat(previous.lastBody().path("previous_response_id").asText())
        .as("OpenAI keeps responses: the id goes on").isEqualTo(FakeResponses.RESPONSE_ID);

    Call azureWhole = call(azure, "responses", "gpt-4o");
    assertResponse(azureWhole, "Hello from Azure.", 13, 5, "azure");
    assertThat(azureWhole.last().path()).startsWith("/openai/");
    assertThat(azureWhole.last().header("api-key")).isEqualTo("azure-secret");
    assertThat(azureWhole.lastBody().path("model").asText()).isEqualTo("gpt-4o");
    Call azureStreamed = call(azure, "responses_stream", "gpt-4o");
    assertResponse(azureStreamed, "Hello from Azure.", 13, 5, "azure");
    assertEventSequence(azureStreamed);
  }

  @Test
  void responsesAreTranslatedForBedrockConverse() throws Exception {
    Call whole = call(bedrock, "responses", "amazon.nova-micro-v1:0");
    assertResponse(whole, "Hello from Nova.", 12, 3, "bedrock");
    assertThat(whole.last().path()).isEqualTo("/model/amazon.nova-micro-v1%3A0/converse");
    assertThat(sigV4.problem(whole.last())).isNull();
    JsonNode sent = whole.lastBody();
    assertThat(sent.path("system").get(0).path("text").asText()).isEqualTo("Be brief.");
    assertThat(sent.path("messages").get(0).path("content").get(0).path("text").asText()).isEqualTo("Say hello");

    Call streamed = call(bedrock, "responses_stream", "amazon.nova-lite-v1:0");
    assertResponse(streamed, "Hello from Nova.", 12, 3, "bedrock");
    assertEventSequence(streamed);
    assertThat(streamed.last().path()).isEqualTo("/model/amazon.nova-lite-v1%3A0/converse-stream");
  }

  @Test
  void responsesAreTranslatedForClaudeOnItsThreeHosts() throws Exception {
    Call direct = call(anthropic, "responses", "claude-sonnet-4-5");
    assertResponse(direct, "Hello from Claude.", 25, 9, "anthropic");
    assertThat(direct.last().path()).isEqualTo("/v1/messages");
    assertThat(direct.lastBody().path("system").toString()).contains("Be brief.");
    assertThat(direct.last().header("x-api-key")).isEqualTo("sk-ant-upstream");
    Call directStream = call(anthropic, "responses_stream", "claude-sonnet-4-5");
    assertResponse(directStream, "Hello from Claude.", 25, 9, "anthropic");
    assertEventSequence(directStream);

    Call onBedrock = call(bedrockClaude, "responses_stream", "anthropic.claude-3-5-haiku-20241022-v1:0");
    assertResponse(onBedrock, "Hello from Claude.", 25, 9, "bedrock-claude");
    assertEventSequence(onBedrock);
    assertThat(onBedrock.last().path())
        .isEqualTo("/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke-with-response-stream");

    Call onVertex = call(vertexClaude, "responses", "claude-3-5-haiku@20241022");
    assertResponse(onVertex, "Hello from Claude.", 25, 9, "vertex-claude");
    assertThat(onVertex.last().path()).isEqualTo(VERTEX_CLAUDE_MODELS + "claude-3-5-haiku@20241022:rawPredict");
    assertThat(onVertex.last().header("authorization")).isEqualTo("Bearer " + VERTEX_TOKEN);
  }

  @Test
  void responsesAreTranslatedForGeminiAndItsEmbeddingsAreServed() throws Exception {
    Call whole = call(gemini, "responses", "gemini-2.0-flash");
    assertResponse(whole, FakeGemini.TEXT, 20, 7, "gemini");
    assertThat(whole.last().path()).isEqualTo(GEMINI_MODELS + "gemini-2.0-flash:generateContent");
    assertThat(whole.lastBody().path("systemInstruction").toString()).contains("Be brief.");
    Call streamed = call(gemini, "responses_stream", "gemini-2.0-flash");
    assertResponse(streamed, FakeGemini.TEXT, 20, 7, "gemini");
    assertEventSequence(streamed);
    assertThat(streamed.last().path()).isEqualTo(GEMINI_MODELS + "gemini-2.0-flash:streamGenerateContent?alt=sse");

    Call embeddings = call(gemini, "embeddings", "text-embedding-005");
    assertThat(embeddings.answer().path("count").asInt()).as(embeddings.answer().toString()).isEqualTo(2);
    assertThat(embeddings.answer().path("dims").asInt()).isEqualTo(4);
    assertThat(embeddings.answer().path("usage").path("prompt_tokens").asInt()).isEqualTo(2);
    assertThat(embeddings.last().path()).isEqualTo(GEMINI_MODELS + "text-embedding-005:predict");
    assertThat(embeddings.lastBody().path("instances").toString())
        .isEqualTo("[{\"content\":\"hello\"},{\"content\":\"world\"}]");
  }

  @Test
  void reasoningEffortReachesNovaAndItsReasoningComesBackAsAReasoningItem() throws Exception {
    Call c = call(bedrock, "responses_reasoning", "amazon.nova-premier-v1:0");
    assertThat(c.answer().path("types").toString()).as(c.answer().toString()).isEqualTo("[\"reasoning\",\"message\"]");
    assertThat(c.answer().path("summary").asText()).isEqualTo("Let me think.");
    assertThat(c.answer().path("text").asText()).isEqualTo("Hello from Nova.");
    assertThat(c.upstream().get(0).path()).isEqualTo("/model/amazon.nova-premier-v1%3A0/converse");
    assertThat(json(c.upstream().get(0).body()).path("additionalModelRequestFields").path("reasoningConfig")
        .path("maxReasoningEffort").asText()).as("reasoning.effort reaches Bedrock").isEqualTo("low");
    JsonNode streamed = c.answer().path("streamed");
    assertThat(streamed.path("summary").asText()).as(streamed.toString()).isEqualTo("Let me think.");
    List<String> types = new ArrayList<>();
    streamed.path("events").forEach(e -> types.add(e.asText()));
    assertThat(types).containsSubsequence("response.output_item.added", "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta", "response.reasoning_summary_text.done",
        "response.reasoning_summary_part.done", "response.output_item.done", "response.output_item.added",
        "response.output_text.delta", "response.completed");
  }

  @Test
  void aResponsesFunctionCallAndItsOutputMakeARoundTripOnTranslatedBackends() throws Exception {
    Call bedrockTools = call(bedrock, "responses_tools", "amazon.nova-pro-v1:0");
    assertThat(bedrockTools.answer().path("calls").asInt()).as(bedrockTools.answer().toString()).isEqualTo(1);
    assertThat(bedrockTools.answer().path("name").asText()).isEqualTo("get_weather");
    assertThat(bedrockTools.answer().path("arguments").path("city").asText()).isEqualTo("Paris");
    assertThat(bedrockTools.answer().path("call_id").asText()).isEqualTo("tooluse_paris1");
    assertThat(bedrockTools.answer().path("text").asText()).isEqualTo("It is sunny in Paris.");
    JsonNode second = bedrockTools.lastBody();
    assertThat(second.path("messages").toString()).contains("\"toolUseId\":\"tooluse_paris1\"")
        .contains("sunny, 21 C");

    Call claudeTools = call(anthropic, "responses_tools", "claude-sonnet-4-5");
    assertThat(claudeTools.answer().path("call_id").asText()).as(claudeTools.answer().toString())
        .isEqualTo("toolu_paris1");
    assertThat(claudeTools.answer().path("text").asText()).isEqualTo("Hello it is sunny in Paris.");
    assertThat(claudeTools.lastBody().path("messages").toString()).contains("\"tool_use_id\":\"toolu_paris1\"");

    Call geminiTools = call(gemini, "responses_tools", "gemini-2.0-flash");
    assertThat(geminiTools.answer().path("name").asText()).as(geminiTools.answer().toString())
        .isEqualTo("get_weather");
    assertThat(geminiTools.answer().path("text").asText()).isEqualTo("It is sunny in Boston.");
  }

  @Test
  void previousResponseIdIsRefusedWhereTheBackendKeepsNoResponses() throws Exception {
    Call refused = call(bedrock, "responses_previous", "amazon.nova-micro-v1:0", "resp_earlier");
    JsonNode error = refused.answer().path("error");
    assertThat(error.path("status").asInt()).as(refused.answer().toString()).isEqualTo(400);
    assertThat(error.path("type").asText()).isEqualTo("BadRequestError");
    assertThat(error.path("body").toString()).contains("previous_response_id");
    assertThat(refused.upstream()).as("nothing goes upstream").isEmpty();
  }

  // ---- Anthropic clients ----

  @Test
  void anthropicClientsReachBedrockConverseAndGemini() throws Exception {
    for (var target : List.of(new Object[] {bedrock, "amazon.nova-micro-v1:0", "Hello from Nova."},
        new Object[] {gemini, "gemini-2.0-flash", FakeGemini.TEXT})) {
      FakeUpstream fake = (FakeUpstream) target[0];
      String model = (String) target[1];
      Call whole = call(fake, "messages", model);
      assertThat(whole.answer().path("text").asText()).as(whole.answer().toString()).isEqualTo(target[2]);
      assertThat(whole.answer().path("stop_reason").asText()).isEqualTo("end_turn");
      assertThat(whole.last().header("anthropic-version")).as("Anthropic's headers stay home").isNull();
      Call streamed = call(fake, "messages_stream", model);
      assertThat(streamed.answer().path("text").asText()).as(streamed.answer().toString()).isEqualTo(target[2]);
      assertThat(streamed.answer().path("events").toString()).contains("message_start", "content_block_delta",
          "message_stop");
    }
    Call tools = call(bedrock, "messages_tools", "amazon.nova-pro-v1:0");
    assertThat(tools.answer().path("uses").asInt()).as(tools.answer().toString()).isEqualTo(1);
    assertThat(tools.answer().path("stop_reason").asText()).isEqualTo("tool_use");
    assertThat(tools.answer().path("input").path("city").asText()).isEqualTo("Paris");
    assertThat(tools.answer().path("text").asText()).isEqualTo("It is sunny in Paris.");
    assertThat(tools.lastBody().path("messages").toString()).contains("\"toolUseId\":\"tooluse_paris1\"");

    Call geminiTools = call(gemini, "messages_tools", "gemini-2.0-flash");
    assertThat(geminiTools.answer().path("name").asText()).as(geminiTools.answer().toString())
        .isEqualTo("get_weather");
    assertThat(geminiTools.answer().path("text").asText()).isEqualTo("It is sunny in Boston.");
  }

  @Test
  void anthropicClientsReachClaudeOnEveryHostAndTheOpenAiCompatibleBackends() throws Exception {
    for (var target : List.of(new Object[] {anthropic, "claude-sonnet-4-5", "/v1/messages"},
        new Object[] {bedrockClaude, "anthropic.claude-3-5-haiku-20241022-v1:0",
            "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke"},
        new Object[] {vertexClaude, "claude-3-5-haiku@20241022",
            VERTEX_CLAUDE_MODELS + "claude-3-5-haiku@20241022:rawPredict"})) {
      FakeUpstream fake = (FakeUpstream) target[0];
      String model = (String) target[1];
      Call whole = call(fake, "messages", model);
      assertThat(whole.answer().path("text").asText()).as(whole.answer().toString()).isEqualTo("Hello from Claude.");
      assertThat(whole.last().path()).isEqualTo(target[2]);
      Call streamed = call(fake, "messages_stream", model);
      assertThat(streamed.answer().path("text").asText()).as(streamed.answer().toString())
          .isEqualTo("Hello from Claude.");
      assertThat(streamed.answer().path("events").toString()).contains("message_start", "message_stop");
      Call tools = call(fake, "messages_tools", model);
      assertThat(tools.answer().path("uses").asInt()).as(tools.answer().toString()).isEqualTo(1);
      assertThat(tools.answer().path("input").path("city").asText()).isEqualTo("Paris");
      assertThat(tools.answer().path("text").asText()).isEqualTo("Hello it is sunny in Paris.");
      assertThat(tools.lastBody().path("messages").toString()).contains("\"tool_use_id\":\"toolu_paris1\"");
    }
    for (var target : List.of(new Object[] {openai, "gpt-5-mini", "/v1/chat/completions", "authorization",
        "Bearer sk-openai-upstream"}, new Object[] {azure, "gpt-4o",
        "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", "api-key", "azure-secret"})) {
      FakeUpstream fake = (FakeUpstream) target[0];
      Call whole = call(fake, "messages", (String) target[1]);
      assertThat(whole.answer().path("text").asText()).as(whole.answer().toString()).isNotBlank();
      assertThat(whole.answer().path("stop_reason").asText()).isEqualTo("end_turn");
      assertThat(whole.last().path()).isEqualTo(target[2]);
      assertThat(whole.last().header((String) target[3])).isEqualTo(target[4]);
      assertThat(whole.last().header("anthropic-version")).isNull();
      Call streamed = call(fake, "messages_stream", (String) target[1]);
      assertThat(streamed.answer().path("text").asText()).as(streamed.answer().toString())
          .isEqualTo(whole.answer().path("text").asText());
      assertThat(streamed.answer().path("events").toString()).contains("message_start", "message_stop");
    }
  }

  @Test
  void thinkingReachesAnthropicClientsFromClaudeAndFromBedrockConverse() throws Exception {
    Call direct = call(anthropic, "messages_thinking", "claude-sonnet-4-5");
    assertThat(direct.answer().path("blocks").toString()).as(direct.answer().toString())
        .isEqualTo("[\"thinking\",\"text\"]");
    assertThat(direct.answer().path("thinking").asText()).isEqualTo("Let me think.");
    assertThat(direct.answer().path("streamed").path("thinking").asText()).isEqualTo("Let me think.");
    assertThat(direct.lastBody().path("thinking").path("budget_tokens").asInt()).isEqualTo(1024);

    Call converse = call(bedrock, "messages_thinking", "us.anthropic.claude-sonnet-4-5-20250929-v1:0");
    assertThat(converse.answer().path("blocks").toString()).as(converse.answer().toString())
        .isEqualTo("[\"thinking\",\"text\"]");
    assertThat(converse.answer().path("thinking").asText()).isEqualTo("Let me think.");
    assertThat(converse.answer().path("text").asText()).isEqualTo("Hello from Nova.");
    assertThat(converse.answer().path("streamed").path("thinking").asText()).isEqualTo("Let me think.");
    assertThat(converse.answer().path("streamed").path("text").asText()).isEqualTo("Hello from Nova.");
    assertThat(converse.lastBody().path("additionalModelRequestFields").path("thinking").path("budget_tokens")
        .asInt()).as("the budget reaches Bedrock").isEqualTo(1024);
  }

  @Test
  void countTokensGoesToEachBackendThatCountsAndIsRefusedWhereNoneCan() throws Exception {
    Call direct = call(anthropic, "count_tokens", "claude-sonnet-4-5");
    assertThat(direct.answer().path("input_tokens").asInt()).as(direct.answer().toString()).isEqualTo(19);
    assertThat(direct.last().path()).isEqualTo("/v1/messages/count_tokens");

    Call onBedrock = call(bedrockClaude, "count_tokens", "anthropic.claude-3-5-haiku-20241022-v1:0");
    assertThat(onBedrock.answer().path("input_tokens").asInt()).as(onBedrock.answer().toString()).isEqualTo(17);
    assertThat(onBedrock.last().path()).isEqualTo("/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/count-tokens");
    assertThat(sigV4.problem(onBedrock.last())).isNull();

    Call converse = call(bedrock, "count_tokens", "amazon.nova-micro-v1:0");
    assertThat(converse.answer().path("input_tokens").asInt()).as(converse.answer().toString()).isEqualTo(9);

    Call onGemini = call(gemini, "count_tokens", "gemini-2.0-flash");
    assertThat(onGemini.answer().path("input_tokens").asInt()).as(onGemini.answer().toString()).isEqualTo(23);
    assertThat(onGemini.last().path()).isEqualTo(GEMINI_MODELS + "gemini-2.0-flash:countTokens");

    Call refused = call(openai, "count_tokens", "gpt-5-mini");
    assertThat(refused.answer().path("error").path("status").asInt()).as(refused.answer().toString())
        .isBetween(400, 501);
    assertThat(refused.answer().path("error").path("body").toString()).contains("count");
    assertThat(refused.upstream()).isEmpty();
  }

  @Test
  void theModelListHasEveryRulesModelsInTheClientsShape() throws Exception {
    JsonNode openaiList = Clients.python(gateway.base(), "models_openai");
    assertThat(openaiList.path("ids").toString()).as(openaiList.toString()).contains("gpt-5-mini", "gpt-5");
    JsonNode anthropicList = Clients.python(gateway.base(), "models_anthropic");
    assertThat(anthropicList.path("ids").toString()).as(anthropicList.toString()).contains("gpt-5-mini", "gpt-5");
    assertThat(anthropicList.path("types").toString()).isEqualTo("[\"model\"]");
  }
}
