package dev.tollgate.toolkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.toolkit.openai.ChatRequestNumbers;
import org.junit.jupiter.api.Test;

class ChatRequestNumbersTest {
  private static JsonNode request(String json) {
    return JsonSupport.tryParse(json);
  }

  @Test
  void maxCompletionTokensWinsOverMaxTokens() throws Exception {
    assertThat(ChatRequestNumbers.maxTokens(request("{\"max_completion_tokens\":50,\"max_tokens\":9}"))).isEqualTo(50);
    assertThat(ChatRequestNumbers.maxTokens(request("{\"max_completion_tokens\":null,\"max_tokens\":9}"))).isEqualTo(9);
    assertThat(ChatRequestNumbers.maxTokens(request("{}"))).isNull();
  }

  @Test
  void wrongValuesAre400sNamingTheField() {
    assertThatThrownBy(() -> ChatRequestNumbers.maxTokens(request("{\"max_tokens\":0}")))
        .isInstanceOf(GatewayException.class).hasMessage("max_tokens must be a positive whole number")
        .extracting(e -> ((GatewayException) e).status()).isEqualTo(400);
    assertThatThrownBy(() -> ChatRequestNumbers.positiveInt(request("{\"n\":1.5}"), "n"))
        .hasMessage("n must be a positive whole number");
    assertThatThrownBy(() -> ChatRequestNumbers.positiveInt(request("{\"n\":\"2\"}"), "n"))
        .hasMessage("n must be a positive whole number");
    assertThatThrownBy(() -> ChatRequestNumbers.number(request("{\"temperature\":\"hot\"}"), "temperature"))
        .hasMessage("temperature must be a number");
  }

  @Test
  void numbersAreCopiedUnderTheProvidersName() throws Exception {
    ObjectNode out = JsonSupport.object();
    ChatRequestNumbers.copyNumber(request("{\"top_p\":0.9}"), "top_p", out, "topP");
    ChatRequestNumbers.copyNumber(request("{\"top_p\":0.9}"), "temperature", out, "temperature");
    assertThat(out.toString()).isEqualTo("{\"topP\":0.9}");
  }
}
