package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.testkit.FakeResponses;
import dev.tollgate.toolkit.SseDecoder;
import dev.tollgate.toolkit.openai.ResponsesStreamError;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Responses fakes answer as OpenAI's published schemas say, so the tests built on them mean something. */
class FakeResponsesSchemaTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNode REQUEST = json("{\"model\":\"gpt-4o\",\"instructions\":\"Be brief.\",\"input\":\"Hi\"}");

  private static JsonNode json(String s) {
    try {
      return JSON.readTree(s);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  @Test
  void theWholeResponseIsAResponse() {
    JsonNode r = FakeResponses.response(REQUEST, "gpt-4o", "Hello.", "completed", new FakeResponses.Usage(5, 2, 3, 1));
    assertThat(ResponsesSchemas.problems("Response", r)).isEmpty();
  }

  @Test
  void everyStreamedEventIsItsTypesEvent() {
    List<byte[]> pieces = FakeResponses.events(REQUEST, "gpt-4o", List.of("Hel", "lo."), FakeResponses.Usage.of(5, 3));
    SseDecoder decoder = new SseDecoder();
    int n = 0;
    for (byte[] piece : pieces) {
      for (SseDecoder.Event e : decoder.feed(piece)) {
        JsonNode event = json(e.data());
        assertThat(event.path("type").asText()).isEqualTo(e.event());
        assertThat(event.path("sequence_number").asInt()).isEqualTo(n++);
        assertThat(ResponsesSchemas.eventProblems(event)).as(e.data()).isEmpty();
      }
    }
    assertThat(n).isEqualTo(10);
  }

  @Test
  void theGatewaysErrorEventIsAResponseErrorEvent() {
    List<SseDecoder.Event> events = new SseDecoder().feed(ResponsesStreamError.event("stream_cut_short", "cut", 7));
    assertThat(ResponsesSchemas.eventProblems(json(events.get(0).data()))).isEmpty();
    assertThat(ResponsesSchemas.problems("ResponseErrorEvent", json("{\"type\":\"error\",\"message\":\"m\"}")))
        .as("the check is real").isNotEmpty();
  }
}
