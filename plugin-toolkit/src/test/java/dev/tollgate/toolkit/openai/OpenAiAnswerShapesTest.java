package dev.tollgate.toolkit.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.SseDecoder;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The chat completions and chunks the toolkit writes carry what OpenAI's schemas require,
 * nullable members as explicit nulls: a completion's choices {@code logprobs} and their message's
 * {@code refusal}; a chunk's choices {@code delta}, {@code index} and {@code finish_reason} (and
 * {@code logprobs}, as OpenAI streams it), every chunk its {@code id}, {@code object},
 * {@code created} and {@code model}.
 */
class OpenAiAnswerShapesTest {
  @Test
  void aCompletionsChoicesCarryNullLogprobsAndRefusal() {
    ChatMessage text = new ChatMessage("assistant", TextNode.valueOf("Hi"), null, null, null, null);
    ChatMessage call = new ChatMessage("assistant", NullNode.getInstance(), null,
        List.of(new ChatMessage.ToolCall(null, "call_1", "function", new ChatMessage.FunctionCall("f", "{}"))),
        null, null);
    JsonNode json = new ChatCompletionResponse("c1", "chat.completion", 1L, "m",
        List.of(new ChatCompletionResponse.Choice(0, text, "stop"), new ChatCompletionResponse.Choice(1, call,
            "tool_calls")), Usage.from(TokenUsage.of(3, 1))).toJson();
    for (JsonNode choice : json.path("choices")) {
      assertThat(choice.has("logprobs") && choice.get("logprobs").isNull()).as("logprobs: null in " + choice).isTrue();
      JsonNode message = choice.path("message");
      assertThat(message.has("refusal") && message.get("refusal").isNull()).as("refusal: null in " + message).isTrue();
      assertThat(message.has("content")).as("content in " + message).isTrue();
    }
    assertThat(json.path("choices").get(1).path("message").get("content").isNull()).isTrue();
    // toBytes is the same JSON
    assertThat(JsonSupport.tryParse(new ChatCompletionResponse("c1", "chat.completion", 1L, "m",
        List.of(new ChatCompletionResponse.Choice(0, text, "stop")), null).toBytes())
        .path("choices").get(0).has("logprobs")).isTrue();
  }

  @Test
  void everyChunkCarriesWhatTheChunkSchemaRequires() {
    ChatChunkWriter w = new ChatChunkWriter("chatcmpl-1", 7, "m", true);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(w.role(0));
    out.writeBytes(w.text(0, "Hel"));
    out.writeBytes(w.toolCall(0, 0, "call_1", "f", ""));
    out.writeBytes(w.toolArguments(0, 0, "{}"));
    out.writeBytes(w.finish(0, "tool_calls"));
    out.writeBytes(w.usage(TokenUsage.of(3, 2)));
    out.writeBytes(w.done());
    List<JsonNode> chunks = new ArrayList<>();
    for (SseDecoder.Event e : new SseDecoder().feed(out.toByteArray())) {
      if (!e.data().equals("[DONE]")) {
        chunks.add(JsonSupport.tryParse(e.data()));
      }
    }
    assertThat(chunks).hasSize(6);
    for (JsonNode c : chunks) {
      assertThat(c.path("id").asText()).isEqualTo("chatcmpl-1");
      assertThat(c.path("object").asText()).isEqualTo("chat.completion.chunk");
      assertThat(c.path("created").isIntegralNumber() && c.path("created").asLong() == 7).isTrue();
      assertThat(c.path("model").asText()).isEqualTo("m");
      assertThat(c.path("choices").isArray()).isTrue();
      for (JsonNode choice : c.path("choices")) {
        assertThat(choice.path("index").isInt()).as("index in " + choice).isTrue();
        assertThat(choice.path("delta").isObject()).as("delta in " + choice).isTrue();
        assertThat(choice.has("finish_reason")).as("finish_reason in " + choice).isTrue();
        assertThat(choice.has("logprobs") && choice.get("logprobs").isNull()).as("logprobs in " + choice).isTrue();
      }
    }
    assertThat(chunks.get(0).path("choices").get(0).get("finish_reason").isNull()).isTrue();
    assertThat(chunks.get(4).path("choices").get(0).get("finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(chunks.get(5).path("choices")).isEmpty();
    assertThat(chunks.get(5).path("usage").path("total_tokens").asInt()).isEqualTo(5);
  }
}
