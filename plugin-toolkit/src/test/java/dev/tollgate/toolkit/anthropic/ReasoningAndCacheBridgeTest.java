package dev.tollgate.toolkit.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.toolkit.PivotExtensions.Dialect;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** AnthropicChatBridge and ChatStreamConverter with thinking, cache markers and cache usage. */
class ReasoningAndCacheBridgeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String MESSAGES = """
      {"model":"claude","max_tokens":8000,"thinking":{"type":"enabled","budget_tokens":2048},
       "system":[{"type":"text","text":"You are terse."},
                 {"type":"text","text":"A long manual ...","cache_control":{"type":"ephemeral"}}],
       "tools":[{"name":"lookup","input_schema":{"type":"object"},"cache_control":{"type":"ephemeral","ttl":"1h"}}],
       "messages":[
         {"role":"user","content":[{"type":"text","text":"Read this.","cache_control":{"type":"ephemeral"}}]},
         {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"sig"},
                                        {"type":"text","text":"Done."}]},
         {"role":"user","content":"And now?"}]}""";

  @Test
  void theTollgateDialectCarriesThinkingAndCacheMarkers() throws Exception {
    ObjectNode chat = AnthropicChatBridge.toChatRequest(JSON.readTree(MESSAGES), "claude", Dialect.TOLLGATE);
    assertThat(chat.get("thinking")).isEqualTo(JSON.readTree("{\"type\":\"enabled\",\"budget_tokens\":2048}"));
    JsonNode system = chat.path("messages").get(0);
    assertThat(system.path("content")).isEqualTo(JSON.readTree("""
        [{"type":"text","text":"You are terse."},
         {"type":"text","text":"A long manual ...","cache_control":{"type":"ephemeral"}}]"""));
    JsonNode user = chat.path("messages").get(1);
    assertThat(user.path("content")).as("a marked single text block stays a part, so the marker has a place")
        .isEqualTo(JSON.readTree("[{\"type\":\"text\",\"text\":\"Read this.\",\"cache_control\":{\"type\":\"ephemeral\"}}]"));
    assertThat(chat.path("messages").get(2).path("content").asText()).isEqualTo("Done.");
    assertThat(chat.path("messages").get(2).path("thinking_blocks").toString())
        .as("the history's thinking blocks go back signed").isEqualTo(
            "[{\"type\":\"thinking\",\"thinking\":\"hmm\",\"signature\":\"sig\"}]");
    assertThat(chat.path("tools").get(0).path("cache_control"))
        .isEqualTo(JSON.readTree("{\"type\":\"ephemeral\",\"ttl\":\"1h\"}"));
  }

  @Test
  void theStandardDialectStaysPlainChatForOpenAi() throws Exception {
    ObjectNode chat = AnthropicChatBridge.toChatRequest(JSON.readTree(MESSAGES), "gpt");
    assertThat(chat.has("thinking")).isFalse();
    assertThat(chat.toString()).doesNotContain("cache_control").doesNotContain("thinking_blocks");
    assertThat(chat.path("messages").get(0).path("content").asText()).isEqualTo("You are terse.\nA long manual ...");
    assertThat(chat.path("messages").get(1).path("content").asText()).isEqualTo("Read this.");
  }

  @Test
  void reasoningContentBecomesALeadingThinkingBlockAndCacheWritesCacheCreation() throws Exception {
    JsonNode completion = JSON.readTree("""
        {"id":"c1","object":"chat.completion","model":"m","choices":[{"index":0,"finish_reason":"stop",
          "message":{"role":"assistant","content":"42","reasoning_content":"6 times 7"}}],
         "usage":{"prompt_tokens":3000,"completion_tokens":50,"total_tokens":3050,
                  "prompt_tokens_details":{"cached_tokens":1000,"cache_write_tokens":1500},
                  "completion_tokens_details":{"reasoning_tokens":30}}}""");
    ObjectNode message = AnthropicChatBridge.toMessage(completion, "m");
    assertThat(message.path("content")).isEqualTo(JSON.readTree("""
        [{"type":"thinking","thinking":"6 times 7","signature":""},{"type":"text","text":"42"}]"""));
    assertThat(JSON.readTree(message.path("usage").toString())).isEqualTo(JSON.readTree("""
        {"input_tokens":500,"cache_creation_input_tokens":1500,"cache_read_input_tokens":1000,"output_tokens":50}"""));
    assertThat(AnthropicChatBridge.tokenUsage(completion.get("usage")))
        .isEqualTo(new TokenUsage(3000, 50, 3050, 1000, 30, 1500));
  }

  @Test
  void streamedReasoningBecomesAThinkingBlockBeforeTheText() throws Exception {
    ChatStreamConverter converter = new ChatStreamConverter("m");
    StringBuilder sse = new StringBuilder();
    for (String data : List.of(
        "{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}",
        "{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"6 times\"}}]}",
        "{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\" 7\"}}]}",
        "{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"42\"}}]}",
        "{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}",
        "{\"id\":\"c\",\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,"
            + "\"total_tokens\":15,\"prompt_tokens_details\":{\"cached_tokens\":4,\"cache_write_tokens\":2}}}",
        "[DONE]")) {
      sse.append(new String(converter.onData(data)));
    }
    List<JsonNode> events = new ArrayList<>();
    for (String line : sse.toString().split("\n")) {
      if (line.startsWith("data: ")) {
        events.add(JSON.readTree(line.substring(6)));
      }
    }
    List<String> types = events.stream().map(e -> e.path("type").asText()
        + (e.has("delta") && e.path("delta").has("type") ? ":" + e.path("delta").path("type").asText() : "")).toList();
    assertThat(types).containsExactly("message_start", "content_block_start", "content_block_delta:thinking_delta",
        "content_block_delta:thinking_delta", "content_block_stop", "content_block_start",
        "content_block_delta:text_delta", "content_block_stop", "message_delta", "message_stop");
    assertThat(events.get(1).path("content_block")).as("the signature field is there for SDKs, empty")
        .isEqualTo(JSON.readTree("{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}"));
    assertThat(events.get(2).path("delta").path("thinking").asText()).isEqualTo("6 times");
    assertThat(events.get(5).path("index").asInt()).isEqualTo(1);
    assertThat(JSON.readTree(events.get(8).path("usage").toString())).isEqualTo(JSON.readTree("""
        {"input_tokens":4,"cache_creation_input_tokens":2,"cache_read_input_tokens":4,"output_tokens":5}"""));
    assertThat(converter.usage()).isEqualTo(new TokenUsage(10, 5, 15, 4, 0, 2));
  }
}
