package dev.tollgate.plugins.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.testkit.EnvoyLikeClient;
import dev.tollgate.testkit.FakeOpenAi;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.HttpExchange;
import dev.tollgate.testkit.ProxyResponse;
import dev.tollgate.testkit.TollgateHarness;
import java.nio.file.Path;
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
    dev.tollgate.api.openai.OpenAiAnswerExchange ex = new dev.tollgate.api.openai.OpenAiAnswerExchange(null, "m", "upstream");
    ex.onResponseHeaders(200, dev.tollgate.api.Headers.of("content-type", "text/event-stream"));
    for (byte[] piece : FakeOpenAi.streamChunks("m", 3, 4, false)) {
      assertThat(ex.onResponseBody(piece, false)).isSameAs(piece);
    }
    assertThat(ex.usage().isKnown()).isFalse();
  }
}
