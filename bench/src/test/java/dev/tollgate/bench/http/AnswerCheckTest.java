package dev.tollgate.bench.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The load generator's judgement of answers, which must hold for every gateway's encoding. */
class AnswerCheckTest {
  private final MockAnswers mock = new MockAnswers();

  private String stream() {
    return mock.answer("POST", "/v1/chat/completions", "Bearer sk-bench-upstream",
        "{\"model\":\"gpt-4o-mini\",\"stream\":true}".getBytes(StandardCharsets.UTF_8)).text();
  }

  @Test
  void aReEncodedStreamPassesWhenItsTextIsTheMocks() {
    String spaced = stream().replace("\":", "\": ").replace("\n\n", "\r\n\r\n");
    assertThat(AnswerCheck.STREAM.problem(200, "text/event-stream; charset=utf-8", spaced)).isNull();
  }

  @Test
  void aStreamMissingAChunkOrDoneOrWithItsOwnTextFails() {
    String s = stream();
    String oneLess = s.substring(s.indexOf("\n\ndata: ") + 2); // the first content chunk dropped
    assertThat(AnswerCheck.STREAM.problem(200, "text/event-stream", oneLess)).contains("49 content chunks");
    assertThat(AnswerCheck.STREAM.problem(200, "text/event-stream", s.replace("data: [DONE]\n\n", "")))
        .contains("[DONE]");
    assertThat(AnswerCheck.STREAM.problem(200, "text/event-stream", s.replace("\"content\":\" API\"", "\"content\":\" APX\"")))
        .contains("not the mock's");
    assertThat(AnswerCheck.STREAM.problem(200, "application/json", s)).contains("answered as application/json");
  }

  @Test
  void aWholeAnswerMustBeAChatCompletionWithTheMocksText() {
    String json = mock.answer("POST", "/v1/chat/completions", "Bearer sk-bench-upstream",
        "{\"model\":\"x\"}".getBytes(StandardCharsets.UTF_8)).text();
    assertThat(AnswerCheck.COMPLETION.problem(200, "application/json", json)).isNull();
    assertThat(AnswerCheck.COMPLETION.problem(200, "application/json", "{\"object\":\"chat.completion\"}"))
        .startsWith("200 without the mock's chat completion");
    assertThat(AnswerCheck.COMPLETION.problem(500, "application/json", "{\"error\":{}}"))
        .isEqualTo("status 500: {\"error\":{}}");
  }

  @Test
  void contentReadsEscapesAndIgnoresNull() {
    assertThat(AnswerCheck.content("{\"delta\":{\"content\": \"a\\\"b\\u0041\\n\"}}")).isEqualTo("a\"bA\n");
    assertThat(AnswerCheck.content("{\"delta\":{\"content\":null}}")).isNull();
    assertThat(AnswerCheck.content("{\"delta\":{}}")).isNull();
  }
}
