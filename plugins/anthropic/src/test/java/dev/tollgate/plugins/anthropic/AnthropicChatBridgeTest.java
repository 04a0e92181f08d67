package dev.tollgate.plugins.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.toolkit.SseDecoder;
import dev.tollgate.toolkit.anthropic.AnthropicChatBridge;
import dev.tollgate.toolkit.anthropic.ChatStreamConverter;
import dev.tollgate.testkit.FakeOpenAi;
import dev.tollgate.testkit.RandomSplitter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The plugin API's Anthropic-to-chat bridge (used by the OpenAI schemas for Anthropic clients), checked
 * here because this plugin holds the opposite conversion to round-trip against.
 */
class AnthropicChatBridgeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void messagesRequestBecomesAChatRequest() throws Exception {
    JsonNode req = JSON.readTree("""
        {"model":"claude-sonnet-4-5","max_tokens":1024,"system":"Be brief.","stop_sequences":["END"],
         "temperature":0.5,"top_k":3,"stream":true,"metadata":{"user_id":"u1"},
         "tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
         "tool_choice":{"type":"tool","name":"get_weather","disable_parallel_tool_use":true},
         "messages":[
           {"role":"user","content":[{"type":"text","text":"Weather?"},
              {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQ"}}]},
           {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"s"},
              {"type":"text","text":"Checking."},
              {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Oslo"}}]},
           {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"-3C"},
              {"type":"text","text":"And tomorrow?"}]}]}""");
    ObjectNode chat = AnthropicChatBridge.toChatRequest(req, "gpt-4o");

    assertThat(chat.path("model").asText()).isEqualTo("gpt-4o");
    assertThat(chat.path("max_completion_tokens").asInt()).isEqualTo(1024);
    assertThat(chat.path("stop").get(0).asText()).isEqualTo("END");
    assertThat(chat.path("user").asText()).isEqualTo("u1");
    assertThat(chat.has("top_k")).isFalse();
    assertThat(chat.path("stream_options").path("include_usage").asBoolean()).isTrue();
    assertThat(chat.path("tool_choice").path("function").path("name").asText()).isEqualTo("get_weather");
    assertThat(chat.path("parallel_tool_calls").asBoolean(true)).isFalse();
    assertThat(chat.path("tools").get(0).path("function").path("parameters").path("type").asText()).isEqualTo("object");
    JsonNode m = chat.path("messages");
    assertThat(m.size()).isEqualTo(5);
    assertThat(m.get(0).path("role").asText()).isEqualTo("system");
    assertThat(m.get(1).path("content").get(1).path("image_url").path("url").asText())
        .isEqualTo("data:image/jpeg;base64,/9j/4AAQ");
    assertThat(m.get(2).path("content").asText()).isEqualTo("Checking.");
    assertThat(JSON.readTree(m.get(2).path("tool_calls").get(0).path("function").path("arguments").asText()))
        .isEqualTo(JSON.readTree("{\"city\":\"Oslo\"}"));
    assertThat(m.get(3).path("role").asText()).as("tool results come right after the tool calls").isEqualTo("tool");
    assertThat(m.get(3).path("tool_call_id").asText()).isEqualTo("toolu_1");
    assertThat(m.get(4).path("content").asText()).isEqualTo("And tomorrow?");

