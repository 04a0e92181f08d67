package dev.tollgate.toolkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.api.GatewayException;
import dev.tollgate.toolkit.openai.ChatToolCalls;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChatToolCallsReadingTest {
  @Test
  void callsAreReadWithTheirArgumentsAsObjects() throws Exception {
    List<ChatToolCalls.Call> calls = ChatToolCalls.read(JsonSupport.tryParse("""
        {"role":"assistant","tool_calls":[
          {"id":"c1","type":"function","function":{"name":"f","arguments":"{\\"a\\":1}"}},
          {"id":"c2","type":"function","function":{"name":"g","arguments":""}},
          {"id":"c3","type":"function","function":{"name":"h","arguments":{"b":2}}}]}"""), "messages[1]", true);
    assertThat(calls).extracting(ChatToolCalls.Call::id).containsExactly("c1", "c2", "c3");
    assertThat(calls.get(0).arguments().path("a").asInt()).isEqualTo(1);
    assertThat(calls.get(1).arguments().isEmpty()).as("blank arguments are no arguments").isTrue();
    assertThat(calls.get(2).arguments().path("b").asInt()).isEqualTo(2);
    assertThat(ChatToolCalls.read(JsonSupport.tryParse("{\"role\":\"assistant\",\"tool_calls\":null}"), "m", true))
        .isEmpty();
  }

  @Test
  void malformedCallsAre400sNamingTheField() {
    assertThatThrownBy(() -> ChatToolCalls.read(JsonSupport.tryParse(
        "{\"tool_calls\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]}"), "messages[0]", true))
        .isInstanceOf(GatewayException.class).hasMessageContaining("messages[0].tool_calls[0] needs an id");
    assertThatThrownBy(() -> ChatToolCalls.read(JsonSupport.tryParse(
        "{\"tool_calls\":[{\"function\":{\"name\":\"f\",\"arguments\":\"[1]\"}}]}"), "messages[2]", false))
        .isInstanceOf(GatewayException.class)
        .hasMessageContaining("messages[2].tool_calls[0].function.arguments must be a JSON object");
    assertThatThrownBy(() -> ChatToolCalls.read(JsonSupport.tryParse("{\"tool_calls\":{}}"), "messages[0]", false))
        .isInstanceOf(GatewayException.class).hasMessageContaining("must be an array");
  }
}
