package dev.tollgate.plugins.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.conformance.AnswerFuzzing;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Coverage-guided fuzzing (Jazzer) of the AWS event-stream decoding Bedrock's
 * InvokeModelWithResponseStream answers go through ({@link BedrockEventStream} over the AWS SDK's
 * {@code MessageDecoder}): the recorded streams mutated as bytes (bad checksums), re-framed with
 * valid checksums around mutated headers, payloads and base64 events, or followed by a frame whose
 * prelude announces any length up to 4 GiB with a valid checksum (the decoder must refuse it, not
 * allocate it: the fuzz JVM has 512 MiB), then split anywhere. Nothing is thrown, and the events
 * are the same whatever the split; after an error event, nothing more.
 */
class BedrockEventStreamFuzzTest {
  private static final List<byte[]> STREAMS = List.of(
      AnthropicConformanceTest.bedrockStream(AnthropicConformanceTest.textEvents("msg_1", "m"), 25, 15).body(),
      AnthropicConformanceTest.bedrockStream(AnthropicConformanceTest.toolEvents("msg_2", "m"), 472, 89).body(),
      AnthropicConformanceTest.bedrockTimeout("msg_3", "m").body());

  @FuzzTest(maxDuration = "8s")
  void framesSplitAnywhereGiveTheSameEvents(FuzzedDataProvider data) {
    byte[] sample = STREAMS.get(data.consumeInt(0, STREAMS.size() - 1));
    int[] cuts = new int[data.consumeInt(0, 10)];
    for (int i = 0; i < cuts.length; i++) {
      cuts[i] = data.consumeInt(0, 1 << 16);
    }
    byte[] body = AnswerFuzzing.eventStream(sample, data);

    List<ObjectNode> whole = new BedrockEventStream().feed(body);
    BedrockEventStream split = new BedrockEventStream();
    List<ObjectNode> events = new ArrayList<>();
    int[] at = Arrays.stream(cuts).map(c -> c % (body.length + 1)).sorted().toArray();
    int from = 0;
    for (int p : at) {
      events.addAll(split.feed(Arrays.copyOfRange(body, from, p)));
      from = p;
    }
    events.addAll(split.feed(Arrays.copyOfRange(body, from, body.length)));
    assertThat(events).isEqualTo(whole);
  }
}
