package dev.tollgate.toolkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.toolkit.openai.ChatCompletionRequest;
import dev.tollgate.toolkit.openai.OpenAiJson;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.toolkit.openai.Usage;
import org.junit.jupiter.api.Test;

class ClientModelsTest {
  @Test
  void unknownFieldsSurviveARoundTrip() throws Exception {
    String json = """
        {"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"a"},
        {"type":"image_url","image_url":{"url":"data:x"}},{"type":"text","text":"b"}],"x_msg":1}],
        "stream":true,"stream_options":{"include_usage":true},"max_completion_tokens":5,
        "logit_bias":{"50256":-100},"reasoning_effort":"low"}""";
    ChatCompletionRequest r = OpenAiJson.MAPPER.readValue(json, ChatCompletionRequest.class);
    assertThat(r.isStream()).isTrue();
    assertThat(r.tokenLimit()).isEqualTo(5);
    assertThat(r.messages().get(0).text()).isEqualTo("a\nb");
    JsonNode back = OpenAiJson.MAPPER.readTree(OpenAiJson.MAPPER.writeValueAsBytes(r));
    assertThat(back.path("logit_bias").path("50256").asInt()).isEqualTo(-100);
    assertThat(back.path("reasoning_effort").asText()).isEqualTo("low");
    assertThat(back.path("messages").get(0).path("x_msg").asInt()).isEqualTo(1);
    assertThat(back.path("stream_options").path("include_usage").asBoolean()).isTrue();
    assertThat(back.has("temperature")).as("absent stays absent").isFalse();
  }

  @Test
  void usageDetailsBecomeCachedAndReasoningTokens() throws Exception {
    Usage u = OpenAiJson.MAPPER.readValue("""
        {"prompt_tokens":100,"completion_tokens":30,"total_tokens":130,
         "prompt_tokens_details":{"cached_tokens":64,"audio_tokens":0},
         "completion_tokens_details":{"reasoning_tokens":12}}""", Usage.class);
    assertThat(u.toTokenUsage()).isEqualTo(new TokenUsage(100, 30, 130, 64, 12));
    assertThat(Usage.from(u.toTokenUsage())).isEqualTo(u);
  }
}
