package dev.tollgate.toolkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Coverage-guided fuzzing of {@link SseDecoder}: any bytes, split anywhere (the fuzzer picks the
 * split points), give the same events, and the same count of dropped events, as the same bytes in
 * one piece; the decoder never holds more than its bound (its maximum event length plus the 3
 * bytes of a blank line not yet complete), and nothing is thrown. A small maximum (chosen by the
 * fuzzer) makes the too-long-event path reachable with short inputs.
 */
class SseDecoderFuzzTest {
  @FuzzTest(maxDuration = "8s")
  void splitAnywhereGivesTheSameEventsInBoundedMemory(FuzzedDataProvider data) {
    int max = data.consumeBoolean() ? data.consumeInt(1, 64) : SseDecoder.DEFAULT_MAX_EVENT_BYTES;
    int cuts = data.consumeInt(0, 16);
    int[] at = new int[cuts];
    for (int i = 0; i < cuts; i++) {
      at[i] = data.consumeInt(0, 4096);
    }
    byte[] body = data.consumeRemainingAsBytes();

    SseDecoder whole = new SseDecoder(max);
    List<SseDecoder.Event> expected = whole.feed(body);
    assertThat(whole.pendingBytes()).isLessThanOrEqualTo(max + 3);

    int[] points = Arrays.stream(at).map(p -> Math.min(p, body.length)).sorted().toArray();
    SseDecoder split = new SseDecoder(max);
    List<SseDecoder.Event> events = new ArrayList<>();
    int from = 0;
    for (int p : points) {
      events.addAll(split.feed(Arrays.copyOfRange(body, from, p)));
      assertThat(split.pendingBytes()).isLessThanOrEqualTo(max + 3);
      from = p;
    }
    events.addAll(split.feed(Arrays.copyOfRange(body, from, body.length)));
    assertThat(events).isEqualTo(expected);
    assertThat(split.droppedEvents()).isEqualTo(whole.droppedEvents());
    assertThat(split.pendingBytes()).isEqualTo(whole.pendingBytes());
  }
}
