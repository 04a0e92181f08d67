package dev.tollgate.toolkit.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.SseDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Responses answers pass through unchanged while usage is read; a stream cut short ends with an error event. */
class ResponsesPassthroughExchangeTest {
  private static final String USAGE = "{\"input_tokens\":20,\"input_tokens_details\":{\"cached_tokens\":8,"
      + "\"cache_write_tokens\":4},\"output_tokens\":9,\"output_tokens_details\":{\"reasoning_tokens\":3},"
      + "\"total_tokens\":29}";
  private static final String DELTA = "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\","
      + "\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hi\",\"sequence_number\":4,"
      + "\"logprobs\":[]}\n\n";
  private static final String COMPLETED = "event: response.completed\ndata: {\"type\":\"response.completed\","
      + "\"response\":{\"object\":\"response\",\"model\":\"gpt-4o-2024-08-06\",\"usage\":" + USAGE + "},"
      + "\"sequence_number\":5}\n\n";

  private static ResponsesPassthroughExchange exchange(boolean stream) throws GatewayException {
    ResponsesPassthroughExchange x = new ResponsesPassthroughExchange(
        UpstreamRequest.post("/v1/responses", Headers.of("content-type", "application/json"), new byte[0]), "gpt-4o");
    x.onResponseHeaders(200, Headers.of("content-type", stream ? "text/event-stream; charset=utf-8" : "application/json"));
    return x;
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void usageOfAResponseHasEveryCount() {
    assertThat(ResponsesUsage.of(JsonSupport.tryParse(USAGE))).isEqualTo(new TokenUsage(20, 9, 29, 8, 3, 4));
    assertThat(ResponsesUsage.of(JsonSupport.tryParse("{\"input_tokens\":2,\"output_tokens\":1}")))
        .isEqualTo(new TokenUsage(2, 1, 3, 0, 0, 0));
    assertThat(ResponsesUsage.ofResponse(JsonSupport.tryParse("{\"usage\":null}"))).isEqualTo(TokenUsage.NONE);
  }

  @Test
  void aWholeResponsePassesUnchangedAndIsCounted() throws Exception {
    ResponsesPassthroughExchange x = exchange(false);
    byte[] body = b("{\"object\":\"response\",\"model\":\"gpt-4o-2024-08-06\",\"output\":[],\"usage\":" + USAGE + "}");
    assertThat(x.onResponseBody(body, true)).isSameAs(body);
    assertThat(x.usage().totalTokens()).isEqualTo(29);
    assertThat(x.responseModel()).isEqualTo("gpt-4o-2024-08-06");
  }

  @Test
  void aWholeAnswerThatIsNoJsonObjectIsA502() throws Exception {
    ResponsesPassthroughExchange x = exchange(false);
    assertThatThrownBy(() -> x.onResponseBody(b("{\"object\":\"response\",\"out"), true))
        .isInstanceOf(GatewayException.class).satisfies(e -> assertThat(((GatewayException) e).status()).isEqualTo(502));
  }

  @Test
  void aStreamPassesEventByEventAndCountsTheCompletedResponse() throws Exception {
    ResponsesPassthroughExchange x = exchange(true);
    byte[] all = b(DELTA + COMPLETED);
    byte[] first = Arrays.copyOf(all, DELTA.length() + 10);
    byte[] rest = Arrays.copyOfRange(all, first.length, all.length);
    assertThat(new String(x.onResponseBody(first, false), StandardCharsets.UTF_8)).as("half an event waits")
        .isEqualTo(DELTA);
    assertThat(new String(x.onResponseBody(rest, false), StandardCharsets.UTF_8)).isEqualTo(COMPLETED);
    assertThat(x.onResponseBody(new byte[0], true)).isEmpty();
    assertThat(x.usage()).isEqualTo(new TokenUsage(20, 9, 29, 8, 3, 4));
    assertThat(x.responseModel()).isEqualTo("gpt-4o-2024-08-06");
  }

  @Test
  void aStreamCutShortEndsWithAnErrorEventOnePastTheLastSequenceNumber() throws Exception {
    ResponsesPassthroughExchange x = exchange(true);
    byte[] out = x.onResponseBody(b(DELTA + "event: response.output_text.delta\ndata: {\"ty"), true);
    List<SseDecoder.Event> events = new SseDecoder().feed(out);
    assertThat(events).extracting(SseDecoder.Event::event).containsExactly("response.output_text.delta", "error");
    assertThat(events.get(1).data()).isEqualTo("{\"type\":\"error\",\"code\":\"stream_cut_short\",\"message\":"
        + "\"the upstream's stream ended before the response was complete\",\"param\":null,\"sequence_number\":5}");
  }

  @Test
  void theUpstreamsOwnErrorEventEndsTheStream() throws Exception {
    ResponsesPassthroughExchange x = exchange(true);
    String error = "event: error\ndata: {\"type\":\"error\",\"code\":\"server_error\",\"message\":\"m\",\"param\":null,"
        + "\"sequence_number\":2}\n\n";
    assertThat(new String(x.onResponseBody(b(error), true), StandardCharsets.UTF_8)).isEqualTo(error);
  }
}
