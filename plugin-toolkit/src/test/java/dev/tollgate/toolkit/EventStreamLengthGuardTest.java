package dev.tollgate.toolkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class EventStreamLengthGuardTest {
  /** A frame of that length (its bytes after the length are zeros), or only its length when out of bounds. */
  private static byte[] frame(int total) {
    ByteBuffer b = ByteBuffer.allocate(total >= 16 && total <= 4096 ? total : 4);
    b.putInt(total);
    return b.array();
  }

  private static byte[] concat(byte[]... parts) {
    int n = Arrays.stream(parts).mapToInt(p -> p.length).sum();
    ByteBuffer b = ByteBuffer.allocate(n);
    for (byte[] p : parts) {
      b.put(p);
    }
    return b.array();
  }

  @Test
  void framesWithinBoundsAreAllAcceptedWhateverTheSplit() {
    byte[] all = concat(frame(16), frame(100), frame(40));
    for (int size = 1; size <= all.length; size++) {
      EventStreamLengthGuard g = new EventStreamLengthGuard(1024);
      for (int i = 0; i < all.length; i += size) {
        byte[] piece = Arrays.copyOfRange(all, i, Math.min(all.length, i + size));
        assertThat(g.accept(piece)).isEqualTo(piece.length);
      }
      assertThat(g.refusal()).isNull();
    }
  }

  @Test
  void aFrameAnnouncingTwoGibibytesIsRefusedBeforeItsPreludeIsWhole() {
    byte[] all = concat(frame(20), frame(Integer.MAX_VALUE));
    EventStreamLengthGuard g = new EventStreamLengthGuard();
    assertThat(g.accept(all)).isEqualTo(20 + 3); // the good frame, and 3 of the 4 length bytes
    assertThat(g.refusal()).contains("2147483647");
    assertThat(g.accept(new byte[10])).isZero();
  }

  @Test
  void aLengthSplitAcrossPiecesIsReadWhole() {
    EventStreamLengthGuard g = new EventStreamLengthGuard(1024);
    byte[] big = frame(4096);
    assertThat(g.accept(Arrays.copyOfRange(big, 0, 2))).isEqualTo(2);
    assertThat(g.accept(Arrays.copyOfRange(big, 2, 6))).isEqualTo(1);
    assertThat(g.refusal()).contains("4096");
  }

  @Test
  void aLengthShorterThanAFrameIsRefused() {
    EventStreamLengthGuard g = new EventStreamLengthGuard();
    assertThat(g.accept(new byte[] {0, 0, 0, 3, 9, 9})).isEqualTo(3);
    assertThat(g.refusal()).contains("announced 3 bytes");
  }
}
