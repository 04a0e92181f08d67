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
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each endpoint's spec on bodies and events shaped like the real ones. */
class EndpointSpecsTest {
  private static final EndpointSpec CHAT = EndpointSpecs.of(Endpoint.CHAT_COMPLETIONS);
  private static final EndpointSpec COMPLETIONS = EndpointSpecs.of(Endpoint.COMPLETIONS);
  private static final EndpointSpec EMBEDDINGS = EndpointSpecs.of(Endpoint.EMBEDDINGS);
  private static final EndpointSpec MODELS = EndpointSpecs.of(Endpoint.MODELS);
  private static final EndpointSpec MESSAGES = EndpointSpecs.of(Endpoint.MESSAGES);
  private static final EndpointSpec RESPONSES = EndpointSpecs.of(Endpoint.RESPONSES);

  private static ObjectNode json(String s) {
    return (ObjectNode) JsonSupport.tryParse(s);
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void everyEndpointHasItsSpeakingItsClientApi() {
    for (Endpoint e : Endpoint.values()) {
      EndpointSpec spec = EndpointSpecs.of(e);
      assertThat(spec).as("%s", e).isNotNull();
      assertThat(spec.endpoint()).isEqualTo(e);
      assertThat(spec.clientApi()).isEqualTo(e.clientApi());
    }
  }

  @Test
  void aMissingOrMismatchedSpecFailsAtOnce() {
    List<EndpointSpec> all = new ArrayList<>(List.of(CHAT, COMPLETIONS, EMBEDDINGS, MODELS, RESPONSES, MESSAGES,
        EndpointSpecs.of(Endpoint.MESSAGES_COUNT_TOKENS)));
    assertThat(EndpointSpecs.index(all)).hasSize(Endpoint.values().length);
    assertThatThrownBy(() -> EndpointSpecs.index(all.subList(0, 5)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("no EndpointSpec for MESSAGES");
    all.add(CHAT);
    assertThatThrownBy(() -> EndpointSpecs.index(all)).hasMessageContaining("two specs for CHAT_COMPLETIONS");
    EndpointSpec wrongApi = (EndpointSpec) Proxy.newProxyInstance(EndpointSpec.class.getClassLoader(),
        new Class<?>[] {EndpointSpec.class},
        (proxy, method, args) -> method.getName().equals("endpoint") ? Endpoint.MESSAGES : ClientApi.OPENAI);
    assertThatThrownBy(() -> EndpointSpecs.index(List.of(wrongApi))).hasMessageContaining("speaks OPENAI but MESSAGES");
  }

  @Test
  void onlyTheModelListIsAnsweredLocallyAndWithGet() {
    for (Endpoint e : Endpoint.values()) {
      EndpointSpec spec = EndpointSpecs.of(e);
      assertThat(spec.method()).as("%s", e).isEqualTo(e == Endpoint.MODELS ? "GET" : "POST");
      if (e != Endpoint.MODELS) {
        assertThat(spec.localAnswer(() -> {
          throw new AssertionError("models asked for " + e);
        })).isNull();
      }
    }
    LocalAnswer list = MODELS.localAnswer(() -> List.of("gpt-4o", "claude"));
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.cause()).isEqualTo("models");
    assertThat(new String(list.json(), StandardCharsets.UTF_8)).isEqualTo("{\"object\":\"list\",\"data\":["
        + "{\"id\":\"gpt-4o\",\"object\":\"model\",\"created\":0,\"owned_by\":\"tollgate\"},"
        + "{\"id\":\"claude\",\"object\":\"model\",\"created\":0,\"owned_by\":\"tollgate\"}]}");
  }

  @Test
  void aRequestIsParsedOnceWithItsModelAndStreamFlag() throws Exception {
    ParsedRequest r = CHAT.parse(b("{\"model\":\"m\",\"stream\":true,\"messages\":[]}"));
    assertThat(r.model()).isEqualTo("m");
    assertThat(r.stream()).isTrue();
    assertThat(r.keepsModel()).isTrue();
    r.json().put("stream", false);
    assertThat(r.stream()).as("read as the body is now").isFalse();
    r.json().put("model", "other");
    assertThat(r.keepsModel()).isFalse();
    assertThat(MESSAGES.parse(b("{\"model\":\"claude\"}")).stream()).isFalse();
  }

  @Test
  void aBadRequestBodySaysWhatIsWrong() {
    assertBadRequest("", "the request body is empty; send a JSON object with a model");
    assertBadRequest("[1]", "the request body must be a JSON object");
    assertBadRequest("{\"model\":", "the request body is not valid JSON at line 1, column 10");
    String noModel = "the request body has no model; set \"model\" to one of the gateway's models";
    assertBadRequest("{}", noModel);
    assertBadRequest("{\"model\":\" \"}", noModel);
    assertBadRequest("{\"model\":7}", noModel);
  }

  private static void assertBadRequest(String body, String message) {
    assertThatThrownBy(() -> EMBEDDINGS.parse(b(body))).isInstanceOf(GatewayException.class)
        .hasMessage(message).satisfies(e -> assertThat(((GatewayException) e).status()).isEqualTo(400));
  }

  @Test
  void promptTextsOfEachEndpoint() {
    ObjectNode chat = json("{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
        + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"look\"},"
        + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:x\"}}]}]}");
    assertThat(CHAT.requestTexts(chat).texts()).containsExactly("be brief", "look");
    assertThat(COMPLETIONS.requestTexts(json("{\"prompt\":\"once\"}")).texts()).containsExactly("once");
    assertThat(COMPLETIONS.requestTexts(json("{\"prompt\":[\"a\",\"b\"]}")).texts()).containsExactly("a", "b");
    assertThat(EMBEDDINGS.requestTexts(json("{\"input\":[\"x\",[1,2],\"y\"]}")).texts()).containsExactly("x", "y");
    ObjectNode messages = json("{\"model\":\"claude\",\"system\":[{\"type\":\"text\",\"text\":\"rules\"}],"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":["
        + "{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{}},{\"type\":\"text\",\"text\":\"ok\"}]}]}");
    assertThat(MESSAGES.requestTexts(messages).texts()).containsExactly("rules", "hi", "ok");
    assertThat(MODELS.requestTexts(json("{}")).isEmpty()).isTrue();
  }

  @Test
  void masksAreWrittenBackInPlace() {
    ObjectNode body = json("{\"prompt\":[\"a secret\",\"b\"]}");
    PromptTexts texts = COMPLETIONS.requestTexts(body);
    texts.replace(List.of("a ***", "b"));
    assertThat(texts.changed()).isTrue();
    assertThat(body.toString()).isEqualTo("{\"prompt\":[\"a ***\",\"b\"]}");
    assertThatThrownBy(() -> texts.replace(List.of("one"))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void answerTextsOfEachEndpoint() {
    ObjectNode chat = json("{\"object\":\"chat.completion\",\"choices\":["
        + "{\"index\":0,\"message\":{\"role\":\"assistant\","
        + "\"content\":\"one\"},\"finish_reason\":\"stop\"},{\"index\":1,\"message\":{\"role\":\"assistant\","
        + "\"content\":null,\"tool_calls\":[]}}]}");
    assertThat(CHAT.answerTexts(chat).texts()).containsExactly("one");
    ObjectNode completion = json("{\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\"two\"},"
        + "{\"index\":1,\"text\":null}]}");
    assertThat(COMPLETIONS.answerTexts(completion).texts()).containsExactly("two");
    ObjectNode message = json("{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"text\","
        + "\"text\":\"three\"},{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{}}]}");
    assertThat(MESSAGES.answerTexts(message).texts()).containsExactly("three");
    assertThat(EMBEDDINGS.answerTexts(json("{\"object\":\"list\",\"data\":[{\"embedding\":[0.1]}]}")).isEmpty())
        .isTrue();
  }

  @Test
  void chatChunksCarryTextInTheDeltaAndFinishWithTheirReason() {
    List<StreamText> texts = CHAT.streamTexts(json("{\"object\":\"chat.completion.chunk\",\"choices\":["
        + "{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null},"
        + "{\"index\":1,\"delta\":{},\"finish_reason\":\"stop\"},{\"index\":2,\"delta\":{\"role\":\"assistant\"}}]}"));
    assertThat(texts).extracting(StreamText::index).containsExactly(0, 1);
    assertThat(texts.get(0).text()).isEqualTo("Hel");
    assertThat(texts.get(0).finishes()).isFalse();
    assertThat(texts.get(1).hasText()).isFalse();
    assertThat(texts.get(1).finishes()).isTrue();
    texts.get(1).set("lo");
    assertThat(texts.get(1).parent().path("delta").path("content").asText()).isEqualTo("lo");

    ObjectNode noDelta = json("{\"choices\":[{\"index\":0,\"finish_reason\":\"length\"}]}");
    CHAT.streamTexts(noDelta).get(0).set("held");
    assertThat(noDelta.path("choices").get(0).path("delta").path("content").asText()).isEqualTo("held");
    assertThat(CHAT.closesBlock(noDelta)).isEqualTo(-1);
    assertThat(CHAT.endsStream("[DONE]", null)).isTrue();
    assertThat(CHAT.endsStream(noDelta.toString(), noDelta)).isFalse();
  }

  @Test
  void chatFlushEventsRepeatTheChunkWithoutTextFinishOrUsage() {
    ObjectNode chunk = json("{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":["
        + "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"x\"},\"logprobs\":{},"
        + "\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"total_tokens\":3}}");
    ObjectNode template = CHAT.flushTemplate(chunk, CHAT.streamTexts(chunk).get(0));
    SseDecoder.Event e = CHAT.flushEvent(0, "held", template);
    assertThat(e.event()).isNull();
    assertThat(e.data()).isEqualTo("{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":["
        + "{\"index\":0,\"delta\":{\"content\":\"held\"},\"finish_reason\":null}]}");
    assertThat(CHAT.flushEvent(0, "again", template).data()).as("the template is not used up").contains("again");
  }

  private static StreamText onlyText(EndpointSpec spec, ObjectNode event) {
    List<StreamText> texts = spec.streamTexts(event);
    assertThat(texts).hasSize(1);
    return texts.get(0);
  }

  @Test
  void completionChunksCarryTextInTheChoice() {
    ObjectNode chunk = json("{\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\"abc\","
        + "\"finish_reason\":null}]}");
    StreamText text = onlyText(COMPLETIONS, chunk);
    assertThat(text.text()).isEqualTo("abc");
    JsonNode flushed = JsonSupport.tryParse(
        COMPLETIONS.flushEvent(0, "held", COMPLETIONS.flushTemplate(chunk, text)).data());
    assertThat(flushed.path("choices").get(0).path("text").asText()).isEqualTo("held");
    assertThat(EMBEDDINGS.streamTexts(chunk)).as("embeddings do not stream").isEmpty();
  }

  @Test
  void messagesStreamTextInTextDeltasAndCloseBlocksAndTheMessage() {
    ObjectNode delta = json("{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\","
        + "\"text\":\"Hi\"}}");
    StreamText text = onlyText(MESSAGES, delta);
    assertThat(text.index()).isEqualTo(1);
    assertThat(text.text()).isEqualTo("Hi");
    assertThat(MESSAGES.streamTexts(json("{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{"
        + "\"type\":\"input_json_delta\",\"partial_json\":\"{\"}}"))).as("tool input is no text").isEmpty();
    assertThat(MESSAGES.closesBlock(json("{\"type\":\"content_block_stop\",\"index\":1}"))).isEqualTo(1);
    assertThat(MESSAGES.closesBlock(delta)).isEqualTo(-1);
    ObjectNode stop = json("{\"type\":\"message_stop\"}");
    assertThat(MESSAGES.endsStream(stop.toString(), stop)).isTrue();
    assertThat(MESSAGES.endsStream("[DONE]", null)).isFalse();

    SseDecoder.Event flush = MESSAGES.flushEvent(1, "held", MESSAGES.flushTemplate(delta, text));
    assertThat(flush.event()).isEqualTo("content_block_delta");
    assertThat(flush.data()).isEqualTo("{\"type\":\"content_block_delta\",\"index\":1,"
        + "\"delta\":{\"type\":\"text_delta\","
        + "\"text\":\"held\"}}");
  }

  @Test
  void streamErrorsAreInTheClientsFormat() {
    List<SseDecoder.Event> anthropic = new SseDecoder().feed(MESSAGES.streamError(451, "no"));
    assertThat(anthropic).extracting(SseDecoder.Event::event).containsExactly("error");
    List<SseDecoder.Event> openAi = new SseDecoder().feed(CHAT.streamError(451, "no"));
    assertThat(openAi).extracting(SseDecoder.Event::data).last().isEqualTo("[DONE]");
    assertThat(JsonSupport.tryParse(openAi.get(0).data()).path("error").path("message").asText()).isEqualTo("no");
    assertThat(CHAT.clientApi()).isEqualTo(ClientApi.OPENAI);
  }

  /** Found by ApiFuzzThroughEnvoyIT: a model with a control character reached Envoy as a header and came back an empty 500. */
  @Test
  void aModelNameWithAControlCharacterIsTheClientsOwn400NotAHeaderEnvoyRefuses() throws Exception {
    for (String model : new String[] {"a\\u0000b", "a\\u000bb", "a\\u0017", "a\\u007fb", "a\\nb"}) {
      assertThatThrownBy(() -> CHAT.parse(b("{\"model\":\"" + model + "\",\"messages\":[]}")))
          .as(model).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.getMessage()).contains("control character");
          });
    }
    assertThat(CHAT.parse(b("{\"model\":\"a\\tb \\u00e9\",\"messages\":[]}")).model()).isEqualTo("a\tb \u00e9");
  }
}
