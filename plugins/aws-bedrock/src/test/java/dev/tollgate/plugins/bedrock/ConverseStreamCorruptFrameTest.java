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
