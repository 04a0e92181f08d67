package dev.tollgate.plugins.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.api.TokenUsage;
import org.junit.jupiter.api.Test;

/** Converse answers → OpenAI, from the response syntax in the Amazon Bedrock API Reference. */
class ConverseResponseMapperTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void textAnswerWithCachedUsage() throws Exception {
    JsonNode converse = JSON.readTree("""
        {"output":{"message":{"role":"assistant","content":[{"text":"Hello"},{"text":" there"}]}},
         "stopReason":"end_turn",
         "usage":{"inputTokens":5,"outputTokens":2,"totalTokens":107,"cacheReadInputTokens":100,"cacheWriteInputTokens":0},
         "metrics":{"latencyMs":120}}
        """);
    JsonNode out = JSON.readTree(
        ConverseResponseMapper.toChatCompletion(converse, "chatcmpl-1", 1700000000L, "m").toString());
    assertThat(out).isEqualTo(JSON.readTree("""
        {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"m",
         "choices":[{"index":0,"message":{"role":"assistant","content":"Hello there","refusal":null},
                     "logprobs":null,"finish_reason":"stop"}],
         "usage":{"prompt_tokens":105,"completion_tokens":2,"total_tokens":107,
                  "prompt_tokens_details":{"cached_tokens":100}}}
        """));
    assertThat(ConverseResponseMapper.usage(converse.get("usage"))).isEqualTo(new TokenUsage(105, 2, 107, 100, 0));
  }

  @Test
  void promptCacheWritesArePartOfInputAndCountedApart() throws Exception {
    JsonNode converse = JSON.readTree("""
        {"output":{"message":{"role":"assistant","content":[{"text":"Hi"}]}},"stopReason":"end_turn",
         "usage":{"inputTokens":12,"outputTokens":3,"totalTokens":2575,"cacheReadInputTokens":512,
                  "cacheWriteInputTokens":2048}}
        """);
    assertThat(ConverseResponseMapper.usage(converse.get("usage")))
        .isEqualTo(new TokenUsage(2572, 3, 2575, 512, 0, 2048));
    JsonNode out = JSON.readTree(ConverseResponseMapper.toChatCompletion(converse, "x", 0, "m").toString());
    assertThat(out.path("usage")).as("cache writes are part of prompt_tokens, and counted apart in OpenAI's"
            + " prompt_tokens_details.cache_write_tokens")
        .isEqualTo(JSON.readTree("""
            {"prompt_tokens":2572,"completion_tokens":3,"total_tokens":2575,
             "prompt_tokens_details":{"cached_tokens":512,"cache_write_tokens":2048}}
            """));
  }

  @Test
  void negativeOrMissingCountsAreZero() throws Exception {
    assertThat(ConverseResponseMapper.usage(JSON.readTree("""
        {"inputTokens":-4,"outputTokens":"x","cacheWriteInputTokens":-1}""")))
        .isEqualTo(TokenUsage.NONE);
  }

  @Test
  void toolUseOnlyAnswerHasNullContent() throws Exception {
    JsonNode converse = JSON.readTree("""
        {"output":{"message":{"role":"assistant","content":[
           {"toolUse":{"toolUseId":"t1","name":"top_song","input":{"sign":"WZPZ"}}}]}},
         "stopReason":"tool_use","usage":{"inputTokens":10,"outputTokens":5,"totalTokens":15}}
        """);
    JsonNode msg = ConverseResponseMapper.toChatCompletion(converse, "x", 0, "m").path("choices").get(0);
    assertThat(msg.path("finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(msg.path("message").path("content").isNull()).isTrue();
    assertThat(msg.path("message").path("tool_calls")).isEqualTo(JSON.readTree("""
        [{"id":"t1","type":"function","function":{"name":"top_song","arguments":"{\\"sign\\":\\"WZPZ\\"}"}}]
        """));
  }

  @Test
  void stopReasons() {
    assertThat(ConverseResponseMapper.finishReason("end_turn")).isEqualTo("stop");
    assertThat(ConverseResponseMapper.finishReason("stop_sequence")).isEqualTo("stop");
    assertThat(ConverseResponseMapper.finishReason("max_tokens")).isEqualTo("length");
    assertThat(ConverseResponseMapper.finishReason("tool_use")).isEqualTo("tool_calls");
    assertThat(ConverseResponseMapper.finishReason("content_filtered")).isEqualTo("content_filter");
    assertThat(ConverseResponseMapper.finishReason("guardrail_intervened")).isEqualTo("content_filter");
  }
}
