package dev.tollgate.toolkit;

/**
 * Watches the frame lengths of an AWS event stream ({@code application/vnd.amazon.eventstream})
 * before a decoder sees its bytes, so that a frame announcing a huge length is refused before
 * anything is allocated for it. (The AWS SDK's {@code MessageDecoder} allocates a buffer of the
 * announced length as soon as a frame's prelude is in, before its bytes come: up to the 24 MiB of
 * payload and 128 KiB of headers it accepts, per stream.) Feed the decoder only the
 * {@link #accept accepted} bytes of each piece; after a refusal, nothing more. Not thread-safe:
 * one per stream.
 */
public final class EventStreamLengthGuard {
  /** The longest frame accepted by default: 4 MiB, far above any Bedrock stream event (a delta each). */
  public static final int DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;
  /** The shortest frame there is: prelude (12 bytes) and message CRC (4), no headers, no payload. */
  private static final int MIN_FRAME_BYTES = 16;

  private final int maxFrameBytes;
  /** Bytes of the current frame still to come after its 4 length bytes; 0 at a frame's start. */
  private long rest;
  private int lengthBytes;
  private long length;
  private String refusal;

  public EventStreamLengthGuard() {
    this(DEFAULT_MAX_FRAME_BYTES);
  }

  public EventStreamLengthGuard(int maxFrameBytes) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /**
   * How many leading bytes of {@code chunk} a decoder may be fed: all of them, or fewer when a
   * frame's length (its first 4 bytes) is out of bounds; those stop short of that length's last
   * byte, so the decoder never has the frame's prelude. Once refused, every later piece gets 0.
   */
  public int accept(byte[] chunk) {
    if (refusal != null) {
      return 0;
    }
    int i = 0;
    while (i < chunk.length) {
      if (rest > 0) {
        int skip = (int) Math.min(rest, chunk.length - i);
        rest -= skip;
        i += skip;
        continue;
      }
      length = length << 8 | (chunk[i] & 0xff);
      if (++lengthBytes < 4) {
        i++;
        continue;
      }
      long total = length;
      lengthBytes = 0;
      length = 0;
      if (total < MIN_FRAME_BYTES || total > maxFrameBytes) {
        refusal = "a frame announced " + total + " bytes (accepted: " + MIN_FRAME_BYTES + " to " + maxFrameBytes + ")";
        return i;
      }
      rest = total - 4;
      i++;
    }
    return chunk.length;
  }

  /** Why a frame was refused, or null. */
  public String refusal() {
    return refusal;
  }
}
