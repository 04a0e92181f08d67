package dev.tollgate.bench.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The mock provider's answers, as the benchmark's set-ups rely on them. */
class MockAnswersTest {
  private static final String KEY = "Bearer sk-bench-upstream";
  private static final String SIGNED = "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20261201/us-east-1/bedrock/aws4_request, "
      + "SignedHeaders=host;x-amz-date, Signature=" + "0".repeat(64);
  private final MockAnswers mock = new MockAnswers();

  private MockAnswers.Answer chat(String authorization, String body) {
    return mock.answer("POST", "/v1/chat/completions", authorization, body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aStreamHasFiftyContentChunksTheUsageChunkAndDone() {
    MockAnswers.Answer a = chat(KEY, "{\"model\":\"m-1\",\"stream\": true,\"stream_options\":{\"include_usage\":true}}");
    assertThat(a.status()).isEqualTo(200);
    assertThat(a.contentType()).isEqualTo("text/event-stream");
    AnswerCheck.Stream s = AnswerCheck.readStream(a.text());
    assertThat(s.contentEvents()).isEqualTo(50);
    assertThat(s.usage()).isTrue();
    assertThat(s.done()).isTrue();
    assertThat(a.text()).endsWith("data: [DONE]\n\n").contains("\"model\":\"m-1\"");
    assertThat(a.pieces()).hasSize(51); // flushed one by one: 50 chunks, then usage + [DONE]
    assertThat(AnswerCheck.STREAM.problem(200, "text/event-stream", a.text())).isNull();
  }

  @Test
  void aStreamWithoutIncludeUsageHasNoUsageChunk() {
    AnswerCheck.Stream s = AnswerCheck.readStream(chat(KEY, "{\"model\":\"m\",\"stream\":true}").text());
    assertThat(s.contentEvents()).isEqualTo(50);
    assertThat(s.usage()).isFalse();
    assertThat(s.done()).isTrue();
  }

  @Test
  void aWholeAnswerEchoesTheModelAndCarriesUsage() {
    MockAnswers.Answer a = chat(KEY, "{\"model\": \"gpt-4o-mini-guarded\",\"messages\":[]}");
    assertThat(a.status()).isEqualTo(200);
    assertThat(a.text()).contains("\"model\":\"gpt-4o-mini-guarded\"", "\"usage\":{\"prompt_tokens\":42");
    assertThat(a.length()).isBetween(200, 1000);
    assertThat(AnswerCheck.COMPLETION.problem(200, "application/json", a.text())).isNull();
  }

  @Test
  void chatWithoutTheUpstreamKeyIsRefusedInOpenAisShape() {
    for (String auth : new String[] {null, "Bearer sk-bench-client"}) {
      MockAnswers.Answer a = chat(auth, "{\"model\":\"gpt-4o-mini\"}");
      assertThat(a.status()).isEqualTo(401);
      assertThat(a.text()).startsWith("{\"error\":{\"message\":").contains("\"type\":\"invalid_request_error\"");
    }
    assertThat(mock.stats()).startsWith("{\"rejected\":2,");
  }

  @Test
  void converseRefusesAnUnsignedRequestAndAnswersASignedOne() {
    byte[] body = "{\"messages\":[]}".getBytes(StandardCharsets.UTF_8);
    assertThat(mock.answer("POST", "/model/amazon.nova-micro-v1:0/converse", null, body).status()).isEqualTo(403);
    assertThat(mock.answer("POST", "/model/amazon.nova-micro-v1:0/converse", KEY, body).status()).isEqualTo(403);
    String otherKey = SIGNED.replace("AKIDBENCH", "AKIDOTHER");
    assertThat(mock.answer("POST", "/model/amazon.nova-micro-v1:0/converse", otherKey, body).status()).isEqualTo(403);

    MockAnswers.Answer a = mock.answer("POST", "/model/amazon.nova-micro-v1%3A0/converse", SIGNED, body);
    assertThat(a.status()).isEqualTo(200);
    assertThat(a.text()).contains("\"usage\"", "\"stopReason\":\"end_turn\"");
    MockAnswers.Answer stream = mock.answer("POST", "/model/amazon.nova-micro-v1:0/converse-stream", SIGNED, body);
    assertThat(stream.contentType()).isEqualTo("application/vnd.amazon.eventstream");
    assertThat(stream.pieces()).hasSize(50 + 4); // messageStart, 50 deltas, contentBlockStop, messageStop, metadata
    assertThat(mock.stats()).isEqualTo("{\"rejected\":3,\"paths\":{\"converse amazon.nova-micro-v1:0\":1,"
        + "\"converse-stream amazon.nova-micro-v1:0\":1}}");
  }

  @Test
  void unknownPathsAndMethodsAreRejected() {
    assertThat(mock.answer("POST", "/v1/embeddings", KEY, new byte[0]).status()).isEqualTo(404);
    assertThat(mock.answer("GET", "/v1/chat/completions", KEY, new byte[0]).status()).isEqualTo(405);
    assertThat(mock.answer("GET", "/stats", null, new byte[0]).text()).startsWith("{\"rejected\":2,");
  }
}
