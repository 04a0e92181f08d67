package dev.tollgate.toolkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseDecoderTest {
  private static final String STREAM = "event: message_start\ndata: {\"a\":1}\n\n"
      + ": a comment\r\ndata: line one\r\ndata: line two\r\n\r\n"
      + "data: [DONE]\n\n";

  @Test
  void eventsAreFoundWhateverTheSplit() {
    byte[] all = STREAM.getBytes(StandardCharsets.UTF_8);
    for (int size = 1; size <= all.length; size++) {
      SseDecoder d = new SseDecoder();
      List<SseDecoder.Event> events = new ArrayList<>();
      for (int i = 0; i < all.length; i += size) {
        events.addAll(d.feed(java.util.Arrays.copyOfRange(all, i, Math.min(all.length, i + size))));
      }
      assertThat(events).as("pieces of %d bytes", size).containsExactly(
          new SseDecoder.Event("message_start", "{\"a\":1}"),
          new SseDecoder.Event("", "line one\nline two"),
          new SseDecoder.Event("", "[DONE]"));
      assertThat(d.pendingBytes()).isZero();
    }
  }

  @Test
  void anUnfinishedEventIsHeldBack() {
    SseDecoder d = new SseDecoder();
    assertThat(d.feed("data: {\"x\"".getBytes(StandardCharsets.UTF_8))).isEmpty();
    assertThat(d.pendingBytes()).isPositive();
    assertThat(d.feed(":1}\n\n".getBytes(StandardCharsets.UTF_8))).containsExactly(new SseDecoder.Event("", "{\"x\":1}"));
  }

  @Test
  void encodeIsReadBack() {
    byte[] encoded = SseDecoder.encode("error", "{\"a\":\n1}");
    assertThat(new SseDecoder().feed(encoded)).containsExactly(new SseDecoder.Event("error", "{\"a\":\n1}"));
  }
}
