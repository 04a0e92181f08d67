package dev.tollgate.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.api.Endpoint;
import dev.tollgate.toolkit.SseDecoder;
import dev.tollgate.api.spi.PromptGuard;
import dev.tollgate.core.clientapi.EndpointSpecs;
import dev.tollgate.core.config.CompiledConfig.ReadyGuard;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A streamed answer guarded as it goes, in both client dialects. */
class ScannedStreamTest {
  private static final Guarding.Failures NO_FAILURES = (guard, error, status) -> {
    throw new AssertionError("guard " + guard.type() + " failed", error);
  };

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Masks SECRET and rejects BOOM; holds back the longest end of what it has that could start
   * either word.
   */
  private static final class WordGuard implements PromptGuard {
    @Override
    public Verdict inspect(Direction direction, List<String> texts) {
      throw new UnsupportedOperationException("whole texts are not used here");
    }

    @Override
    public StreamScan openStream() {
      return new StreamScan() {
        private String held = "";

        @Override
        public Step feed(String piece) {
          String t = held + piece;
          if (t.contains("BOOM")) {
            return new Reject(451, "boom");
          }
          t = t.replace("SECRET", "[MASKED]");
          int keep = 0;
          for (int k = Math.min(5, t.length()); k > 0; k--) {
            String end = t.substring(t.length() - k);
            if ("SECRET".startsWith(end) || "BOOM".startsWith(end)) {
              keep = k;
              break;
            }
          }
          held = t.substring(t.length() - keep);
          return new Release(t.substring(0, t.length() - keep));
        }

        @Override
        public Step finish() {
          String t = held;
          held = "";
          return new Release(t);
        }
      };
    }
  }

  private static Guarding.ScannedStream stream(Endpoint endpoint) {
    return Guarding.ScannedStream.open(EndpointSpecs.of(endpoint),
        List.of(new ReadyGuard("Words", new WordGuard(), false, true)), NO_FAILURES);
  }

  private static String chunk(String content, String finish) {
    return "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
        + "\"delta\":" + (content == null ? "{}" : "{\"content\":" + JSON.valueToTree(content) + "}")
        + ",\"finish_reason\":" + (finish == null ? "null" : "\"" + finish + "\"") + "}]}\n\n";
  }

