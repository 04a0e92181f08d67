package dev.tollgate.toolkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Regression (issue 17, found while fuzzing): an upstream that never sends the blank line ending an
 * event made the decoder keep every byte (its pending buffer grew without limit), and each piece
 * fed copied and re-scanned all of them (time quadratic in the event's length). Now an event longer
 * than the decoder's maximum is dropped, whole, however it is split, and what is held stays within
 * that maximum.
 */
class SseDecoderBoundsTest {
  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void anEndlessEventHoldsAtMostTheMaximum() {
    SseDecoder d = new SseDecoder(1024);
    byte[] piece = bytes("data: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n");
    for (int i = 0; i < 100_000; i++) { // 8 MB, no blank line
      assertThat(d.feed(piece)).isEmpty();
      assertThat(d.pendingBytes()).isLessThanOrEqualTo(1024 + 3);
    }
    assertThat(d.feed(bytes("\ndata: next\n\n"))).containsExactly(new SseDecoder.Event("", "next"));
    assertThat(d.droppedEvents()).isEqualTo(1);
    assertThat(d.pendingBytes()).isZero();
  }

  @Test
  void theDefaultMaximumHoldsBackSixteenMebibytesAtMost() {
    SseDecoder d = new SseDecoder();
    byte[] mib = new byte[1024 * 1024];
    Arrays.fill(mib, (byte) 'x');
    for (int i = 0; i < 20; i++) {
      d.feed(mib);
    }
    assertThat(d.pendingBytes()).isLessThanOrEqualTo(SseDecoder.DEFAULT_MAX_EVENT_BYTES + 3);
  }

  @Test
  void aTooLongEventIsDroppedWhateverTheSplit() {
    String stream = "data: short\n\ndata: " + "y".repeat(100) + "\r\n\r\ndata: after\r\r";
    byte[] all = bytes(stream);
    SseDecoder one = new SseDecoder(64);
    assertThat(one.feed(all)).containsExactly(new SseDecoder.Event("", "short"), new SseDecoder.Event("", "after"));
    assertThat(one.droppedEvents()).isEqualTo(1);
    for (int size = 1; size <= all.length; size++) {
      SseDecoder d = new SseDecoder(64);
      List<SseDecoder.Event> events = new ArrayList<>();
      for (int i = 0; i < all.length; i += size) {
        events.addAll(d.feed(Arrays.copyOfRange(all, i, Math.min(all.length, i + size))));
      }
      assertThat(events).as("pieces of %d bytes", size)
          .containsExactly(new SseDecoder.Event("", "short"), new SseDecoder.Event("", "after"));
      assertThat(d.droppedEvents()).isEqualTo(1);
    }
  }

  @Test
  void anEventOfExactlyTheMaximumIsKept() {
    String data = "data: " + "z".repeat(58); // 64 bytes
    SseDecoder d = new SseDecoder(64);
    assertThat(d.feed(bytes(data + "\n\n"))).containsExactly(new SseDecoder.Event("", "z".repeat(58)));
    assertThat(d.droppedEvents()).isZero();
  }
}
