package dev.tollgate.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Endpoint;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.SseDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The validator enforces OpenAI's {@code required} lists, nullable members included: for a valid
 * instance of each schema the kit checks, taking out any one property is a problem exactly when
 * OpenAI's schema (read by hand, listed here) requires it, whether the answer is whole or a chunk
 * of a stream.
 */
class OpenAiSchemasTest {
  static final String COMPLETION = """
      {"id":"c1","object":"chat.completion","created":1,"model":"m","system_fingerprint":"fp",
       "choices":[{"index":0,"message":{"role":"assistant","content":"Hi","refusal":null,
         "tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]},
         "logprobs":null,"finish_reason":"stop"}],
       "usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4,"prompt_tokens_details":{"cached_tokens":0}}}""";
  /** Everything CreateChatCompletionResponse requires, nullable logprobs and refusal among them. */
  static final Set<String> COMPLETION_REQUIRED = Set.of("/id", "/object", "/created", "/model", "/choices",
      "/choices/0/index", "/choices/0/message", "/choices/0/logprobs", "/choices/0/finish_reason",
      "/choices/0/message/role", "/choices/0/message/content", "/choices/0/message/refusal",
      "/choices/0/message/tool_calls/0/id", "/choices/0/message/tool_calls/0/type",
      "/choices/0/message/tool_calls/0/function", "/choices/0/message/tool_calls/0/function/name",
      "/choices/0/message/tool_calls/0/function/arguments",
      "/usage/prompt_tokens", "/usage/completion_tokens", "/usage/total_tokens");

  static final String CHUNK = """
      {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,
       "delta":{"role":"assistant","content":"Hi","tool_calls":[{"index":0,"id":"call_1","type":"function",
         "function":{"name":"f","arguments":""}}]},"logprobs":null,"finish_reason":null}]}""";
  /** CreateChatCompletionStreamResponse: a chunk choice requires delta, finish_reason (nullable) and index, not logprobs. */
  static final Set<String> CHUNK_REQUIRED = Set.of("/id", "/object", "/created", "/model", "/choices",
      "/choices/0/index", "/choices/0/delta", "/choices/0/finish_reason", "/choices/0/delta/tool_calls/0/index");

  static final String USAGE_CHUNK = """
      {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],
       "usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}""";
  static final Set<String> USAGE_CHUNK_REQUIRED = Set.of("/id", "/object", "/created", "/model", "/choices",
      "/usage/prompt_tokens", "/usage/completion_tokens", "/usage/total_tokens");

  static final String EMBEDDINGS = """
      {"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5,-1.0]}],"model":"m",
       "usage":{"prompt_tokens":2,"total_tokens":2}}""";
  static final Set<String> EMBEDDINGS_REQUIRED = Set.of("/object", "/data", "/model", "/usage",
      "/data/0/object", "/data/0/index", "/data/0/embedding", "/usage/prompt_tokens", "/usage/total_tokens");

  static final String ERROR = "{\"error\":{\"message\":\"m\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}";
  /** Error requires param and code, both nullable. */
  static final Set<String> ERROR_REQUIRED = Set.of("/error", "/error/message", "/error/type", "/error/param",
      "/error/code");

  static final String MODELS = """
      {"object":"list","data":[{"id":"m","object":"model","created":1,"owned_by":"o"}]}""";
  static final Set<String> MODELS_REQUIRED = Set.of("/object", "/data", "/data/0/id", "/data/0/object",
      "/data/0/created", "/data/0/owned_by");

  @Test
  void wholeChatCompletionsNeedEveryRequiredPropertyNullableOnesIncluded() {
    assertThat(requiredByTheValidator(COMPLETION, json -> ClientExpectations.whole(Endpoint.CHAT_COMPLETIONS,
        null, JsonSupport.bytes(json)))).isEqualTo(new TreeSet<>(COMPLETION_REQUIRED));
  }

  @Test
  void streamedChunksNeedEveryRequiredProperty() {
    assertThat(requiredByTheValidator(CHUNK, OpenAiSchemasTest::asStream)).isEqualTo(new TreeSet<>(CHUNK_REQUIRED));
    assertThat(requiredByTheValidator(USAGE_CHUNK, OpenAiSchemasTest::asStream))
        .isEqualTo(new TreeSet<>(USAGE_CHUNK_REQUIRED));
  }

