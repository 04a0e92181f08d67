package dev.tollgate.plugins.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.testkit.EnvoyLikeClient;
import dev.tollgate.testkit.FakeOpenAi;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.HttpExchange;
import dev.tollgate.testkit.ProxyResponse;
import dev.tollgate.testkit.TollgateHarness;
import dev.tollgate.testkit.RandomSplitter;
import dev.tollgate.toolkit.SseDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The translator on its own (found on the class path), through the ext_proc server. */
class OpenAiTranslatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void schemaVersionReplacesThePathPrefixAndEmbeddingsPassThrough() throws Exception {
    try (FakeUpstream upstream = new FakeUpstream(FakeOpenAi.handler(null, 5, 0));
         TollgateHarness gw = TollgateHarness.startFromClasspath(dir, """
             rules:
               - backends: [{name: local}]
             backends:
               - name: local
                 schema: {name: OpenAI, version: api/v1}
             """)) {
      EnvoyLikeClient envoy = gw.envoy(Map.of("local", upstream.uri()));
      ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"hi\"}"));
      assertThat(r.status()).isEqualTo(200);
      assertThat(upstream.last().path()).isEqualTo("/api/v1/embeddings");
      assertThat(JSON.readTree(r.body()).path("data").get(0).path("embedding").size()).isEqualTo(2);
    }
  }

  @Test
  void usageOfAStreamWithoutUsageChunkIsUnknown() throws Exception {
    dev.tollgate.toolkit.openai.OpenAiPassthroughExchange ex = new dev.tollgate.toolkit.openai.OpenAiPassthroughExchange(null, "m");
    ex.onResponseHeaders(200, dev.tollgate.api.Headers.of("content-type", "text/event-stream"));
    for (byte[] piece : FakeOpenAi.streamChunks("m", 3, 4, false)) {
      assertThat(ex.onResponseBody(piece, false)).isSameAs(piece);
    }
    assertThat(ex.usage().isKnown()).isFalse();
  }

  @Test
  void aStreamCutShortEndsWithAnErrorEventThenDone() throws Exception {
    // the connection drops halfway through the second chunk: before any finish_reason or [DONE]
    List<byte[]> chunks = FakeOpenAi.streamChunks("gpt-4o-mini", 3, 4, true);
    byte[] second = chunks.get(1);
    List<byte[]> cut = List.of(chunks.get(0), Arrays.copyOf(second, second.length / 2));
    try (FakeUpstream upstream = new FakeUpstream(req -> FakeUpstream.Answer.stream("text/event-stream", cut));
         TollgateHarness gw = TollgateHarness.startFromClasspath(dir, """
             rules:
               - backends: [{name: local}]
             backends:
               - name: local
                 schema: {name: OpenAI}
             """)) {
      EnvoyLikeClient envoy = gw.envoy(Map.of("local", upstream.uri()));
      envoy.splitResponseChunks(new RandomSplitter(3, 11));
      ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
          "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
      assertThat(r.status()).isEqualTo(200);
      List<SseDecoder.Event> events = new SseDecoder().feed(r.body());
      // the whole first chunk as it came, not the half of the second, then the error and [DONE]
      assertThat(r.bodyText()).startsWith(new String(chunks.get(0), StandardCharsets.UTF_8));
      assertThat(events).hasSize(3);
      var err = JSON.readTree(events.get(1).data()).path("error");
      assertThat(err.path("code").asText()).isEqualTo("stream_cut_short");
      assertThat(err.path("type").asText()).isEqualTo("server_error");
      assertThat(err.path("message").asText()).isEqualTo("the upstream's stream ended before the answer was complete");
      assertThat(events.get(2).data()).isEqualTo("[DONE]");
    }
  }

  @Test
  void aStreamThatFinishedWithoutDonePassesThroughUnchanged() throws Exception {
    // some OpenAI-compatible servers send no [DONE]: a finish_reason says the answer is complete
    List<byte[]> chunks = FakeOpenAi.streamChunks("m", 3, 4, true);
    dev.tollgate.toolkit.openai.OpenAiPassthroughExchange ex = new dev.tollgate.toolkit.openai.OpenAiPassthroughExchange(null, "m");
    ex.onResponseHeaders(200, dev.tollgate.api.Headers.of("content-type", "text/event-stream"));
    for (byte[] piece : chunks) {
      if (!new String(piece, StandardCharsets.UTF_8).contains("[DONE]")) {
        assertThat(ex.onResponseBody(piece, false)).isSameAs(piece);
      }
    }
    assertThat(ex.onResponseBody(new byte[0], true)).isEmpty();
    assertThat(ex.usage().totalTokens()).isEqualTo(7);
  }
}
