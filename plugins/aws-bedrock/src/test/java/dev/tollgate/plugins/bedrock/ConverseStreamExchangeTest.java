package dev.tollgate.plugins.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.toolkit.SseDecoder;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.ResponseHead;
import dev.tollgate.testkit.FakeBedrock;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;

/** The event-stream side of ConverseStream, byte by byte. */
class ConverseStreamExchangeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ConverseStreamExchange exchange(boolean includeUsage) {
    return new ConverseStreamExchange(UpstreamRequest.post("/p", Headers.empty(), new byte[0]), "m", "chatcmpl-x",
        1L, includeUsage);
  }

  @Test
  void theTestKitsFramesAreTheSdksFrames() throws Exception {
    Map<String, HeaderValue> h = new LinkedHashMap<>();
    h.put(":event-type", HeaderValue.fromString("messageStop"));
    h.put(":content-type", HeaderValue.fromString("application/json"));
    h.put(":message-type", HeaderValue.fromString("event"));
    byte[] payload = "{\"stopReason\":\"end_turn\"}".getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream sdk = new ByteArrayOutputStream();
    new Message(h, payload).encode(sdk);
    Map<String, String> same = new LinkedHashMap<>();
    same.put(":event-type", "messageStop");
    same.put(":content-type", "application/json");
    same.put(":message-type", "event");
    assertThat(FakeBedrock.frame(same, payload))
        .isEqualTo(sdk.toByteArray());
  }

  @Test
  void headersSwitchToSseAndDropTheLength() throws Exception {
    ResponseHead head = exchange(false).onResponseHeaders(200,
        Headers.of("content-type", FakeBedrock.EVENT_STREAM, "content-length", "100"));
    assertThat(head.streaming()).isTrue();
    assertThat(head.setHeaders().value("content-type")).isEqualTo("text/event-stream");
    assertThat(head.removeHeaders()).contains("content-length");
  }

  @Test
  void aPieceThatCompletesNoFrameYieldsNothingAndOneByteFeedingGivesTheSameStream() throws Exception {
    byte[] all = FakeBedrock.concat(FakeBedrock.textStream(List.of("a", "b", "c"), "end_turn", 3, 3));
    ConverseStreamExchange whole = exchange(true);
    whole.onResponseHeaders(200, Headers.of("content-type", FakeBedrock.EVENT_STREAM));
    byte[] expected = concat(whole.onResponseBody(all, false), whole.onResponseBody(new byte[0], true));

    ConverseStreamExchange bytewise = exchange(true);
    bytewise.onResponseHeaders(200, Headers.of("content-type", FakeBedrock.EVENT_STREAM));
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] first = bytewise.onResponseBody(Arrays.copyOfRange(all, 0, 1), false);
    assertThat(first).isEmpty();
    got.writeBytes(first);
    for (int i = 1; i < all.length; i++) {
      got.writeBytes(bytewise.onResponseBody(Arrays.copyOfRange(all, i, i + 1), false));
    }
    got.writeBytes(bytewise.onResponseBody(new byte[0], true));
    assertThat(new String(got.toByteArray(), StandardCharsets.UTF_8)).isEqualTo(new String(expected, StandardCharsets.UTF_8));
    assertThat(bytewise.usage().inputTokens()).isEqualTo(3);
    List<SseDecoder.Event> events = new SseDecoder().feed(expected);
    // role, three deltas, finish, usage, [DONE]
    assertThat(events).hasSize(7);
    assertThat(events.get(6).data()).isEqualTo("[DONE]");
  }

  @Test
  void theMetadataEventsPromptCacheReadsAndWritesAreCounted() throws Exception {
    ObjectNode metadata = JSON.createObjectNode();
    metadata.putObject("usage").put("inputTokens", 12).put("outputTokens", 3).put("totalTokens", 2575)
        .put("cacheReadInputTokens", 512).put("cacheWriteInputTokens", 2048);
    metadata.putObject("metrics").put("latencyMs", 300);
    List<byte[]> frames = new ArrayList<>(FakeBedrock.textStream(List.of("Hi"), "end_turn", 0, 0));
    frames.set(frames.size() - 1, FakeBedrock.event("metadata", metadata));
    ConverseStreamExchange ex = exchange(true);
    ex.onResponseHeaders(200, Headers.of("content-type", FakeBedrock.EVENT_STREAM));
    byte[] out = concat(ex.onResponseBody(FakeBedrock.concat(frames), false), ex.onResponseBody(new byte[0], true));

    assertThat(ex.usage()).isEqualTo(new TokenUsage(2572, 3, 2575, 512, 0, 2048));
    List<SseDecoder.Event> events = new SseDecoder().feed(out);
    assertThat(JSON.readTree(events.get(events.size() - 2).data()).path("usage").path("prompt_tokens").asLong())
        .isEqualTo(2572);
  }

  @Test
  void aCorruptFrameEndsTheStreamWithAnErrorNotAnException() throws Exception {
    byte[] frame = FakeBedrock.event("messageStart", JSON.createObjectNode().put("role", "assistant"));
    frame[frame.length - 1] ^= 0x55; // break the message CRC
    ConverseStreamExchange ex = exchange(false);
    ex.onResponseHeaders(200, Headers.of("content-type", FakeBedrock.EVENT_STREAM));
    String out = new String(ex.onResponseBody(frame, false), StandardCharsets.UTF_8);
    assertThat(out).contains("\"error\"").endsWith("data: [DONE]\n\n");
    assertThat(ex.onResponseBody(new byte[] {1, 2, 3}, false)).isEmpty();
    assertThat(ex.onResponseBody(new byte[0], true)).isEmpty(); // [DONE] only once
  }

  @Test
  void aStreamCutShortEndsWithAnErrorThenDone() throws Exception {
    byte[] frame = FakeBedrock.event("messageStart", JSON.createObjectNode().put("role", "assistant"));
    ConverseStreamExchange ex = exchange(false);
    ex.onResponseHeaders(200, Headers.of("content-type", FakeBedrock.EVENT_STREAM));
    assertThat(ex.onResponseBody(Arrays.copyOf(frame, 10), false)).isEmpty();
    String end = new String(ex.onResponseBody(new byte[0], true), StandardCharsets.UTF_8);
    assertThat(end).startsWith("data: {\"error\":").contains("\"code\":\"stream_cut_short\"")
        .contains("AWS Bedrock's stream ended before the answer was complete").endsWith("\n\ndata: [DONE]\n\n");
  }

  @Test
  void aStreamThatStoppedEndsWithDoneEvenWithoutItsMetadata() throws Exception {
    byte[] stop = FakeBedrock.event("messageStop", JSON.createObjectNode().put("stopReason", "end_turn"));
    ConverseStreamExchange ex = exchange(false);
    ex.onResponseHeaders(200, Headers.of("content-type", FakeBedrock.EVENT_STREAM));
    String out = new String(ex.onResponseBody(stop, true), StandardCharsets.UTF_8);
    assertThat(out).contains("\"finish_reason\":\"stop\"").doesNotContain("error").endsWith("data: [DONE]\n\n");
  }

  @Test
  void aJsonSuccessIsNoStreamAndBecomesA502() throws Exception {
    ConverseStreamExchange ex = exchange(false);
    assertThat(ex.onResponseHeaders(200, Headers.of("content-type", "application/json")).streaming()).isFalse();
    assertThatThrownBy(() -> ex.onResponseBody("{\"output\":{}}".getBytes(StandardCharsets.UTF_8), true))
        .isInstanceOf(GatewayException.class).hasMessageContaining("without an event stream")
        .extracting(e -> ((GatewayException) e).status()).isEqualTo(502);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
