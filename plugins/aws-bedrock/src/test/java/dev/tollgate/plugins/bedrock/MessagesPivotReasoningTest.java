package dev.tollgate.plugins.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.Headers;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.conformance.ConformancePlatform;
import dev.tollgate.testkit.FakeBedrock;
import dev.tollgate.toolkit.ChatPivot;
import dev.tollgate.toolkit.PivotExtensions.Dialect;
import dev.tollgate.toolkit.anthropic.AnthropicChatBridge;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An Anthropic Messages client served by the Converse chat translator through ChatPivot with the
 * Tollgate dialect: thinking and cache_control reach Converse in its own terms, reasoning comes back
 * as a thinking block, cache reads and writes as Anthropic's usage fields.
 */
class MessagesPivotReasoningTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0";

  private static Translator.Exchange pivot(String messages) throws Exception {
    Translator chat = new BedrockTranslators.Chat(ConformancePlatform.fixed())
        .create(BedrockConformanceTest.BACKEND, "backends[0]");
    ObjectNode parsed = (ObjectNode) JSON.readTree(messages);
    ClientRequest client = new ClientRequest(Endpoint.MESSAGES, Headers.of("x-api-key", "k"),
        messages.getBytes(StandardCharsets.UTF_8), parsed, MODEL, parsed.path("stream").asBoolean(false));
    ObjectNode body = AnthropicChatBridge.toChatRequest(parsed, MODEL, Dialect.TOLLGATE);
    Translator.Exchange inner = chat.start(ChatPivot.asChat(client, body));
    return ChatPivot.exchange(inner, AnthropicChatBridge.exchange(inner.request(), MODEL),
        AnthropicChatBridge.ANTHROPIC_CLIENT_HEADERS);
  }

  private static final String REQUEST = """
      {"model":"%s","max_tokens":9000,"thinking":{"type":"enabled","budget_tokens":3000},%s
       "system":[{"type":"text","text":"A long manual ...","cache_control":{"type":"ephemeral"}}],
       "messages":[{"role":"user","content":"What is six times seven?"}]}""";

  @Test
  void thinkingAndCacheMarkersReachConverseAndReasoningComesBackAsAThinkingBlock() throws Exception {
    Translator.Exchange ex = pivot(REQUEST.formatted(MODEL, ""));
    JsonNode sent = JSON.readTree(ex.request().body());
    assertThat(sent.path("additionalModelRequestFields").toString())
        .isEqualTo("{\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":3000}}");
    assertThat(sent.path("inferenceConfig").path("maxTokens").asInt()).isEqualTo(9000);
    assertThat(sent.path("system").toString())
        .isEqualTo("[{\"text\":\"A long manual ...\"},{\"cachePoint\":{\"type\":\"default\"}}]");

    ex.onResponseHeaders(200, Headers.of("content-type", "application/json"));
    byte[] answer = FakeBedrock.converseReasoning("Six times seven is 42.", "42", 12, 30, 2000, 500).pieces().get(0);
    JsonNode message = JSON.readTree(ex.onResponseBody(answer, true));
    assertThat(message.path("content").toString()).as("the provider's signature reaches the Messages client").isEqualTo(
        "[{\"type\":\"thinking\",\"thinking\":\"Six times seven is 42.\",\"signature\":\"ErcBCkgIBRABGAIiQFakeSignature\"},"
            + "{\"type\":\"text\",\"text\":\"42\"}]");
    assertThat(JSON.readTree(message.path("usage").toString())).isEqualTo(JSON.readTree(
        "{\"input_tokens\":12,\"cache_creation_input_tokens\":500,\"cache_read_input_tokens\":2000,\"output_tokens\":30}"));
    assertThat(ex.usage()).isEqualTo(new TokenUsage(2512, 30, 2542, 2000, 0, 500));
  }

  @Test
  void thinkingBlocksOfTheHistoryGoBackToConverseSigned() throws Exception {
    Translator.Exchange ex = pivot("""
        {"model":"%s","max_tokens":9000,"thinking":{"type":"enabled","budget_tokens":3000},
         "tools":[{"name":"weather","input_schema":{"type":"object"}}],
         "messages":[{"role":"user","content":"Weather?"},
          {"role":"assistant","content":[{"type":"thinking","thinking":"Need the tool.","signature":"sig-1"},
            {"type":"tool_use","id":"toolu_1","name":"weather","input":{}}]},
          {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"sunny"}]}]}"""
        .formatted(MODEL));
    JsonNode assistant = JSON.readTree(ex.request().body()).path("messages").get(1).path("content");
    assertThat(assistant.get(0).toString()).isEqualTo(
        "{\"reasoningContent\":{\"reasoningText\":{\"text\":\"Need the tool.\",\"signature\":\"sig-1\"}}}");
    assertThat(assistant.get(1).has("toolUse")).isTrue();
  }

  @Test
  void streamedReasoningBecomesThinkingDeltas() throws Exception {
    Translator.Exchange ex = pivot(REQUEST.formatted(MODEL, "\"stream\":true,"));
    assertThat(ex.onResponseHeaders(200, Headers.of("content-type", FakeBedrock.EVENT_STREAM)).streaming()).isTrue();
    byte[] frames = FakeBedrock.concat(FakeBedrock.reasoningStream(List.of("Six times", " seven."), List.of("42"), 9, 20));
    String sse = new String(ex.onResponseBody(frames, true), StandardCharsets.UTF_8);
    assertThat(sse).contains("\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}")
        .contains("{\"type\":\"thinking_delta\",\"thinking\":\"Six times\"}")
        .contains("{\"type\":\"signature_delta\",\"signature\":\"ErcBCkgIBRABGAIiQFakeSignature\"}")
        .contains("{\"type\":\"text_delta\",\"text\":\"42\"}")
        .contains("event: message_stop");
    assertThat(sse.indexOf("thinking_delta")).isLessThan(sse.indexOf("text_delta"));
    assertThat(ex.usage().outputTokens()).isEqualTo(20);
  }
}
