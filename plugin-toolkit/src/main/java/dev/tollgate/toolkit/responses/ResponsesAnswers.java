package dev.tollgate.toolkit.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.toolkit.JsonSupport;

/** Output items of a Responses API {@code Response}, and a whole {@code chat.completion} as one. Stateless. */
final class ResponsesAnswers {
  private ResponsesAnswers() {
  }

  /** An assistant {@code message} item; {@code text} null for one whose content has not begun. */
  static ObjectNode message(String id, String status, String text) {
    ObjectNode m = JsonSupport.object().put("id", id).put("type", "message").put("status", status)
        .put("role", "assistant");
    ArrayNode content = m.putArray("content");
    if (text != null) {
      content.add(outputText(text));
    }
    return m;
  }

  /** An {@code output_text} content part. */
  static ObjectNode outputText(String text) {
    ObjectNode p = JsonSupport.object().put("type", "output_text").put("text", text);
    p.putArray("annotations");
    p.putArray("logprobs");
    return p;
  }

  /** A {@code function_call} item. */
  static ObjectNode functionCall(String id, String status, String callId, String name, String arguments) {
    return JsonSupport.object().put("id", id).put("type", "function_call").put("status", status)
        .put("call_id", callId).put("name", name).put("arguments", arguments);
  }

  /**
   * The {@code Response} for a whole {@code chat.completion}: its text as a {@code message} item
   * (a refusal as a {@code refusal} part), each tool call as a {@code function_call} item; status
   * {@code incomplete} when the token limit or a content filter cut the answer.
   */
  static ObjectNode toResponse(JsonNode completion, ResponseShape shape, String model) {
    JsonNode choice = completion.path("choices").path(0);
    JsonNode msg = choice.path("message");
    String reason = ResponseShape.incompleteReason(choice.path("finish_reason").asText(null));
    String status = reason == null ? "completed" : "incomplete";
    ArrayNode output = JsonSupport.MAPPER.createArrayNode();
    String text = msg.path("content").isTextual() ? msg.path("content").asText() : "";
    String refusal = msg.path("refusal").isTextual() ? msg.path("refusal").asText() : "";
    boolean calls = msg.path("tool_calls").isArray() && !msg.path("tool_calls").isEmpty();
    if (!text.isEmpty() || !refusal.isEmpty() || !calls) {
      ObjectNode m = message(shape.itemId("msg", 0), status, text.isEmpty() && !refusal.isEmpty() ? null : text);
      if (!refusal.isEmpty()) {
        ((ArrayNode) m.get("content")).addObject().put("type", "refusal").put("refusal", refusal);
      }
      output.add(m);
    }
    for (JsonNode call : msg.path("tool_calls")) {
      JsonNode fn = call.path("function");
      output.add(functionCall(shape.itemId("fc", output.size()), status, call.path("id").asText(""),
          fn.path("name").asText(""), fn.path("arguments").asText("{}")));
    }
    long created = completion.path("created").asLong(0);
    ObjectNode r = shape.response("completed", created > 0 ? created : java.time.Instant.now().getEpochSecond(),
        completion.path("model").asText(model), output, ResponseShape.usage(completion.path("usage")));
    if (reason != null) {
      ResponseShape.incomplete(r, reason);
    }
    return r;
  }
}
