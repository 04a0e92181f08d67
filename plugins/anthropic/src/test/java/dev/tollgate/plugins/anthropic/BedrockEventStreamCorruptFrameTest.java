package dev.tollgate.plugins.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Regression (issue 17, found by {@link BedrockEventStreamFuzzTest}; its input is kept in
 * {@code BedrockEventStreamFuzzTestInputs}): when one piece of an InvokeModelWithResponseStream
 * answer held whole {@code chunk} frames followed by a malformed frame, the whole frames were
 * dropped and only the error event came out, whereas split before the malformed frame they came
 * through. Now the events of the whole frames come first, then the error, whatever the split.
 */
class BedrockEventStreamCorruptFrameTest {
  /**
   * Regression (issue 17): a frame whose prelude (checksum valid) announced 24 MiB made the AWS
   * SDK's decoder allocate 24 MiB at once, before any of those bytes came, per stream. Now any frame
   * over 4 MiB ends the stream with an error event at once, nothing allocated for it.
   */
  @Test
  void aFrameAnnouncingAHugeLengthIsAnErrorAtOnce() {
    for (int total : new int[] {24 * 1024 * 1024, Integer.MAX_VALUE}) {
      java.nio.ByteBuffer prelude = java.nio.ByteBuffer.allocate(12).putInt(total).putInt(0);
      java.util.zip.CRC32 crc = new java.util.zip.CRC32();
      crc.update(prelude.array(), 0, 8);
      prelude.putInt((int) crc.getValue());
      BedrockEventStream s = new BedrockEventStream();
      List<ObjectNode> events = s.feed(prelude.array());
      assertThat(events).extracting(e -> e.path("type").asText()).containsExactly("error");
      assertThat(s.feed(new byte[100])).isEmpty();
    }
  }

  /**
   * Regression (issue 17, the same bug BedrockAnswersFuzzTest found in ConverseStream): a frame
   * whose {@code :message-type}, {@code :event-type} or {@code :exception-type} header was not of
   * type string made feed throw IllegalStateException (the SDK's HeaderValue.getString). Now such a
   * header counts as absent.
   */
  @Test
  void aHeaderThatIsNoStringIsNoException() throws Exception {
    for (String name : new String[] {":message-type", ":event-type", ":exception-type"}) {
      java.util.Map<String, software.amazon.awssdk.eventstream.HeaderValue> h = new java.util.LinkedHashMap<>();
      h.put(":message-type", software.amazon.awssdk.eventstream.HeaderValue.fromString(
          name.equals(":exception-type") ? "exception" : "event"));
      h.put(":event-type", software.amazon.awssdk.eventstream.HeaderValue.fromString("chunk"));
      h.put(name, software.amazon.awssdk.eventstream.HeaderValue.fromInteger(7));
      ByteArrayOutputStream frame = new ByteArrayOutputStream();
      new software.amazon.awssdk.eventstream.Message(h, "{\"bytes\":\"e30=\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8))
          .encode(frame);
      new BedrockEventStream().feed(frame.toByteArray()); // no exception
    }
  }

  @Test
  void chunksBeforeAMalformedFrameInTheSamePieceAreNotLost() {
    List<String> events = AnthropicConformanceTest.textEvents("msg_1", "m");
    ByteArrayOutputStream good = new ByteArrayOutputStream();
    good.writeBytes(AnthropicConformanceTest.chunk(events.get(0), 0));
    good.writeBytes(AnthropicConformanceTest.chunk(events.get(1), 1));
    byte[] bad = AnthropicConformanceTest.chunk(events.get(3), 3);
    bad[bad.length - 1] ^= 0x55; // its message CRC broken
    ByteArrayOutputStream both = new ByteArrayOutputStream();
    both.writeBytes(good.toByteArray());
    both.writeBytes(bad);

    List<ObjectNode> onePiece = new BedrockEventStream().feed(both.toByteArray());
    BedrockEventStream split = new BedrockEventStream();
    List<ObjectNode> twoPieces = new ArrayList<>(split.feed(good.toByteArray()));
    twoPieces.addAll(split.feed(bad));

    assertThat(onePiece).extracting(e -> e.path("type").asText())
        .containsExactly("message_start", "content_block_start", "error");
    assertThat(onePiece).isEqualTo(twoPieces);
  }
}