  private static final String USAGE = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
      + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}\n\n";
  private static final String DONE = "data: [DONE]\n\n";

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<JsonNode> events(String sse) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (SseDecoder.Event e : new SseDecoder().feed(b(sse))) {
      out.add(e.data().equals("[DONE]") ? null : JSON.readTree(e.data()));
    }
    return out;
  }

  private static String openAiText(String sse) throws Exception {
    StringBuilder sb = new StringBuilder();
    for (JsonNode e : events(sse)) {
      if (e != null) {
        e.path("choices").forEach(c -> sb.append(c.path("delta").path("content").asText("")));
      }
    }
    return sb.toString();
  }

  @Test
  void openAiTextGoesOnAsItComesAndWhatIsHeldGoesInTheNextDelta() throws Exception {
    Guarding.ScannedStream s = stream(Endpoint.CHAT_COMPLETIONS);
    String first = new String(s.add(b(chunk("Hello, ", null)), false), StandardCharsets.UTF_8);
    assertThat(openAiText(first)).isEqualTo("Hello, ");
    String second = new String(s.add(b(chunk("the SEC", null)), false), StandardCharsets.UTF_8);
    assertThat(openAiText(second)).as("SEC could start SECRET").isEqualTo("the ");
    String third = new String(s.add(b(chunk("RET is out", "stop")), false), StandardCharsets.UTF_8);
    assertThat(openAiText(third)).isEqualTo("[MASKED] is out");
    assertThat(events(third).get(0).path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
    String rest = new String(s.add(b(USAGE + DONE), false), StandardCharsets.UTF_8);
    assertThat(rest).endsWith(DONE);
    assertThat(events(rest).get(0).path("usage").path("total_tokens").asInt()).isEqualTo(3);
    assertThat(s.add(new byte[0], true)).isEmpty();
  }

  @Test
  void heldTextGoesIntoTheFinishingChunkOrBeforeDone() throws Exception {
    Guarding.ScannedStream s = stream(Endpoint.CHAT_COMPLETIONS);
    assertThat(openAiText(new String(s.add(b(chunk("keep SECR", null)), false), StandardCharsets.UTF_8)))
        .isEqualTo("keep ");
    String finish = new String(s.add(b(chunk(null, "stop")), false), StandardCharsets.UTF_8);
    assertThat(openAiText(finish)).as("the choice ended: what was held goes with it").isEqualTo("SECR");

    Guarding.ScannedStream noFinish = stream(Endpoint.CHAT_COMPLETIONS);
    noFinish.add(b(chunk("keep SE", null)), false);
    String end = new String(noFinish.add(b(DONE), false), StandardCharsets.UTF_8);
    List<JsonNode> ev = events(end);
    assertThat(ev).hasSize(2);
    assertThat(ev.get(0).path("object").asText()).isEqualTo("chat.completion.chunk");
    assertThat(ev.get(0).path("id").asText()).isEqualTo("c1");
    assertThat(openAiText(end)).isEqualTo("SE");
    assertThat(end).as("[DONE] only after the final flush").endsWith(DONE);
  }

  @Test
  void eventsSplitAtEveryByteGiveTheSameStream() throws Exception {
    String answer = chunk("a SE", null) + chunk("CRET b SECRE", null) + chunk("T c", "stop") + USAGE + DONE;
    byte[] all = b(answer);
    for (int i = 0; i <= all.length; i++) {
      Guarding.ScannedStream s = stream(Endpoint.CHAT_COMPLETIONS);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(s.add(java.util.Arrays.copyOfRange(all, 0, i), false));
      out.writeBytes(s.add(java.util.Arrays.copyOfRange(all, i, all.length), false));
      out.writeBytes(s.add(new byte[0], true));
      String sse = out.toString(StandardCharsets.UTF_8);
      assertThat(openAiText(sse)).as("split at %d", i).isEqualTo("a [MASKED] b [MASKED] c");
      assertThat(sse).endsWith(DONE).doesNotContain("SECRET");
    }
  }

  @Test
  void openAiRejectionEndsTheStreamWithAnErrorEventThenDone() throws Exception {
    Guarding.ScannedStream s = stream(Endpoint.CHAT_COMPLETIONS);
    String first = new String(s.add(b(chunk("all fine, BO", null)), false), StandardCharsets.UTF_8);
    assertThat(openAiText(first)).isEqualTo("all fine, ");
    assertThat(s.rejectedNow()).isFalse();
    String second = new String(s.add(b(chunk("OM goes the answer", null) + chunk(" more", "stop")), false),
        StandardCharsets.UTF_8);
    assertThat(s.rejectedNow()).isTrue();
    List<JsonNode> ev = events(second);
    assertThat(ev).hasSize(2);
    assertThat(ev.get(0).path("error").path("message").asText()).isEqualTo("boom");
    assertThat(ev.get(1)).as("[DONE]").isNull();
    assertThat(second).doesNotContain("OM").doesNotContain("goes");
    assertThat(s.add(b(USAGE + DONE), false)).as("nothing after the error").isEmpty();
    assertThat(s.add(new byte[0], true)).isEmpty();
  }

  private static String anthropicDelta(String text) {
    return "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
        + "\"text\":" + JSON.valueToTree(text) + "}}\n\n";
  }

  private static final String A_START = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m1\","
      + "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude\",\"usage\":{\"input_tokens\":3,"
      + "\"output_tokens\":1}}}\n\nevent: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
      + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n";
  private static final String A_END = "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
      + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
      + "\"usage\":{\"output_tokens\":5}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

  @Test
  void anthropicHeldTextGoesOutBeforeTheBlockStops() throws Exception {
    Guarding.ScannedStream s = stream(Endpoint.MESSAGES);
    String a = new String(s.add(b(A_START + anthropicDelta("Hi SECRET and SEC")), false), StandardCharsets.UTF_8);
    String c = new String(s.add(b(A_END), false), StandardCharsets.UTF_8);
    List<SseDecoder.Event> ev = new SseDecoder().feed(b(a + c));
    List<String> names = ev.stream().map(SseDecoder.Event::event).toList();
    assertThat(names).containsExactly("message_start", "content_block_start", "content_block_delta",
        "content_block_delta", "content_block_stop", "message_delta", "message_stop");
    assertThat(JSON.readTree(ev.get(2).data()).path("delta").path("text").asText()).isEqualTo("Hi [MASKED] and ");
    assertThat(JSON.readTree(ev.get(3).data()).path("delta").path("text").asText()).isEqualTo("SEC");
  }

  @Test
  void anthropicRejectionEndsWithAnErrorEvent() throws Exception {
    Guarding.ScannedStream s = stream(Endpoint.MESSAGES);
    String a = new String(s.add(b(A_START + anthropicDelta("fine so far BO")), false), StandardCharsets.UTF_8);
    String c = new String(s.add(b(anthropicDelta("OM") + A_END), false), StandardCharsets.UTF_8);
    assertThat(s.rejectedNow()).isTrue();
    List<SseDecoder.Event> ev = new SseDecoder().feed(b(c));
    assertThat(ev).hasSize(1);
    assertThat(ev.get(0).event()).isEqualTo("error");
    JsonNode err = JSON.readTree(ev.get(0).data());
    assertThat(err.path("type").asText()).isEqualTo("error");
    assertThat(err.path("error").path("message").asText()).isEqualTo("boom");
    assertThat(a + c).doesNotContain("BO\"").doesNotContain("OM");
  }

  @Test
  void aGuardThatNeedsTheWholeTextMeansHolding() {
    PromptGuard whole = (direction, texts) -> PromptGuard.ALLOW;
    assertThat(Guarding.ScannedStream.open(EndpointSpecs.of(Endpoint.CHAT_COMPLETIONS), List.of(
        new ReadyGuard("Words", new WordGuard(), false, true), new ReadyGuard("Webhook", whole, false, true)), NO_FAILURES)).isNull();
    assertThat(Guarding.ScannedStream.open(EndpointSpecs.of(Endpoint.CHAT_COMPLETIONS), List.of(
        new ReadyGuard("Words", new WordGuard(), false, true), new ReadyGuard("Webhook", whole, true, false)), NO_FAILURES))
        .as("a request-only guard does not count").isNotNull();
  }
}
