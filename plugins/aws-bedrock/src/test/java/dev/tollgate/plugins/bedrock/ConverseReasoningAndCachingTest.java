package dev.tollgate.plugins.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.testkit.FakeBedrock;
import dev.tollgate.toolkit.SseDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reasoning ({@code additionalModelRequestFields}, reasoningContent) and cache points over Converse. */
class ConverseReasoningAndCachingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CLAUDE = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
  private static final String NOVA = "us.amazon.nova-2-lite-v1:0";

  private static ObjectNode converse(String chat, String model) throws Exception {
    return ConverseRequestMapper.toConverse(JSON.readTree(chat), model);
  }

  @Test
  void claudeGetsAThinkingBudgetAndRoomAboveIt() throws Exception {
    ObjectNode out = converse("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"reasoning_effort\":\"high\"}",
        CLAUDE);
    assertThat(out.path("additionalModelRequestFields").toString())
        .isEqualTo("{\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":16384}}");
    assertThat(out.path("inferenceConfig").path("maxTokens").asInt()).isEqualTo(16384 + 4096);
    out = converse("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"reasoning_effort\":\"low\","
        + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":3000},\"max_tokens\":5000}", CLAUDE);
    assertThat(out.path("additionalModelRequestFields").path("thinking").path("budget_tokens").asInt())
        .as("the thinking extension wins over reasoning_effort").isEqualTo(3000);
    assertThat(out.path("inferenceConfig").path("maxTokens").asInt()).isEqualTo(5000);
    assertThatThrownBy(() -> converse("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
        + "\"reasoning_effort\":\"low\",\"temperature\":0.3}", CLAUDE))
        .isInstanceOf(GatewayException.class).hasMessageContaining("temperature");
  }

  @Test
  void novaGetsAReasoningEffortAndOtherModelsA400() throws Exception {
    ObjectNode out = converse("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"reasoning_effort\":\"medium\"}",
        NOVA);
    assertThat(out.path("additionalModelRequestFields").toString())
        .isEqualTo("{\"reasoningConfig\":{\"type\":\"enabled\",\"maxReasoningEffort\":\"medium\"}}");
    out = converse("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
        + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":20000}}", NOVA);
    assertThat(out.path("additionalModelRequestFields").path("reasoningConfig").path("maxReasoningEffort").asText())
        .isEqualTo("high");
    assertThat(converse("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", NOVA)
        .has("additionalModelRequestFields")).isFalse();
    assertThatThrownBy(() -> converse("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
        + "\"reasoning_effort\":\"low\"}", "meta.llama3-70b-instruct-v1:0"))
        .isInstanceOf(GatewayException.class).hasMessageContaining("Anthropic Claude and Amazon Nova");
  }

  @Test
  void cacheMarkersBecomeCachePointsAfterTheMarkedContent() throws Exception {
    ObjectNode out = converse("""
        {"messages":[
          {"role":"system","content":"A long manual ...","cache_control":{"type":"ephemeral"}},
          {"role":"user","content":[{"type":"text","text":"Doc","cache_control":{"type":"ephemeral"}},
                                    {"type":"text","text":"Question"}]},
          {"role":"assistant","content":"Answer"},
          {"role":"user","content":"More","cache_control":{"type":"ephemeral"}}],
         "tools":[{"type":"function","function":{"name":"f"},"cache_control":{"type":"ephemeral"}},
                  {"type":"function","function":{"name":"g"}}]}""", CLAUDE);
    assertThat(out.path("system").toString())
        .isEqualTo("[{\"text\":\"A long manual ...\"},{\"cachePoint\":{\"type\":\"default\"}}]");
    assertThat(out.path("messages").get(0).path("content").toString())
        .isEqualTo("[{\"text\":\"Doc\"},{\"cachePoint\":{\"type\":\"default\"}},{\"text\":\"Question\"}]");
    assertThat(out.path("messages").get(2).path("content").toString())
        .isEqualTo("[{\"text\":\"More\"},{\"cachePoint\":{\"type\":\"default\"}}]");
    JsonNode tools = out.path("toolConfig").path("tools");
    assertThat(tools.size()).isEqualTo(3);
    assertThat(tools.get(0).path("toolSpec").path("name").asText()).isEqualTo("f");
    assertThat(tools.get(1).toString()).isEqualTo("{\"cachePoint\":{\"type\":\"default\"}}");
    assertThat(tools.get(2).path("toolSpec").path("name").asText()).isEqualTo("g");
  }

  @Test
  void thinkingBlocksSentBackBecomeReasoningContentBlocks() throws Exception {
    ObjectNode out = converse("""
        {"reasoning_effort":"low","messages":[{"role":"user","content":"Weather?"},
          {"role":"assistant","content":null,
           "thinking_blocks":[{"type":"thinking","thinking":"Need the tool.","signature":"sig-1"},
                              {"type":"redacted_thinking","data":"EmwK"}],
           "tool_calls":[{"id":"t1","type":"function","function":{"name":"weather","arguments":"{}"}}]},
          {"role":"tool","tool_call_id":"t1","content":"sunny"}],
         "tools":[{"type":"function","function":{"name":"weather"}}]}""", CLAUDE);
    JsonNode assistant = out.path("messages").get(1).path("content");
    assertThat(assistant.get(0).toString()).isEqualTo(
        "{\"reasoningContent\":{\"reasoningText\":{\"text\":\"Need the tool.\",\"signature\":\"sig-1\"}}}");
    assertThat(assistant.get(1).toString()).isEqualTo("{\"reasoningContent\":{\"redactedContent\":\"EmwK\"}}");
    assertThat(assistant.get(2).has("toolUse")).isTrue();
  }

  @Test
  void wholeReasoningContentBecomesReasoningContentNotContent() throws Exception {
    JsonNode converse = JSON.readTree("""
        {"output":{"message":{"role":"assistant","content":[
           {"reasoningContent":{"reasoningText":{"text":"Six times seven.","signature":"sig-1"}}},
           {"text":"42"}]}},"stopReason":"end_turn",
         "usage":{"inputTokens":10,"outputTokens":80,"totalTokens":90}}""");
    JsonNode out = JSON.readTree(ConverseResponseMapper.toChatCompletion(converse, "x", 0, "m").toString());
    JsonNode message = out.path("choices").get(0).path("message");
    assertThat(message.path("content").asText()).isEqualTo("42");
    assertThat(message.path("reasoning_content").asText()).isEqualTo("Six times seven.");
    assertThat(message.path("thinking_blocks").toString())
        .isEqualTo("[{\"type\":\"thinking\",\"thinking\":\"Six times seven.\",\"signature\":\"sig-1\"}]");
  }

  @Test
  void streamedReasoningDeltasBecomeReasoningContentDeltas() throws Exception {
    List<byte[]> frames = new ArrayList<>();
    frames.add(FakeBedrock.event("messageStart", JSON.createObjectNode().put("role", "assistant")));
    for (String text : List.of("Six times", " seven.")) {
      ObjectNode delta = JSON.createObjectNode().put("contentBlockIndex", 0);
      delta.putObject("delta").putObject("reasoningContent").put("text", text);
      frames.add(FakeBedrock.event("contentBlockDelta", delta));
    }
    ObjectNode signature = JSON.createObjectNode().put("contentBlockIndex", 0);
    signature.putObject("delta").putObject("reasoningContent").put("signature", "sig-1");
    frames.add(FakeBedrock.event("contentBlockDelta", signature));
    ObjectNode text = JSON.createObjectNode().put("contentBlockIndex", 1);
    text.putObject("delta").put("text", "42");
    frames.add(FakeBedrock.event("contentBlockDelta", text));
    frames.add(FakeBedrock.event("messageStop", JSON.createObjectNode().put("stopReason", "end_turn")));
    frames.add(FakeBedrock.metadata(10, 80, 0));
    ConverseStreamExchange ex = new ConverseStreamExchange(UpstreamRequest.post("/p", Headers.empty(), new byte[0]),
        "m", "chatcmpl-x", 1L, true);
    ex.onResponseHeaders(200, Headers.of("content-type", FakeBedrock.EVENT_STREAM));
    byte[] out = ex.onResponseBody(FakeBedrock.concat(frames), true);
    StringBuilder reasoning = new StringBuilder();
    StringBuilder content = new StringBuilder();
    for (SseDecoder.Event e : new SseDecoder().feed(out)) {
      if (e.data().startsWith("{")) {
        JsonNode delta = JSON.readTree(e.data()).path("choices").path(0).path("delta");
        reasoning.append(delta.path("reasoning_content").asText(""));
        content.append(delta.path("content").asText(""));
      }
    }
    assertThat(reasoning.toString()).isEqualTo("Six times seven.");
    assertThat(content.toString()).isEqualTo("42");
    assertThat(new String(out, StandardCharsets.UTF_8)).contains(
        "\"delta\":{\"thinking_blocks\":[{\"type\":\"thinking\",\"thinking\":\"Six times seven.\",\"signature\":\"sig-1\"}]}");
  }
}
