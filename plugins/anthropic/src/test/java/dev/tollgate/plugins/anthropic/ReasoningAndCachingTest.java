package dev.tollgate.plugins.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.Translator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reasoning and prompt caching for chat clients of Claude hosts, and cache usage for Messages clients. */
class ReasoningAndCachingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final UpstreamRequest UP = UpstreamRequest.post("/v1/messages", Headers.empty(), new byte[0]);

  private static ObjectNode convert(String chat) throws Exception {
    return ChatToMessages.convert(JSON.readTree(chat), "claude-sonnet-4-5");
  }

  @Test
  void reasoningEffortBecomesAThinkingBudgetUnderMaxTokens() throws Exception {
    ObjectNode out = convert("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"reasoning_effort\":\"medium\"}");
    assertThat(out.path("thinking").toString()).isEqualTo("{\"type\":\"enabled\",\"budget_tokens\":4096}");
    assertThat(out.path("max_tokens").asInt()).isEqualTo(4096 + ChatToMessages.DEFAULT_MAX_TOKENS);
    out = convert("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"reasoning_effort\":\"high\","
        + "\"max_completion_tokens\":6000}");
    assertThat(out.path("thinking").path("budget_tokens").asInt()).as("cut to half the client's limit").isEqualTo(3000);
    assertThat(out.path("max_tokens").asInt()).isEqualTo(6000);
    out = convert("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"reasoning_effort\":\"low\","
        + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":12000},\"max_tokens\":20000}");
    assertThat(out.path("thinking").path("budget_tokens").asInt()).as("the extension wins").isEqualTo(12000);
    assertThat(convert("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"reasoning_effort\":\"none\"}")
        .has("thinking")).isFalse();
  }

  @Test
  void samplingThatThinkingForbidsIsA400NamingTheField() {
    assertThatThrownBy(() -> convert("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
        + "\"reasoning_effort\":\"low\",\"temperature\":0.2}"))
        .isInstanceOf(GatewayException.class).hasMessageContaining("temperature");
    assertThatThrownBy(() -> convert("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
        + "\"reasoning_effort\":\"low\",\"max_tokens\":1000}"))
        .isInstanceOf(GatewayException.class).hasMessageContaining("max_completion_tokens must be at least 2048");
    assertThatThrownBy(() -> convert("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
        + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":4000},\"max_tokens\":3000}"))
        .isInstanceOf(GatewayException.class).hasMessageContaining("thinking.budget_tokens");
    assertThatThrownBy(() -> convert("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"reasoning_effort\":\"low\","
        + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":\"required\"}"))
        .isInstanceOf(GatewayException.class).hasMessageContaining("tool_choice");
  }

  @Test
  void cacheMarkersStayOnTheirBlocks() throws Exception {
    ObjectNode out = convert("""
        {"messages":[
          {"role":"system","content":"A long manual ...","cache_control":{"type":"ephemeral"}},
          {"role":"user","content":[{"type":"text","text":"Doc","cache_control":{"type":"ephemeral","ttl":"1h"}},
                                    {"type":"text","text":"Question"}]},
          {"role":"assistant","content":"Answer","cache_control":{"type":"ephemeral"}},
          {"role":"user","content":"More"}],
         "tools":[{"type":"function","function":{"name":"f"},"cache_control":{"type":"ephemeral"}}]}""");
    assertThat(out.path("system").toString()).as("a marked system stays an array of blocks").isEqualTo(
        "[{\"type\":\"text\",\"text\":\"A long manual ...\",\"cache_control\":{\"type\":\"ephemeral\"}}]");
    assertThat(out.path("messages").get(0).path("content").toString()).isEqualTo(
        "[{\"type\":\"text\",\"text\":\"Doc\",\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}},"
            + "{\"type\":\"text\",\"text\":\"Question\"}]");
    assertThat(out.path("messages").get(1).path("content").get(0).path("cache_control").path("type").asText())
        .isEqualTo("ephemeral");
    assertThat(out.path("messages").get(2).path("content").get(0).has("cache_control")).isFalse();
    assertThat(out.path("tools").get(0).path("cache_control").toString()).isEqualTo("{\"type\":\"ephemeral\"}");
    assertThatThrownBy(() -> convert("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\","
        + "\"cache_control\":{\"type\":\"persistent\"}}]}")).hasMessageContaining("messages[0].cache_control");
  }

  @Test
  void thinkingBlocksSentBackPrecedeTheAssistantsText() throws Exception {
    ObjectNode out = convert("""
        {"reasoning_effort":"low","messages":[{"role":"user","content":"Weather?"},
          {"role":"assistant","content":null,"reasoning_content":"Need the tool.",
           "thinking_blocks":[{"type":"thinking","thinking":"Need the tool.","signature":"sig-1"},
                              {"type":"redacted_thinking","data":"EmwK"}],
           "tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"weather","arguments":"{}"}}]},
          {"role":"tool","tool_call_id":"toolu_1","content":"sunny"}],
         "tools":[{"type":"function","function":{"name":"weather"}}]}""");
    JsonNode assistant = out.path("messages").get(1).path("content");
    assertThat(assistant.get(0).toString())
        .isEqualTo("{\"type\":\"thinking\",\"thinking\":\"Need the tool.\",\"signature\":\"sig-1\"}");
    assertThat(assistant.get(1).toString()).isEqualTo("{\"type\":\"redacted_thinking\",\"data\":\"EmwK\"}");
    assertThat(assistant.get(2).path("type").asText()).isEqualTo("tool_use");
    assertThatThrownBy(() -> convert("{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\","
        + "\"content\":\"b\",\"thinking_blocks\":[{\"type\":\"thinking\",\"thinking\":\"x\"}]}]}"))
        .hasMessageContaining("messages[1].thinking_blocks[0]");
  }

  private static final String THINKING_MESSAGE = """
      {"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[
        {"type":"thinking","thinking":"Six times seven.","signature":"EqQBsig"},
        {"type":"redacted_thinking","data":"EmwKAhgB"},
        {"type":"text","text":"42"}],"stop_reason":"end_turn","stop_sequence":null,
       "usage":{"input_tokens":10,"cache_creation_input_tokens":2000,"cache_read_input_tokens":3000,"output_tokens":120}}""";

  @Test
  void wholeThinkingBecomesReasoningContentAndCacheTokensArePartOfThePrompt() throws Exception {
    ChatExchange ex = new ChatExchange(UP, "claude-sonnet-4-5", 1L, false);
    ex.onResponseHeaders(200, Headers.of("content-type", "application/json"));
    JsonNode out = JSON.readTree(ex.onResponseBody(THINKING_MESSAGE.getBytes(StandardCharsets.UTF_8), true));
    JsonNode message = out.path("choices").get(0).path("message");
    assertThat(message.path("content").asText()).isEqualTo("42");
    assertThat(message.path("reasoning_content").asText()).isEqualTo("Six times seven.");
    assertThat(message.path("thinking_blocks").toString()).as("signed and redacted blocks, to send back").isEqualTo(
        "[{\"type\":\"thinking\",\"thinking\":\"Six times seven.\",\"signature\":\"EqQBsig\"},"
            + "{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgB\"}]");
    assertThat(message.path("content").asText()).doesNotContain("Six");
    assertThat(JSON.readTree(out.path("usage").toString())).isEqualTo(JSON.readTree("""
        {"prompt_tokens":5010,"completion_tokens":120,"total_tokens":5130,
         "prompt_tokens_details":{"cached_tokens":3000,"cache_write_tokens":2000}}"""));
    assertThat(ex.usage()).isEqualTo(new TokenUsage(5010, 120, 5130, 3000, 0, 2000));
  }

  private static final List<String> THINKING_EVENTS = List.of(
      "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_2\",\"type\":\"message\",\"role\":\"assistant\","
          + "\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":"
          + "{\"input_tokens\":10,\"cache_creation_input_tokens\":2000,\"cache_read_input_tokens\":3000,\"output_tokens\":1}}}",
      "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}",
      "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Six times\"}}",
      "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\" seven.\"}}",
      "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"EqQBsig\"}}",
      "{\"type\":\"content_block_stop\",\"index\":0}",
      "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
      "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"42\"}}",
      "{\"type\":\"content_block_stop\",\"index\":1}",
      "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
          + "\"usage\":{\"output_tokens\":120}}",
      "{\"type\":\"message_stop\"}");

  private static byte[] sse(List<String> events) {
    StringBuilder sb = new StringBuilder();
    for (String e : events) {
      sb.append("event: ").append(JSON.valueToTree(e).asText().replaceAll(".*\"type\":\"([a-z_]+)\".*", "$1"))
          .append("\ndata: ").append(e).append("\n\n");
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static List<JsonNode> chunks(byte[] sse) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : new String(sse, StandardCharsets.UTF_8).split("\n")) {
      if (line.startsWith("data: {")) {
        out.add(JSON.readTree(line.substring(6)));
      }
    }
    return out;
  }

  @Test
  void streamedThinkingBecomesReasoningContentDeltas() throws Exception {
    ChatExchange ex = new ChatExchange(UP, "claude-sonnet-4-5", 1L, true);
    ex.onResponseHeaders(200, Headers.of("content-type", "text/event-stream"));
    List<JsonNode> chunks = chunks(ex.onResponseBody(sse(THINKING_EVENTS), true));
    StringBuilder reasoning = new StringBuilder();
    StringBuilder content = new StringBuilder();
    for (JsonNode c : chunks) {
      JsonNode delta = c.path("choices").path(0).path("delta");
      reasoning.append(delta.path("reasoning_content").asText(""));
      content.append(delta.path("content").asText(""));
    }
    assertThat(reasoning.toString()).isEqualTo("Six times seven.");
    assertThat(content.toString()).isEqualTo("42");
    List<String> blocks = chunks.stream().map(c -> c.path("choices").path(0).path("delta").path("thinking_blocks"))
        .filter(JsonNode::isArray).map(JsonNode::toString).toList();
    assertThat(blocks).as("the whole block once its signature came").containsExactly(
        "[{\"type\":\"thinking\",\"thinking\":\"Six times seven.\",\"signature\":\"EqQBsig\"}]");
    JsonNode usage = chunks.get(chunks.size() - 1).path("usage");
    assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(5010);
    assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(3000);
    assertThat(usage.path("prompt_tokens_details").path("cache_write_tokens").asLong()).isEqualTo(2000);
    assertThat(ex.usage()).isEqualTo(new TokenUsage(5010, 120, 5130, 3000, 0, 2000));
  }

  @Test
  void messagesClientsAnswersCountCacheReadsAndWritesWholeAndStreamed() throws Exception {
    Translator.Exchange whole = new MessagesExchange(UP, "claude-sonnet-4-5");
    whole.onResponseHeaders(200, Headers.of("content-type", "application/json"));
    byte[] body = THINKING_MESSAGE.getBytes(StandardCharsets.UTF_8);
    assertThat(whole.onResponseBody(body, true)).as("passed through").isEqualTo(body);
    assertThat(whole.usage()).isEqualTo(new TokenUsage(5010, 120, 5130, 3000, 0, 2000));

    Translator.Exchange streamed = new MessagesExchange(UP, "claude-sonnet-4-5");
    streamed.onResponseHeaders(200, Headers.of("content-type", "text/event-stream"));
    byte[] events = sse(THINKING_EVENTS);
    int half = events.length / 2;
    streamed.onResponseBody(java.util.Arrays.copyOfRange(events, 0, half), false);
    streamed.onResponseBody(java.util.Arrays.copyOfRange(events, half, events.length), true);
    assertThat(streamed.usage()).as("message_start's cache counts, message_delta's output")
        .isEqualTo(new TokenUsage(5010, 120, 5130, 3000, 0, 2000));
  }
}
