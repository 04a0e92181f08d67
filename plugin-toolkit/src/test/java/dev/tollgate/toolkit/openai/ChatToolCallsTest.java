package dev.tollgate.toolkit.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.toolkit.JsonSupport;
import org.junit.jupiter.api.Test;

class ChatToolCallsTest {
  private static JsonNode json(String s) {
    return JsonSupport.tryParse(s);
  }

  @Test
  void callsWithEncodedBlankAndObjectArguments() throws Exception {
    JsonNode m = json("""
        {"role":"assistant","tool_calls":[
          {"id":"c1","type":"function","function":{"name":"f","arguments":"{\\"a\\":1}"}},
          {"id":"c2","type":"function","function":{"name":"g","arguments":""}},
          {"type":"function","function":{"name":"h","arguments":{"b":2}}}]}
        """);
    assertThat(ChatToolCalls.read(m, "messages[1]", false)).containsExactly(
        new ChatToolCalls.Call("c1", "f", JsonSupport.object().put("a", 1)),
        new ChatToolCalls.Call("c2", "g", JsonSupport.object()),
        new ChatToolCalls.Call("", "h", JsonSupport.object().put("b", 2)));
    assertThat(ChatToolCalls.read(json("{\"role\":\"assistant\",\"content\":\"x\"}"), "m", true)).isEmpty();
  }

  @Test
  void malformedCallsNameTheField() {
    assertThatThrownBy(() -> ChatToolCalls.read(json("""
        {"tool_calls":[{"function":{"name":"f"}}]}"""), "messages[2]", true))
        .isInstanceOf(GatewayException.class).hasMessageContaining("messages[2].tool_calls[0] needs an id");
    assertThatThrownBy(() -> ChatToolCalls.read(json("""
        {"tool_calls":[{"id":"c","function":{"arguments":"{}"}}]}"""), "m", false))
        .hasMessageContaining("m.tool_calls[0].function.name is required");
    assertThatThrownBy(() -> ChatToolCalls.read(json("""
        {"tool_calls":[{"id":"c","function":{"name":"f","arguments":"[1]"}}]}"""), "m", true))
        .hasMessageContaining("m.tool_calls[0].function.arguments must be a JSON object");
    assertThatThrownBy(() -> ChatToolCalls.read(json("{\"tool_calls\":{}}"), "m", true))
        .hasMessageContaining("m.tool_calls must be an array");
    assertThatThrownBy(() -> ChatToolCalls.resultId(json("{\"role\":\"tool\"}"), "messages[3]"))
        .hasMessageContaining("messages[3].tool_call_id is required");
  }
}
