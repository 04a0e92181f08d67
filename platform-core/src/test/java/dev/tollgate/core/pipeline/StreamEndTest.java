package dev.tollgate.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.ClientApi;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StreamEndTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void openAiStreamsEndAtDone() {
    assertThat(StreamEnd.isIn(ClientApi.OPENAI, b("data: {\"choices\":[]}\n\ndata: [DONE]\n\n"))).isTrue();
    assertThat(StreamEnd.isIn(ClientApi.OPENAI, b("data: {\"content\":\"[DONE]\"}\n\n"))).isFalse();
    assertThat(StreamEnd.isIn(ClientApi.OPENAI, b("data: {\"content\":\"a\\ndata: [DONE]\"}\n\n"))).isFalse();
    assertThat(StreamEnd.isIn(ClientApi.OPENAI, b("data: {\"content\":\"say data: [DONE]\"}\n\n"))).isFalse();
    assertThat(StreamEnd.isIn(ClientApi.OPENAI, b(""))).isFalse();
    assertThat(StreamEnd.isIn(ClientApi.OPENAI, null)).isFalse();
  }

  @Test
  void anthropicStreamsEndAtMessageStop() {
    assertThat(StreamEnd.isIn(ClientApi.ANTHROPIC, b("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")))
        .isTrue();
    assertThat(StreamEnd.isIn(ClientApi.ANTHROPIC, b("data: {\"type\":\"message_stop\"}\n\n"))).isTrue();
    assertThat(StreamEnd.isIn(ClientApi.ANTHROPIC, b("event: message_delta\ndata: {\"type\":\"message_delta\"}\n\n")))
        .isFalse();
    assertThat(StreamEnd.isIn(ClientApi.ANTHROPIC, b("data: [DONE]\n\n"))).isFalse();
  }
}
