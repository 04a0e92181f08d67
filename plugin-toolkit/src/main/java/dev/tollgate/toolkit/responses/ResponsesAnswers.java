package dev.tollgate.toolkit.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.PivotExtensions;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

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

  /**
   * The prefix of the {@code encrypted_content} Tollgate gives a {@code reasoning} item: the rest is
   * the chat answer's {@code thinking_blocks} (see {@link PivotExtensions}) as base64url JSON.
   * The provider's signatures in them are what make the blocks tamper-proof, so they need no
   * encryption of Tollgate's; the prefix tells them from OpenAI's own encrypted reasoning, which
   * no other backend can read.
   */
  static final String ENCRYPTED_PREFIX = "tollgate.thinking_blocks.v1:";

  /**
   * A {@code reasoning} item: {@code text} (null or empty for none yet) as its one
   * {@code summary_text} part, the provider's reasoning {@code blocks} (null or empty for none) as
   * its {@code encrypted_content}.
   */
  static ObjectNode reasoning(String id, String status, String text, ArrayNode blocks) {
    ObjectNode r = JsonSupport.object().put("id", id).put("type", "reasoning");
    ArrayNode summary = r.putArray("summary");
    if (text != null && !text.isEmpty()) {
      summary.add(summaryText(text));
    }
    if (blocks != null && !blocks.isEmpty()) {
      r.put("encrypted_content", encryptedContent(blocks));
    }
    r.put("status", status);
    return r;
  }

  /** A {@code summary_text} part. */
  static ObjectNode summaryText(String text) {
    return JsonSupport.object().put("type", "summary_text").put("text", text);
  }

  /** The {@code encrypted_content} that carries {@code blocks}. */
  static String encryptedContent(ArrayNode blocks) {
    return ENCRYPTED_PREFIX + Base64.getUrlEncoder().withoutPadding()
        .encodeToString(JsonSupport.string(blocks).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The thinking blocks an {@code encrypted_content} of {@link #encryptedContent} carries; null for
   * any other (OpenAI's own, or a malformed one), and for one carrying no blocks.
   */
  static ArrayNode thinkingBlocks(JsonNode encrypted) {
    if (encrypted == null || !encrypted.isTextual() || !encrypted.asText().startsWith(ENCRYPTED_PREFIX)) {
      return null;
    }
    try {
      byte[] json = Base64.getUrlDecoder().decode(encrypted.asText().substring(ENCRYPTED_PREFIX.length()));
      JsonNode blocks = JsonSupport.tryParse(new String(json, StandardCharsets.UTF_8));
      if (blocks == null || !blocks.isArray() || blocks.isEmpty()) {
        return null;
      }
      ArrayNode out = JsonSupport.MAPPER.createArrayNode();
      for (JsonNode b : blocks) {
        if (b.isObject() && (b.path("type").asText().equals("thinking") || b.path("type").asText().equals("redacted_thinking"))) {
          out.add(b);
        }
      }
      return out.isEmpty() ? null : out;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** A {@code function_call} item. */
  static ObjectNode functionCall(String id, String status, String callId, String name, String arguments) {
    return JsonSupport.object().put("id", id).put("type", "function_call").put("status", status)
        .put("call_id", callId).put("name", name).put("arguments", arguments);
  }

  /**
   * The {@code Response} for a whole {@code chat.completion}: its {@code reasoning_content} and
   * {@code thinking_blocks} first, as a {@code reasoning} item (see {@link #reasoning}), its text as a {@code message} item
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
    String reasoning = msg.path(PivotExtensions.REASONING_CONTENT).isTextual()
        ? msg.path(PivotExtensions.REASONING_CONTENT).asText() : "";
    ArrayNode blocks = msg.path(PivotExtensions.THINKING_BLOCKS).isArray()
        ? (ArrayNode) msg.get(PivotExtensions.THINKING_BLOCKS) : null;
    if (reasoning.isEmpty() && blocks != null) {
      StringBuilder sb = new StringBuilder();
      blocks.forEach(b -> sb.append(b.path("thinking").asText("")));
      reasoning = sb.toString();
    }
    if (!reasoning.isEmpty() || (blocks != null && !blocks.isEmpty())) {
      output.add(reasoning(shape.itemId("rs", 0), status, reasoning, blocks));
    }
    if (!text.isEmpty() || !refusal.isEmpty() || !calls) {
      ObjectNode m = message(shape.itemId("msg", output.size()), status, text.isEmpty() && !refusal.isEmpty() ? null : text);
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
