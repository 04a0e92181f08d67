package dev.tollgate.plugins.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.Headers;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.testkit.FakeBedrock;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Regression (issue 17, found by the event-stream fuzzing): when a piece of a ConverseStream answer
 * held whole frames followed by a corrupt one, the whole frames were dropped and only the error
 * went out, whereas the same frames split into an earlier piece reached the client. What the client
 * gets must not depend on where the upstream's bytes were split: the text before the corrupt frame,
 * then the error, then [DONE].
 */
class ConverseStreamCorruptFrameTest {
  private static String translate(List<byte[]> pieces) throws Exception {
    ConverseStreamExchange ex = new ConverseStreamExchange(UpstreamRequest.post("/p", Headers.empty(), new byte[0]),
        "m", "chatcmpl-x", 1L, false);
    ex.onResponseHeaders(200, Headers.of("content-type", FakeBedrock.EVENT_STREAM));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < pieces.size(); i++) {
      out.writeBytes(ex.onResponseBody(pieces.get(i), i == pieces.size() - 1));
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * Regression (issue 17): a frame whose prelude (checksum valid) announced 24 MiB made the AWS
   * SDK's decoder allocate 24 MiB at once, before any of those bytes came, per stream; one
   * announcing 2 GiB it refused. Now any frame over 4 MiB ends the stream with an error at once.
   */
  @Test
  void aFrameAnnouncingAHugeLengthEndsTheStreamAtOnce() throws Exception {
    for (int total : new int[] {24 * 1024 * 1024, Integer.MAX_VALUE, -1}) {
      java.nio.ByteBuffer prelude = java.nio.ByteBuffer.allocate(12).putInt(total).putInt(0);
      java.util.zip.CRC32 crc = new java.util.zip.CRC32();
      crc.update(prelude.array(), 0, 8);
      prelude.putInt((int) crc.getValue());
      byte[] good = FakeBedrock.concat(FakeBedrock.textStream(List.of("Hi"), "end_turn", 3, 2).subList(0, 2));
      String out = translate(List.of(FakeBedrock.concat(List.of(good, prelude.array())), new byte[0]));
      assertThat(out).as("a frame of %d bytes", total).contains("Hi").contains("bad_upstream_stream")
          .contains("announced").endsWith("data: [DONE]\n\n");
    }
  }

  /**
   * Regression (issue 17, found by BedrockAnswersFuzzTest; its input is kept in
   * {@code BedrockAnswersFuzzTestInputs}): a frame whose {@code :message-type} or
   * {@code :event-type} header was not of type string (checksums valid) made the exchange throw
   * IllegalStateException out of onResponseBody (the SDK's HeaderValue.getString). Now such a header
   * counts as absent.
   */
  @Test
  void aHeaderThatIsNoStringIsNoException() throws Exception {
    for (String name : new String[] {":message-type", ":event-type", ":exception-type"}) {
      java.util.Map<String, software.amazon.awssdk.eventstream.HeaderValue> h = new java.util.LinkedHashMap<>();
      h.put(":message-type", software.amazon.awssdk.eventstream.HeaderValue.fromString(
          name.equals(":exception-type") ? "exception" : "event"));
      h.put(":event-type", software.amazon.awssdk.eventstream.HeaderValue.fromString("contentBlockDelta"));
      h.put(name, software.amazon.awssdk.eventstream.HeaderValue.fromInteger(7));
      ByteArrayOutputStream frame = new ByteArrayOutputStream();
      new software.amazon.awssdk.eventstream.Message(h, "{\"delta\":{\"text\":\"x\"}}".getBytes(StandardCharsets.UTF_8))
          .encode(frame);
      String out = translate(List.of(frame.toByteArray(), new byte[0]));
      assertThat(out).as(name + " of type integer").endsWith("data: [DONE]\n\n");
    }
  }

  @Test
  void framesBeforeACorruptFrameInTheSamePieceStillReachTheClient() throws Exception {
    List<byte[]> frames = FakeBedrock.textStream(List.of("Hello there"), "end_turn", 3, 2);
    byte[] corrupt = frames.get(2).clone();
    corrupt[corrupt.length - 1] ^= 0x55; // its message CRC broken
    byte[] good = FakeBedrock.concat(frames.subList(0, 2));

    String onePiece = translate(List.of(FakeBedrock.concat(List.of(good, corrupt)), new byte[0]));
    String twoPieces = translate(List.of(good, corrupt, new byte[0]));

    assertThat(onePiece).contains("Hello there").contains("bad_upstream_stream").endsWith("data: [DONE]\n\n");
    assertThat(onePiece.indexOf("Hello there")).isLessThan(onePiece.indexOf("bad_upstream_stream"));
    assertThat(onePiece).isEqualTo(twoPieces);
  }
}
