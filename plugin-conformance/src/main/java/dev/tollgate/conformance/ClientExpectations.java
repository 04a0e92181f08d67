package dev.tollgate.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.Endpoint;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.SseDecoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * What a client of each endpoint accepts: OpenAI answers validated against OpenAI's own schemas,
 * Anthropic Messages answers against the shapes Anthropic documents. Each method lists the
 * problems found; empty means the client is served.
 */
final class ClientExpectations {
  private static final Set<String> ANTHROPIC_EVENTS = Set.of("message_start", "content_block_start",
      "content_block_delta", "content_block_stop", "message_delta", "message_stop", "ping", "error");
  /** Anthropic's error types: its errors page, and the official SDKs' ErrorObject (402 billing_error, 504 timeout_error). */
  private static final Set<String> ANTHROPIC_ERROR_TYPES = Set.of("invalid_request_error", "authentication_error",
      "billing_error", "permission_error", "not_found_error", "request_too_large", "rate_limit_error", "api_error",
      "timeout_error", "overloaded_error");

  private ClientExpectations() {
  }

  /** A whole answer for {@code endpoint} to the client's {@code request} (null when it is not JSON). */
  static List<String> whole(Endpoint endpoint, JsonNode request, byte[] body) {
    JsonNode json = JsonSupport.tryParse(body);
    if (json == null || !json.isObject()) {
      return List.of("the answer is not a JSON object");
    }
    return switch (endpoint) {
      case CHAT_COMPLETIONS -> OpenAiSchemas.problems("CreateChatCompletionResponse", json);
      case EMBEDDINGS -> embeddings(request, (ObjectNode) json.deepCopy());
      case MODELS -> OpenAiSchemas.problems("ListModelsResponse", json);
      case COMPLETIONS -> json.path("choices").isArray() ? List.of() : List.of("a completion has no choices array");
      case RESPONSES -> "response".equals(json.path("object").asText()) ? List.of()
          : List.of("a Responses answer's object is not \"response\""); // placeholder: resp-bridge checks the schema
      case MESSAGES -> anthropicMessage(json);
    };
  }

  /** A streamed answer for {@code endpoint}, as the events the client decodes. */
  static List<String> stream(Endpoint endpoint, List<SseDecoder.Event> events) {
    if (events.isEmpty()) {
      return List.of("the stream has no events");
    }
    return endpoint.clientApi() == ClientApi.ANTHROPIC ? anthropicStream(events) : openAiStream(endpoint, events);
  }

  /** An error body as the platform writes it for a client of {@code api}. */
  static List<String> error(ClientApi api, byte[] body) {
    JsonNode json = JsonSupport.tryParse(body);
    if (json == null || !json.isObject()) {
      return List.of("the error is not a JSON object");
    }
    if (api == ClientApi.OPENAI) {
      List<String> problems = new ArrayList<>(OpenAiSchemas.problems("ErrorResponse", json));
      if (json.path("error").path("message").asText("").isBlank()) {
        problems.add("the error has no message");
      }
      return problems;
    }
    List<String> problems = new ArrayList<>();
    if (!"error".equals(json.path("type").asText())) {
      problems.add("an Anthropic error has type \"error\"");
    }
    if (!ANTHROPIC_ERROR_TYPES.contains(json.path("error").path("type").asText())) {
      problems.add("error.type '" + json.path("error").path("type").asText() + "' is not one of Anthropic's");
    }
    if (json.path("error").path("message").asText("").isBlank()) {
      problems.add("the error has no message");
    }
    return problems;
  }

