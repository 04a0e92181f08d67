package dev.tollgate.core.clientapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.ClientApi;
import dev.tollgate.api.Endpoint;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamEndTest {
  private static final StreamEnd OPENAI = EndpointSpecs.of(Endpoint.CHAT_COMPLETIONS).streamEnd();
  private static final StreamEnd ANTHROPIC = EndpointSpecs.of(Endpoint.MESSAGES).streamEnd();

  /** Whether each of these bodies holds the end of the stream. */
  private static List<Boolean> ends(StreamEnd end, String... bodies) {
    return Arrays.stream(bodies).map(s -> end.isIn(s.getBytes(StandardCharsets.UTF_8))).toList();
  }

  @Test
  void openAiStreamsEndAtDone() {
    assertThat(ends(OPENAI, "data: {\"choices\":[]}\n\ndata: [DONE]\n\n", "data: {\"content\":\"[DONE]\"}\n\n",
        "data: {\"content\":\"a\\ndata: [DONE]\"}\n\n", "data: {\"content\":\"say data: [DONE]\"}\n\n", ""))
        .containsExactly(true, false, false, false, false);
    assertThat(OPENAI.isIn(null)).isFalse();
  }

  @Test
  void anthropicStreamsEndAtMessageStopOrAnError() {
    assertThat(ends(ANTHROPIC, "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
        "data: {\"type\":\"message_stop\"}\n\n", "event: message_delta\ndata: {\"type\":\"message_delta\"}\n\n",
        "data: [DONE]\n\n", "event: error\ndata: {\"type\":\"error\",\"error\":{}}\n\n",
        "data: {\"text\":\"event: error\"}\n\n"))
        .containsExactly(true, true, false, false, true, false);
  }

  @Test
  void everyOpenAiEndpointEndsLikeChat() {
    for (Endpoint e : Endpoint.values()) {
      if (e.clientApi() == ClientApi.OPENAI) {
        assertThat(ends(EndpointSpecs.of(e).streamEnd(), "data: [DONE]\n\n")).as("%s", e).containsExactly(true);
      }
    }
  }
}
