package dev.tollgate.toolkit.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.toolkit.JsonSupport;
import org.junit.jupiter.api.Test;

/** ChatReasoning, ChatCacheControl, and the reasoning and cache parts of chat answers. */
class ReasoningFieldsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ChatReasoning read(String chat) throws Exception {
    return ChatReasoning.read(JSON.readTree(chat));
  }

  @Test
  void effortsBecomeBudgetsAndThinkingTakesPrecedence() throws Exception {
    assertThat(read("{}")).isNull();
    assertThat(read("{\"reasoning_effort\":\"none\"}")).isNull();
    assertThat(read("{\"reasoning_effort\":\"minimal\"}")).isEqualTo(new ChatReasoning(1024, "low"));
    assertThat(read("{\"reasoning_effort\":\"low\"}")).isEqualTo(new ChatReasoning(1024, "low"));
    assertThat(read("{\"reasoning_effort\":\"medium\"}")).isEqualTo(new ChatReasoning(4096, "medium"));
    assertThat(read("{\"reasoning_effort\":\"high\"}")).isEqualTo(new ChatReasoning(16384, "high"));
    assertThat(read("{\"reasoning_effort\":\"low\",\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":10000}}"))
        .isEqualTo(new ChatReasoning(10000, "high"));
    assertThat(read("{\"reasoning_effort\":\"high\",\"thinking\":{\"type\":\"disabled\"}}")).isNull();
    assertThat(read("{\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":3000}}").effort()).isEqualTo("medium");
  }

  @Test
  void malformedReasoningNamesTheField() {
    assertThatThrownBy(() -> read("{\"reasoning_effort\":\"max\"}")).isInstanceOf(GatewayException.class)
        .hasMessageContaining("reasoning_effort");
    assertThatThrownBy(() -> read("{\"thinking\":{\"type\":\"enabled\"}}")).isInstanceOf(GatewayException.class)
        .hasMessageContaining("thinking.budget_tokens");
    assertThatThrownBy(() -> read("{\"thinking\":{\"type\":\"sometimes\"}}")).isInstanceOf(GatewayException.class)
        .hasMessageContaining("thinking.type");
  }

  @Test
  void cacheMarkersMustBeEphemeral() throws Exception {
    assertThat(ChatCacheControl.of(JSON.readTree("{\"type\":\"text\"}"), "x")).isNull();
    assertThat(ChatCacheControl.of(JSON.readTree("{\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}}"), "x"))
        .isEqualTo(JSON.readTree("{\"type\":\"ephemeral\",\"ttl\":\"1h\"}"));
    assertThatThrownBy(() -> ChatCacheControl.of(JSON.readTree("{\"cache_control\":{\"type\":\"forever\"}}"),
        "messages[0].content[1]")).hasMessageContaining("messages[0].content[1].cache_control");
  }

  @Test
  void usageWritesCachedAndWrittenAndReasoningTokensAndReadsThemBack() throws Exception {
    TokenUsage u = new TokenUsage(3000, 50, 3050, 1000, 30, 1500);
    JsonNode json = JSON.readTree(JSON.writeValueAsString(Usage.from(u)));
    assertThat(json).isEqualTo(JSON.readTree("""
        {"prompt_tokens":3000,"completion_tokens":50,"total_tokens":3050,
         "prompt_tokens_details":{"cached_tokens":1000,"cache_write_tokens":1500},
         "completion_tokens_details":{"reasoning_tokens":30}}"""));
    assertThat(JSON.treeToValue(json, Usage.class).toTokenUsage()).isEqualTo(u);
    assertThat(JSON.valueToTree(Usage.from(TokenUsage.of(3, 4))).has("prompt_tokens_details")).isFalse();
  }

  @Test
  void reasoningGoesInItsOwnFieldWholeAndStreamed() throws Exception {
    ChatMessage m = new ChatMessage("assistant", JSON.readTree("\"42\""), null, null, null, null)
        .withReasoningContent("6 times 7");
    JsonNode json = JSON.valueToTree(m);
    assertThat(json.path("content").asText()).isEqualTo("42");
    assertThat(json.path("reasoning_content").asText()).isEqualTo("6 times 7");
    ChatChunkWriter w = new ChatChunkWriter("c", 1, "m", false);
    String chunk = new String(w.reasoning(0, "thinking..."));
    JsonNode delta = JSON.readTree(chunk.substring("data: ".length())).path("choices").get(0).path("delta");
    assertThat(delta).isEqualTo(JsonSupport.object().put("reasoning_content", "thinking..."));
    assertThat(w.reasoning(0, "")).isEmpty();
  }
}
