package dev.tollgate.toolkit.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.toolkit.JsonSupport;
import java.util.UUID;

/**
 * The parts of a Responses API {@code Response} that do not depend on the answer: its ids and the
 * request's settings echoed back (instructions, tools, tool_choice, sampling, text format,
 * metadata, …), with OpenAI's defaults where the request had none. One per exchange; its ids are
 * made once, so every event of a stream names the same response.
 */
final class ResponseShape {
  private final JsonNode request;
  private final String id;
  private final String itemBase;

  ResponseShape(JsonNode request) {
    this.request = request == null ? JsonSupport.object() : request;
    String hex = UUID.randomUUID().toString().replace("-", "");
    this.id = "resp_" + hex;
    this.itemBase = hex.substring(0, 24);
  }

  /** The id of output item {@code index}: {@code msg_…} for a message, {@code fc_…} for a function call, {@code rs_…} for reasoning. */
  String itemId(String prefix, int index) {
    return prefix + "_" + itemBase + String.format("%04d", index);
  }

  /**
   * A {@code Response} with {@code status}, {@code output} and {@code usage} (either may be null;
   * a null usage is left out),
   * its other fields echoed from the request.
   */
  ObjectNode response(String status, long createdAt, String model, ArrayNode output, ObjectNode usage) {
    ObjectNode r = JsonSupport.object();
    r.put("id", id);
    r.put("object", "response");
    r.put("created_at", createdAt);
    r.put("status", status);
    if (status.equals("completed")) {
      r.put("completed_at", createdAt);
    } else {
      r.putNull("completed_at");
    }
    r.put("background", false);
    r.putNull("error");
    r.putNull("incomplete_details");
    echo(r, "instructions");
    echo(r, "max_output_tokens");
    r.put("model", model);
    r.set("output", output == null ? JsonSupport.MAPPER.createArrayNode() : output);
    r.put("parallel_tool_calls", request.path("parallel_tool_calls").asBoolean(true));
    r.putNull("previous_response_id");
    ObjectNode reasoning = r.putObject("reasoning");
    reasoning.set("effort", request.path("reasoning").hasNonNull("effort")
        ? request.path("reasoning").get("effort") : JsonSupport.MAPPER.nullNode());
    reasoning.putNull("summary");
    r.put("store", false); // this backend keeps no responses, whatever the request asked
    r.set("temperature", request.hasNonNull("temperature") ? request.get("temperature")
        : JsonSupport.MAPPER.getNodeFactory().numberNode(1.0));
    ObjectNode text = request.path("text").isObject() ? (ObjectNode) request.get("text").deepCopy() : JsonSupport.object();
    if (!text.path("format").isObject()) {
      text.putObject("format").put("type", "text");
    }
    r.set("text", text);
    r.set("tool_choice", request.hasNonNull("tool_choice") ? request.get("tool_choice")
        : JsonSupport.MAPPER.getNodeFactory().textNode("auto"));
    r.set("tools", tools());
    r.set("top_p", request.hasNonNull("top_p") ? request.get("top_p")
        : JsonSupport.MAPPER.getNodeFactory().numberNode(1.0));
    r.put("truncation", request.path("truncation").asText("disabled"));
    if (usage != null) {
      r.set("usage", usage); // OpenAI's schema has no null usage: left out until it is known
    }
    for (String f : new String[] {"user", "safety_identifier"}) {
      if (request.path(f).isTextual()) {
        r.put(f, request.get(f).asText());
      }
    }
    r.set("metadata", request.path("metadata").isObject() ? request.get("metadata") : JsonSupport.object());
    return r;
  }

  /** The request's function tools as a Response lists them (every field present). */
  private ArrayNode tools() {
    ArrayNode out = JsonSupport.MAPPER.createArrayNode();
    for (JsonNode t : request.path("tools")) {
      ObjectNode tool = out.addObject().put("type", "function").put("name", t.path("name").asText());
      tool.set("description", t.hasNonNull("description") ? t.get("description") : JsonSupport.MAPPER.nullNode());
      tool.set("parameters", t.hasNonNull("parameters") ? t.get("parameters") : JsonSupport.MAPPER.nullNode());
      tool.set("strict", t.hasNonNull("strict") ? t.get("strict") : JsonSupport.MAPPER.nullNode());
    }
    return out;
  }

  private void echo(ObjectNode r, String field) {
    r.set(field, request.hasNonNull(field) ? request.get(field) : JsonSupport.MAPPER.nullNode());
  }

  /** A Responses {@code usage} for a chat completions {@code usage}. */
  static ObjectNode usage(JsonNode chat) {
    long input = chat.path("prompt_tokens").asLong(0);
    long output = chat.path("completion_tokens").asLong(0);
    ObjectNode u = JsonSupport.object();
    u.put("input_tokens", input);
    ObjectNode in = u.putObject("input_tokens_details");
    in.put("cached_tokens", chat.path("prompt_tokens_details").path("cached_tokens").asLong(0));
    in.put("cache_write_tokens", chat.path("prompt_tokens_details").path("cache_write_tokens").asLong(0));
    u.put("output_tokens", output);
    u.putObject("output_tokens_details")
        .put("reasoning_tokens", chat.path("completion_tokens_details").path("reasoning_tokens").asLong(0));
    u.put("total_tokens", chat.path("total_tokens").asLong(input + output));
    return u;
  }

  /** The {@code incomplete_details.reason} for a chat {@code finish_reason}; null when the answer is complete. */
  static String incompleteReason(String finishReason) {
    if ("length".equals(finishReason)) {
      return "max_output_tokens";
    }
    return "content_filter".equals(finishReason) ? "content_filter" : null;
  }

  /** Marks {@code r} incomplete for {@code reason}. */
  static void incomplete(ObjectNode r, String reason) {
    r.put("status", "incomplete");
    r.putNull("completed_at");
    r.putObject("incomplete_details").put("reason", reason);
  }
}
