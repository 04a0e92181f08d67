package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.testkit.EnvoyLikeClient;
import dev.tollgate.testkit.FakeAnthropic;
import dev.tollgate.testkit.FakeBedrock;
import dev.tollgate.testkit.FakeGemini;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.HttpExchange;
import dev.tollgate.testkit.ProxyResponse;
import dev.tollgate.testkit.RandomSplitter;
import dev.tollgate.testkit.SigV4Check;
import dev.tollgate.testkit.TollgateHarness;
import dev.tollgate.toolkit.SseDecoder;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reasoning and prompt caching through the plugin zips, as an OpenAI chat client sees them: the
 * reasoning of Bedrock Converse, Anthropic and Gemini models arrives as {@code reasoning_content}
 * (never in {@code content}), the client's {@code reasoning_effort} and {@code cache_control}
 * reach each provider in its own terms, and the cache reads and writes and reasoning tokens the
 * providers report become the usage's details and the costs in the dynamic metadata. Plus Gemini
 * embeddings on Vertex AI.
 */
class ReasoningAndCachingEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NS = "io.envoy.ai_gateway";
  private static final String COSTS = """
      costs:
        - {metadataKey: llm_input_token, type: InputToken}
        - {metadataKey: llm_output_token, type: OutputToken}
        - {metadataKey: llm_cached_token, type: CachedInputToken}
        - {metadataKey: llm_cache_write_token, type: CacheCreationInputToken}
        - {metadataKey: llm_reasoning_token, type: ReasoningToken}
      """;
  private static final String AWS_HOST = "bedrock-runtime.eu-west-1.amazonaws.com";
  private static final String AK = "AKIDEXAMPLE";
  private static final String SK = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  private static final String AWS_AUTH =
      "{type: AWSCredentials, region: eu-west-1, accessKeyId: " + AK + ", secretAccessKey: " + SK + "}";
  private static final String CLAUDE_ON_BEDROCK = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

  @TempDir
  Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private <T extends AutoCloseable> T keep(T c) {
    open.add(c);
    return c;
  }

  private EnvoyLikeClient gateway(String backend, URI upstream) throws Exception {
    TollgateHarness gw = keep(TollgateHarness.start(dir, Plugins.dir(), COSTS + """
        rules:
          - backends: [{name: b}]
        backends:
          - name: b
        """ + backend.indent(4)));
    return gw.envoy(Map.of("b", upstream));
  }

  private static final String CHAT = """
      {"model":"%s","reasoning_effort":"medium",%s
       "messages":[{"role":"system","content":"A long manual ...","cache_control":{"type":"ephemeral"}},
                   {"role":"user","content":"What is six times seven?"}]}""";

  @Test
  void bedrockConverseReasoningReachesTheChatClientWithCacheCosts() throws Exception {
    FakeUpstream bedrock = keep(new FakeUpstream(FakeBedrock.handler(
        new SigV4Check(AK, SK, "eu-west-1", "bedrock", AWS_HOST),
        r -> FakeBedrock.converseReasoning("Six times seven is 42.", "42", 12, 30, 2000, 500))));
    EnvoyLikeClient envoy = gateway("schema: {name: AWSBedrock}\nauth: " + AWS_AUTH + "\n", bedrock.uri());

    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", CHAT.formatted(CLAUDE_ON_BEDROCK, "")));

    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    JsonNode sent = JSON.readTree(bedrock.last().body());
    assertThat(sent.path("additionalModelRequestFields").path("thinking").toString())
        .isEqualTo("{\"type\":\"enabled\",\"budget_tokens\":4096}");
    assertThat(sent.path("system").toString())
        .isEqualTo("[{\"text\":\"A long manual ...\"},{\"cachePoint\":{\"type\":\"default\"}}]");
    JsonNode answer = JSON.readTree(r.body());
    JsonNode message = answer.path("choices").get(0).path("message");
    assertThat(message.path("content").asText()).isEqualTo("42");
    assertThat(message.path("reasoning_content").asText()).isEqualTo("Six times seven is 42.");
    assertThat(answer.path("usage").path("prompt_tokens").asInt()).isEqualTo(2512);
    assertThat(answer.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt()).isEqualTo(2000);
    assertThat(answer.path("usage").path("prompt_tokens_details").path("cache_write_tokens").asInt()).isEqualTo(500);
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(2512);
    assertThat(r.metadataNumber(NS, "llm_cached_token")).isEqualTo(2000);
    assertThat(r.metadataNumber(NS, "llm_cache_write_token")).isEqualTo(500);
    assertThat(r.metadataNumber(NS, "llm_output_token")).isEqualTo(30);
  }

  @Test
  void bedrockConverseStreamedReasoningArrivesAsReasoningDeltas() throws Exception {
    FakeUpstream bedrock = keep(new FakeUpstream(FakeBedrock.handler(
        new SigV4Check(AK, SK, "eu-west-1", "bedrock", AWS_HOST),
        r -> FakeBedrock.stream(FakeBedrock.reasoningStream(List.of("Six times", " seven."), List.of("4", "2"), 9, 20)))));
    EnvoyLikeClient envoy = gateway("schema: {name: AWSBedrock}\nauth: " + AWS_AUTH + "\n", bedrock.uri());
    envoy.splitResponseChunks(new RandomSplitter(7, 9));

    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
        CHAT.formatted("us.amazon.nova-2-lite-v1:0", "\"stream\":true,\"stream_options\":{\"include_usage\":true},")));

    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    assertThat(JSON.readTree(bedrock.last().body()).path("additionalModelRequestFields").toString())
        .isEqualTo("{\"reasoningConfig\":{\"type\":\"enabled\",\"maxReasoningEffort\":\"medium\"}}");
    Streamed s = streamed(r);
    assertThat(s.reasoning).isEqualTo("Six times seven.");
    assertThat(s.content).isEqualTo("42");
    assertThat(r.bodyText()).contains("\"thinking_blocks\":[{\"type\":\"thinking\",\"thinking\":\"Six times seven.\","
        + "\"signature\":\"ErcBCkgIBRABGAIiQFakeSignature\"}]").endsWith("data: [DONE]\n\n");
    assertThat(r.metadataNumber(NS, "llm_output_token")).isEqualTo(20);
  }

  @Test
  void anthropicThinkingReachesTheChatClientWithCacheCosts() throws Exception {
    FakeUpstream anthropic = keep(new FakeUpstream(FakeAnthropic.handler("sk-ant-e2e",
        FakeAnthropic.thinking("claude-sonnet-4-5", "Six times seven is 42.", "42", 10, 3000, 2000, 120))));
    EnvoyLikeClient envoy = gateway("""
        schema: {name: Anthropic}
        auth: {type: APIKey, header: x-api-key, key: sk-ant-e2e}
        """, anthropic.uri());
    envoy.splitResponseChunks(new RandomSplitter(4, 5));

    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
        CHAT.formatted("claude-sonnet-4-5", "\"stream\":true,\"stream_options\":{\"include_usage\":true},")));

    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    JsonNode sent = JSON.readTree(anthropic.last().body());
    assertThat(sent.path("thinking").toString()).isEqualTo("{\"type\":\"enabled\",\"budget_tokens\":4096}");
    assertThat(sent.path("max_tokens").asInt()).isGreaterThan(4096);
    assertThat(sent.path("system").get(0).path("cache_control").path("type").asText()).isEqualTo("ephemeral");
    Streamed s = streamed(r);
    assertThat(s.reasoning).isEqualTo("Six times seven is 42.");
    assertThat(s.content).isEqualTo("42");
    assertThat(s.usage.path("prompt_tokens").asInt()).isEqualTo(5010);
    assertThat(s.usage.path("prompt_tokens_details").path("cached_tokens").asInt()).isEqualTo(3000);
    assertThat(s.usage.path("prompt_tokens_details").path("cache_write_tokens").asInt()).isEqualTo(2000);
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(5010);
    assertThat(r.metadataNumber(NS, "llm_cached_token")).isEqualTo(3000);
    assertThat(r.metadataNumber(NS, "llm_cache_write_token")).isEqualTo(2000);
    assertThat(r.metadataNumber(NS, "llm_output_token")).isEqualTo(120);
  }

  @Test
  void anthropicMessagesClientsKeepTheirCacheUsageAndCosts() throws Exception {
    FakeUpstream anthropic = keep(new FakeUpstream(FakeAnthropic.handler("sk-ant-e2e",
        FakeAnthropic.thinking("claude-sonnet-4-5", "Six times seven is 42.", "42", 10, 3000, 2000, 120))));
    EnvoyLikeClient envoy = gateway("""
        schema: {name: Anthropic}
        auth: {type: APIKey, header: x-api-key, key: sk-ant-e2e}
        """, anthropic.uri());
    envoy.splitResponseChunks(new RandomSplitter(11, 6));

    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/messages",
        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":8000,\"stream\":true,"
            + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2048},"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"What is six times seven?\"}]}",
        "x-api-key", "client-key", "anthropic-version", "2023-06-01"));

    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    List<SseDecoder.Event> events = new SseDecoder().feed(r.body());
    assertThat(events).extracting(SseDecoder.Event::event).contains("message_start", "message_stop");
    assertThat(r.bodyText()).contains("thinking_delta").contains("signature_delta");
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(5010);
    assertThat(r.metadataNumber(NS, "llm_cached_token")).isEqualTo(3000);
    assertThat(r.metadataNumber(NS, "llm_cache_write_token")).isEqualTo(2000);
    assertThat(r.metadataNumber(NS, "llm_output_token")).isEqualTo(120);
  }

  @Test
  void geminiThinkingTokensAreReasoningTokensAndCachedContentIsPassedOn() throws Exception {
    FakeUpstream gemini = keep(new FakeUpstream(FakeGemini.handler(null, 100, 30, 60, 12)));
    EnvoyLikeClient envoy = gateway("""
        schema: {name: GCPVertexAI}
        provider: {project: my-project, region: us-central1}
        """, gemini.uri());

    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", CHAT.formatted("gemini-2.5-flash",
        "\"cached_content\":\"projects/my-project/locations/us-central1/cachedContents/42\",")));

    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    JsonNode sent = JSON.readTree(gemini.last().body());
    assertThat(sent.path("generationConfig").path("thinkingConfig").toString())
        .isEqualTo("{\"thinkingBudget\":4096,\"includeThoughts\":true}");
    assertThat(sent.path("cachedContent").asText()).endsWith("/cachedContents/42");
    JsonNode usage = JSON.readTree(r.body()).path("usage");
    assertThat(usage.path("completion_tokens_details").path("reasoning_tokens").asInt()).isEqualTo(12);
    assertThat(r.metadataNumber(NS, "llm_reasoning_token")).isEqualTo(12);
    assertThat(r.metadataNumber(NS, "llm_cached_token")).isEqualTo(60);
  }

  @Test
  void geminiEmbeddingsOnVertex() throws Exception {
    FakeUpstream gemini = keep(new FakeUpstream(FakeGemini.embeddingsHandler(null)));
    EnvoyLikeClient envoy = gateway("""
        schema: {name: GCPVertexAI}
        provider: {project: my-project, region: us-central1}
        """, gemini.uri());

    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/embeddings",
        "{\"model\":\"gemini-embedding-001\",\"input\":[\"hello there\",\"general kenobi\"],\"dimensions\":8}"));

    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    assertThat(gemini.last().path())
        .isEqualTo("/v1/projects/my-project/locations/us-central1/publishers/google/models/gemini-embedding-001:predict");
    JsonNode answer = JSON.readTree(r.body());
    assertThat(answer.path("object").asText()).isEqualTo("list");
    assertThat(answer.path("data")).hasSize(2);
    assertThat(answer.path("data").get(1).path("embedding")).hasSize(8);
    assertThat(answer.path("data").get(1).path("embedding").get(0).asDouble()).isEqualTo(1.5);
    assertThat(answer.path("usage").path("prompt_tokens").asInt()).isEqualTo(4);
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(4);
  }

  // ------------------------------------------------------------------ helpers

  private record Streamed(String reasoning, String content, JsonNode usage) {
  }

  private static Streamed streamed(ProxyResponse r) throws Exception {
    StringBuilder reasoning = new StringBuilder();
    StringBuilder content = new StringBuilder();
    JsonNode usage = null;
    for (SseDecoder.Event e : new SseDecoder().feed(r.body())) {
      if (!e.data().startsWith("{")) {
        continue;
      }
      JsonNode chunk = JSON.readTree(e.data());
      JsonNode delta = chunk.path("choices").path(0).path("delta");
      reasoning.append(delta.path("reasoning_content").asText(""));
      content.append(delta.path("content").asText(""));
      if (chunk.hasNonNull("usage")) {
        usage = chunk.get("usage");
      }
    }
    return new Streamed(reasoning.toString(), content.toString(), usage);
  }
}
