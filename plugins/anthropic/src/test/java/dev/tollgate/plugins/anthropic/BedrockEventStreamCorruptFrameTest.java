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