  /**
   * An embeddings list. OpenAI's schema types {@code embedding} as an array of numbers only, but
   * with {@code encoding_format: base64} OpenAI sends a string, the base64 of little-endian
   * float32s, which its SDKs decode (openai-python asks for base64 by default); such a string is
   * checked as that and then validated as the array it stands for.
   */
  private static List<String> embeddings(JsonNode request, ObjectNode json) {
    List<String> problems = new ArrayList<>();
    if (request != null && "base64".equals(request.path("encoding_format").asText())) {
      JsonNode data = json.path("data");
      for (int i = 0; i < data.size(); i++) {
        JsonNode e = data.get(i).path("embedding");
        if (!e.isTextual()) {
          problems.add("/data/" + i + "/embedding: base64 was asked for, but it is not a string");
          continue;
        }
        byte[] bytes;
        try {
          bytes = Base64.getDecoder().decode(e.asText());
        } catch (IllegalArgumentException bad) {
          problems.add("/data/" + i + "/embedding: not base64: " + bad.getMessage());
          continue;
        }
        if (bytes.length % 4 != 0) {
          problems.add("/data/" + i + "/embedding: " + bytes.length + " bytes are not whole float32s");
          continue;
        }
        ArrayNode floats = ((ObjectNode) data.get(i)).putArray("embedding");
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining()) {
          floats.add(buf.getFloat());
        }
      }
    }
    problems.addAll(OpenAiSchemas.problems("CreateEmbeddingResponse", json));
    return problems;
  }

  private static List<String> openAiStream(Endpoint endpoint, List<SseDecoder.Event> events) {
    List<String> problems = new ArrayList<>();
    SseDecoder.Event last = events.get(events.size() - 1);
    if (!last.data().equals("[DONE]")) {
      problems.add("the stream does not end with data: [DONE]");
    }
    for (int i = 0; i < events.size(); i++) {
      String data = events.get(i).data();
      if (data.equals("[DONE]")) {
        if (i != events.size() - 1) {
          problems.add("event " + i + ": [DONE] before the end of the stream");
        }
        continue;
      }
      JsonNode json = JsonSupport.tryParse(data);
      if (json == null || !json.isObject()) {
        problems.add("event " + i + ": data is not a JSON object: " + abbreviate(data));
      } else if (json.has("error")) {
        problems.addAll(prefixed("event " + i + " (error)", error(ClientApi.OPENAI, data.getBytes())));
      } else if (endpoint == Endpoint.CHAT_COMPLETIONS) {
        problems.addAll(prefixed("event " + i, OpenAiSchemas.problems("CreateChatCompletionStreamResponse", json)));
      } else if (!json.path("choices").isArray()) {
        problems.add("event " + i + ": no choices array");
      }
    }
    return problems;
  }

  private static List<String> anthropicStream(List<SseDecoder.Event> events) {
    List<String> problems = new ArrayList<>();
    String first = events.get(0).event();
    String last = events.get(events.size() - 1).event();
    if (!first.equals("message_start") && !first.equals("error")) {
      problems.add("the stream starts with '" + first + "', not message_start");
    }
    if (!last.equals("message_stop") && !last.equals("error")) {
      problems.add("the stream ends with '" + last + "', not message_stop (or an error)");
    }
    for (int i = 0; i < events.size(); i++) {
      SseDecoder.Event e = events.get(i);
      if (!ANTHROPIC_EVENTS.contains(e.event())) {
        problems.add("event " + i + ": '" + e.event() + "' is not an Anthropic stream event");
        continue;
      }
      JsonNode json = JsonSupport.tryParse(e.data());
      if (json == null || !e.event().equals(json.path("type").asText())) {
        problems.add("event " + i + ": its data's type is not '" + e.event() + "'");
      } else if (e.event().equals("message_start")) {
        problems.addAll(prefixed("message_start", anthropicMessage(json.path("message"))));
      } else if (e.event().equals("error")) {
        problems.addAll(prefixed("event " + i + " (error)", error(ClientApi.ANTHROPIC, e.data().getBytes())));
      }
    }
    return problems;
  }

  private static List<String> anthropicMessage(JsonNode m) {
    List<String> problems = new ArrayList<>();
    if (!"message".equals(m.path("type").asText())) {
      problems.add("an Anthropic message has type \"message\"");
    }
    if (!"assistant".equals(m.path("role").asText())) {
      problems.add("an Anthropic message has role \"assistant\"");
    }
    if (!m.path("content").isArray()) {
      problems.add("an Anthropic message has a content array");
    }
    if (m.path("id").asText("").isBlank() || m.path("model").asText("").isBlank()) {
      problems.add("an Anthropic message has an id and a model");
    }
    if (!m.path("usage").path("input_tokens").isIntegralNumber()
        || !m.path("usage").path("output_tokens").isIntegralNumber()) {
      problems.add("an Anthropic message has usage.input_tokens and usage.output_tokens");
    }
    return problems;
  }

  private static List<String> prefixed(String where, List<String> problems) {
    return problems.stream().map(p -> where + ": " + p).toList();
  }

  private static String abbreviate(String s) {
    return s.length() > 120 ? s.substring(0, 120) + "…" : s;
  }
}
