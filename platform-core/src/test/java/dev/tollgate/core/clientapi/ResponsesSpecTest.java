package dev.tollgate.core.clientapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.SseDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Responses API's spec on requests, answers and events shaped like OpenAI's. */
class ResponsesSpecTest {
  private static final EndpointSpec SPEC = EndpointSpecs.of(Endpoint.RESPONSES);

  private static ObjectNode json(String s) {
    return (ObjectNode) JsonSupport.tryParse(s);
  }

  @Test
  void isAnOpenAiEndpointAtV1Responses() throws Exception {
    assertThat(Endpoint.fromPath("/v1/responses?x=1")).contains(Endpoint.RESPONSES);
    assertThat(Endpoint.fromPath("/v1/responses/resp_1")).isEmpty();
    assertThat(SPEC.clientApi()).isEqualTo(ClientApi.OPENAI);
    assertThat(SPEC.method()).isEqualTo("POST");
    ParsedRequest r = SPEC.parse("{\"model\":\"gpt-4o\",\"input\":\"hi\",\"stream\":true}".getBytes(StandardCharsets.UTF_8));
    assertThat(r.model()).isEqualTo("gpt-4o");
    assertThat(r.stream()).isTrue();
    assertThatThrownBy(() -> SPEC.parse("{\"input\":\"hi\"}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(GatewayException.class).hasMessageContaining("\"model\"");
  }

  @Test
  void promptTextsAreTheInstructionsAndEveryTextOfTheInput() {
    assertThat(SPEC.requestTexts(json("{\"model\":\"m\",\"instructions\":\"be brief\",\"input\":\"hello\"}")).texts())
        .containsExactly("be brief", "hello");
    ObjectNode items = json("{\"model\":\"m\",\"input\":["
        + "{\"role\":\"developer\",\"content\":\"rules\"},"
        + "{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"look\"},"
        + "{\"type\":\"input_image\",\"image_url\":\"data:x\"}]},"
        + "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"earlier\","
        + "\"annotations\":[]}]},"
        + "{\"type\":\"function_call\",\"call_id\":\"c\",\"name\":\"f\",\"arguments\":\"{}\"},"
        + "{\"type\":\"function_call_output\",\"call_id\":\"c\",\"output\":\"42 degrees\"},"
        + "{\"type\":\"item_reference\",\"id\":\"msg_1\"}]}");
    PromptTexts texts = SPEC.requestTexts(items);
    assertThat(texts.texts()).containsExactly("rules", "look", "earlier", "42 degrees");
    texts.replace(List.of("rules", "***", "earlier", "42 degrees"));
    assertThat(items.path("input").get(1).path("content").get(0).path("text").asText()).isEqualTo("***");
  }

  @Test
  void answerTextsAreTheOutputTextOfOutputMessages() {
    ObjectNode response = json("{\"object\":\"response\",\"output\":["
        + "{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[]},"
        + "{\"type\":\"message\",\"id\":\"msg_1\",\"role\":\"assistant\",\"content\":["
        + "{\"type\":\"output_text\",\"text\":\"one\",\"annotations\":[]},{\"type\":\"refusal\",\"refusal\":\"no\"}]},"
        + "{\"type\":\"function_call\",\"call_id\":\"c\",\"name\":\"f\",\"arguments\":\"{}\"}]}");
    assertThat(SPEC.answerTexts(response).texts()).containsExactly("one");
  }

  @Test
  void deltasCarryTextByItemAndPartAndDoneEventsCloseTheBlock() {
    ObjectNode delta = json("{\"type\":\"response.output_text.delta\",\"item_id\":\"msg_1\",\"output_index\":1,"
        + "\"content_index\":2,\"delta\":\"Hel\",\"sequence_number\":7,\"logprobs\":[]}");
    List<StreamText> texts = SPEC.streamTexts(delta);
    assertThat(texts).hasSize(1);
    StreamText t = texts.get(0);
    assertThat(t.index()).isEqualTo(1002);
    assertThat(t.text()).isEqualTo("Hel");
    assertThat(t.finishes()).isFalse();
    assertThat(SPEC.streamTexts(json("{\"type\":\"response.function_call_arguments.delta\",\"delta\":\"{\"}")))
        .as("tool arguments are no answer text").isEmpty();
    assertThat(SPEC.closesBlock(json("{\"type\":\"response.output_text.done\",\"output_index\":1,"
        + "\"content_index\":2}"))).isEqualTo(1002);
    assertThat(SPEC.closesBlock(json("{\"type\":\"response.content_part.done\",\"output_index\":0,"
        + "\"content_index\":0}"))).isEqualTo(0);
    assertThat(SPEC.closesBlock(delta)).isEqualTo(-1);

    SseDecoder.Event flush = SPEC.flushEvent(1002, "held", SPEC.flushTemplate(delta, t));
    assertThat(flush.event()).isEqualTo("response.output_text.delta");
    assertThat(flush.data()).isEqualTo("{\"type\":\"response.output_text.delta\",\"item_id\":\"msg_1\","
        + "\"output_index\":1,\"content_index\":2,\"delta\":\"held\",\"sequence_number\":7,\"logprobs\":[]}");
  }

  @Test
  void theStreamEndsAtTheFinalResponseOrAnError() {
    for (String type : List.of("response.completed", "response.incomplete", "response.failed", "error")) {
      ObjectNode e = json("{\"type\":\"" + type + "\"}");
      assertThat(SPEC.endsStream(e.toString(), e)).as(type).isTrue();
      assertThat(SPEC.streamEnd().isIn(("event: " + type + "\ndata: " + e + "\n\n").getBytes(StandardCharsets.UTF_8)))
          .as(type).isTrue();
    }
    ObjectNode created = json("{\"type\":\"response.created\"}");
    assertThat(SPEC.endsStream(created.toString(), created)).isFalse();
    assertThat(SPEC.streamEnd().isIn("event: response.output_text.delta\ndata: {\"delta\":\"event: error\"}\n\n"
        .getBytes(StandardCharsets.UTF_8))).isFalse();
  }

  @Test
  void doneEventsAndTheFinalResponseRepeatTheWholeTexts() {
    assertThat(SPEC.repeatedTexts(json("{\"type\":\"response.output_text.done\",\"output_index\":0,"
        + "\"content_index\":1,\"text\":\"all\"}"))).extracting(StreamText::index, StreamText::text)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(1, "all"));
    assertThat(SPEC.repeatedTexts(json("{\"type\":\"response.content_part.done\",\"output_index\":2,"
        + "\"content_index\":0,\"part\":{\"type\":\"output_text\",\"text\":\"p\",\"annotations\":[]}}")))
        .extracting(StreamText::index).containsExactly(2000);
    ObjectNode completed = json("{\"type\":\"response.completed\",\"response\":{\"output\":["
        + "{\"type\":\"reasoning\",\"summary\":[]},{\"type\":\"message\",\"content\":["
        + "{\"type\":\"output_text\",\"text\":\"x\"},{\"type\":\"output_text\",\"text\":\"y\"}]}]}}");
    List<StreamText> repeated = SPEC.repeatedTexts(completed);
    assertThat(repeated).extracting(StreamText::index).containsExactly(1000, 1001);
    repeated.get(1).set("***");
    assertThat(completed.path("response").path("output").get(1).path("content").get(1).path("text").asText())
        .isEqualTo("***");
  }

  @Test
  void streamErrorsAreTheResponsesErrorEvent() {
    List<SseDecoder.Event> events = new SseDecoder().feed(SPEC.streamError(422, "the answer holds a card number"));
    assertThat(events).hasSize(1);
    assertThat(events.get(0).event()).isEqualTo("error");
    JsonNode e = JsonSupport.tryParse(events.get(0).data());
    assertThat(e.path("type").asText()).isEqualTo("error");
    assertThat(e.path("code").asText()).isEqualTo("422");
    assertThat(e.path("message").asText()).isEqualTo("the answer holds a card number");
    assertThat(e.has("param") && e.get("param").isNull()).isTrue();
    assertThat(e.path("sequence_number").isIntegralNumber()).isTrue();
    assertThat(SPEC.streamEnd().isIn(SPEC.streamError(500, "x"))).as("the error ends the stream").isTrue();
  }
}