    // and back: the chat request converts to the same Anthropic conversation
    ObjectNode again = ChatToMessages.convert(chat, "claude-sonnet-4-5");
    assertThat(again.path("system").asText()).isEqualTo("Be brief.");
    assertThat(again.path("messages").get(1).path("content").get(1).path("input"))
        .isEqualTo(req.path("messages").get(1).path("content").get(2).path("input"));
    assertThat(again.path("messages").get(2).path("content").get(0).path("tool_use_id").asText()).isEqualTo("toolu_1");
  }

  @Test
  void serverToolsAreRefused() throws Exception {
    JsonNode req = JSON.readTree("""
        {"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],
         "tools":[{"type":"web_search_20250305","name":"web_search"}]}""");
    assertThatThrownBy(() -> AnthropicChatBridge.toChatRequest(req, "m"))
        .isInstanceOf(GatewayException.class).hasMessageContaining("web_search_20250305");
  }

  @Test
  void chatCompletionBecomesAMessage() throws Exception {
    JsonNode completion = JSON.readTree("""
        {"id":"chatcmpl-abc","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,
         "message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
           "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Oslo\\"}"}}]},"finish_reason":"tool_calls"}],
         "usage":{"prompt_tokens":100,"completion_tokens":20,"total_tokens":120,"prompt_tokens_details":{"cached_tokens":64}}}""");
    ObjectNode msg = AnthropicChatBridge.toMessage(completion, "gpt-4o");
    assertThat(msg.path("type").asText()).isEqualTo("message");
    assertThat(msg.path("stop_reason").asText()).isEqualTo("tool_use");
    assertThat(msg.path("content").get(0).path("type").asText()).isEqualTo("tool_use");
    assertThat(msg.path("content").get(0).path("input").path("city").asText()).isEqualTo("Oslo");
    assertThat(msg.path("usage").path("input_tokens").asInt()).isEqualTo(36);
    assertThat(msg.path("usage").path("cache_read_input_tokens").asInt()).isEqualTo(64);
    assertThat(msg.path("usage").path("output_tokens").asInt()).isEqualTo(20);
  }

  @Test
  void openAiStreamBecomesAnthropicEventsAtAnySplit() throws Exception {
    byte[] upstream = concat(FakeOpenAi.streamChunks("gpt-4o", 11, 7, true));
    for (long seed = 1; seed <= 5; seed++) {
      ChatStreamConverter stream = new ChatStreamConverter("gpt-4o");
      SseDecoder in = new SseDecoder();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (byte[] piece : RandomSplitter.split(upstream, seed, (int) seed)) {
        for (SseDecoder.Event e : in.feed(piece)) {
          out.writeBytes(stream.onData(e.data()));
        }
      }
      out.writeBytes(stream.finish());
      List<SseDecoder.Event> events = new SseDecoder().feed(out.toByteArray());
      List<String> types = new ArrayList<>();
      StringBuilder text = new StringBuilder();
      for (SseDecoder.Event e : events) {
        types.add(e.event());
        JsonNode d = JSON.readTree(e.data());
        assertThat(d.path("type").asText()).isEqualTo(e.event());
        text.append(d.path("delta").path("text").asText(""));
      }
      assertThat(types).containsExactly("message_start", "content_block_start", "content_block_delta",
          "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop");
      assertThat(text.toString()).isEqualTo("Hello from the fake.");
      JsonNode delta = JSON.readTree(events.get(6).data());
      assertThat(delta.path("delta").path("stop_reason").asText()).isEqualTo("end_turn");
      assertThat(delta.path("usage").path("output_tokens").asInt()).isEqualTo(7);
      assertThat(stream.usage().inputTokens()).isEqualTo(11);
      assertThat(stream.usage().totalTokens()).isEqualTo(18);
    }
  }

  @Test
  void streamWithoutAnyChunkEndsWithAnErrorEventAndEmptyModelsAreIgnored() throws Exception {
    ChatStreamConverter empty = new ChatStreamConverter("gpt-4o");
    List<SseDecoder.Event> events = new SseDecoder().feed(empty.onData("[DONE]"));
    assertThat(events).hasSize(1);
    assertThat(events.get(0).event()).isEqualTo("error");
    assertThat(JSON.readTree(events.get(0).data()).path("error").path("type").asText()).isEqualTo("api_error");
    assertThat(empty.finish()).as("nothing after the end").isEmpty();

    // Azure opens with a chunk whose id and model are empty
    ChatStreamConverter azure = new ChatStreamConverter("my-deployment");
    byte[] start = azure.onData("{\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\"}");
    JsonNode message = JSON.readTree(new SseDecoder().feed(start).get(0).data()).path("message");
    assertThat(message.path("model").asText()).isEqualTo("my-deployment");
    assertThat(message.path("id").asText()).isNotEmpty();
    azure.onData("{\"id\":\"c\",\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}");
    assertThat(azure.model()).isEqualTo("gpt-4o-2024-08-06");
  }

  private static byte[] concat(List<byte[]> pieces) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    pieces.forEach(out::writeBytes);
    return out.toByteArray();
  }
}