  @Test
  void embeddingsModelListsAndErrorsNeedEveryRequiredProperty() {
    assertThat(requiredByTheValidator(EMBEDDINGS, json -> ClientExpectations.whole(Endpoint.EMBEDDINGS,
        JsonSupport.object(), JsonSupport.bytes(json)))).isEqualTo(new TreeSet<>(EMBEDDINGS_REQUIRED));
    assertThat(requiredByTheValidator(MODELS, json -> ClientExpectations.whole(Endpoint.MODELS, null,
        JsonSupport.bytes(json)))).isEqualTo(new TreeSet<>(MODELS_REQUIRED));
    assertThat(requiredByTheValidator(ERROR, json -> ClientExpectations.error(dev.tollgate.api.ClientApi.OPENAI,
        JsonSupport.bytes(json)))).isEqualTo(new TreeSet<>(ERROR_REQUIRED));
    // an error inside a stream is held to the same schema
    assertThat(requiredByTheValidator(ERROR, OpenAiSchemasTest::asStream)).isEqualTo(new TreeSet<>(ERROR_REQUIRED));
  }

  @Test
  void nullIsAcceptedOnlyWhereTheSchemaSaysNullable() {
    ObjectNode completion = parse(COMPLETION);
    choice(completion).put("finish_reason", (String) null);
    assertThat(ClientExpectations.whole(Endpoint.CHAT_COMPLETIONS, null, JsonSupport.bytes(completion)))
        .anyMatch(p -> p.contains("/choices/0/finish_reason"));
    ObjectNode chunk = parse(CHUNK);
    choice(chunk).put("finish_reason", "stop");
    choice(chunk).putObject("logprobs"); // logprobs, when an object, needs its content and refusal
    assertThat(asStream(chunk)).anyMatch(p -> p.contains("required property 'content'"))
        .anyMatch(p -> p.contains("required property 'refusal'"));
    ObjectNode noId = parse(COMPLETION);
    noId.putNull("id");
    assertThat(ClientExpectations.whole(Endpoint.CHAT_COMPLETIONS, null, JsonSupport.bytes(noId)))
        .anyMatch(p -> p.contains("/id"));
  }

  /**
   * The paths of {@code valid} (which must pass {@code check}) whose removal {@code check}
   * reports, each removed on its own.
   */
  private static Set<String> requiredByTheValidator(String valid, java.util.function.Function<ObjectNode,
      List<String>> check) {
    ObjectNode instance = parse(valid);
    assertThat(check.apply(instance)).as("the valid instance passes").isEmpty();
    Set<String> required = new TreeSet<>();
    for (String path : paths(instance, "")) {
      ObjectNode copy = instance.deepCopy();
      remove(copy, path);
      if (!check.apply(copy).isEmpty()) {
        required.add(path);
      }
    }
    return required;
  }

  private static List<String> asStream(ObjectNode json) {
    byte[] sse = ("data: " + JsonSupport.string(json) + "\n\ndata: [DONE]\n\n").getBytes(StandardCharsets.UTF_8);
    List<SseDecoder.Event> events = new SseDecoder().feed(sse);
    return ClientExpectations.stream(Endpoint.CHAT_COMPLETIONS, events);
  }

  private static List<String> paths(JsonNode node, String at) {
    List<String> out = new ArrayList<>();
    if (node instanceof ObjectNode o) {
      for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        out.add(at + "/" + name);
        out.addAll(paths(o.get(name), at + "/" + name));
      }
    } else if (node instanceof ArrayNode a) {
      for (int i = 0; i < a.size(); i++) {
        out.addAll(paths(a.get(i), at + "/" + i));
      }
    }
    return out;
  }

  private static void remove(ObjectNode root, String path) {
    int cut = path.lastIndexOf('/');
    JsonNode parent = cut == 0 ? root : root.at(path.substring(0, cut));
    ((ObjectNode) parent).remove(path.substring(cut + 1));
  }

  private static ObjectNode choice(ObjectNode answer) {
    return (ObjectNode) answer.path("choices").get(0);
  }

  private static ObjectNode parse(String json) {
    return (ObjectNode) JsonSupport.tryParse(json);
  }
}
