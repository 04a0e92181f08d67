package dev.tollgate.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.testkit.FakeUpstream.Answer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenAI Responses API answers as OpenAI (and Azure OpenAI) write them, after OpenAI's published
 * schemas ({@code Response}, {@code ResponseStreamEvent}): a whole {@code Response} with one
 * assistant message, or the typed event stream of one ({@code response.created},
 * {@code response.in_progress}, {@code response.output_item.added},
 * {@code response.content_part.added}, {@code response.output_text.delta} per piece,
 * {@code response.output_text.done}, {@code response.content_part.done},
 * {@code response.output_item.done}, {@code response.completed} with the usage). Shared by
 * {@link FakeOpenAi#responsesHandler} and {@link FakeAzureOpenAi#responsesHandler}.
 */
public final class FakeResponses {
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String RESPONSE_ID = "resp_fake0001";
  public static final String ITEM_ID = "msg_fake0001";

  /** Token counts of an answer: input (cached among them), output (reasoning among them). */
  public record Usage(int input, int cached, int output, int reasoning) {
    public static Usage of(int input, int output) {
      return new Usage(input, 0, output, 0);
    }

    ObjectNode json() {
      ObjectNode u = JSON.createObjectNode();
      u.put("input_tokens", input);
      u.putObject("input_tokens_details").put("cached_tokens", cached).put("cache_write_tokens", 0);
      u.put("output_tokens", output);
      u.putObject("output_tokens_details").put("reasoning_tokens", reasoning);
      u.put("total_tokens", input + output);
      return u;
    }
  }

  private FakeResponses() {
  }

  /**
   * What a Responses request must hold: a JSON object with a string {@code model} and an
   * {@code input} (string or item list); null when it does, else OpenAI's 400.
   */
  static Answer invalid(JsonNode req) {
    if (req == null || !req.isObject()) {
      return error(400, "We could not parse the JSON body of your request.", null);
    }
    if (!req.path("model").isTextual()) {
      return error(400, "Missing required parameter: 'model'.", "model");
    }
    JsonNode input = req.get("input");
    if (input == null || !(input.isTextual() || input.isArray())) {
      return error(400, "Missing required parameter: 'input'.", "input");
    }
    return null;
  }

  static Answer error(int status, String message, String param) {
    ObjectNode e = JSON.createObjectNode();
    ObjectNode err = e.putObject("error");
    err.put("message", message).put("type", "invalid_request_error");
    if (param == null) {
      err.putNull("param");
    } else {
      err.put("param", param);
    }
    err.putNull("code");
    return Answer.json(status, e.toString());
  }

  /** The answer to a valid request: streamed when it asks for {@code stream}, else a whole {@code Response}. */
  static Answer answer(JsonNode req, String model, List<String> pieces, Usage usage) {
    if (req.path("stream").asBoolean(false)) {
      return Answer.stream("text/event-stream", events(req, model, pieces, usage));
    }
    return Answer.json(200, response(req, model, String.join("", pieces), "completed", usage).toString());
  }

  /** A {@code Response} with one assistant message holding {@code text}; no output or usage while in progress. */
  public static ObjectNode response(JsonNode req, String model, String text, String status, Usage usage) {
    ObjectNode r = JSON.createObjectNode();
    r.put("id", RESPONSE_ID).put("object", "response").put("created_at", 1741476542).put("status", status);
    if ("completed".equals(status)) {
      r.put("completed_at", 1741476543);
    } else {
      r.putNull("completed_at");
    }
    r.putNull("error").putNull("incomplete_details");
    if (req.path("instructions").isTextual()) {
      r.put("instructions", req.path("instructions").asText());
    } else {
      r.putNull("instructions");
    }
    r.putNull("max_output_tokens").put("model", model);
    ArrayNode output = r.putArray("output");
    if (text != null) {
      output.add(message(text, "completed"));
    }
    r.put("parallel_tool_calls", true);
    if (req.path("previous_response_id").isTextual()) {
      r.put("previous_response_id", req.path("previous_response_id").asText());
    } else {
      r.putNull("previous_response_id");
    }
    r.putObject("reasoning").putNull("effort").putNull("summary");
    r.put("store", req.path("store").asBoolean(true));
    r.put("temperature", 1.0);
    r.putObject("text").putObject("format").put("type", "text");
    r.put("tool_choice", "auto");
    r.putArray("tools");
    r.put("top_p", 1.0).put("truncation", "disabled");
    if (usage != null) {
      r.set("usage", usage.json()); // absent while in progress: the schema's usage is an object, never null
    }
    r.putObject("metadata");
    return r;
  }

  private static ObjectNode message(String text, String status) {
    ObjectNode m = JSON.createObjectNode();
    m.put("type", "message").put("id", ITEM_ID).put("status", status).put("role", "assistant");
    ArrayNode content = m.putArray("content");
    if (text != null) {
      content.add(part(text));
    }
    return m;
  }

  private static ObjectNode part(String text) {
    ObjectNode p = JSON.createObjectNode();
    p.put("type", "output_text").put("text", text);
    p.putArray("annotations");
    p.putArray("logprobs");
    return p;
  }

  /** The typed events of a streamed answer, one SSE event per piece of the list. */
  public static List<byte[]> events(JsonNode req, String model, List<String> pieces, Usage usage) {
    List<ObjectNode> events = new ArrayList<>();
    String text = String.join("", pieces);
    events.add(event("response.created").set("response", response(req, model, null, "in_progress", null)));
    events.add(event("response.in_progress").set("response", response(req, model, null, "in_progress", null)));
    events.add(event("response.output_item.added").put("output_index", 0).set("item", message(null, "in_progress")));
    events.add(inPart("response.content_part.added").set("part", part("")));
    for (String piece : pieces) {
      ObjectNode d = inPart("response.output_text.delta").put("delta", piece);
      d.putArray("logprobs");
      events.add(d);
    }
    ObjectNode done = inPart("response.output_text.done").put("text", text);
    done.putArray("logprobs");
    events.add(done);
    events.add(inPart("response.content_part.done").set("part", part(text)));
    events.add(event("response.output_item.done").put("output_index", 0).set("item", message(text, "completed")));
    events.add(event("response.completed").set("response", response(req, model, text, "completed", usage)));
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      ObjectNode e = events.get(i);
      e.put("sequence_number", i);
      out.add(("event: " + e.path("type").asText() + "\ndata: " + e + "\n\n").getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }

  private static ObjectNode event(String type) {
    return JSON.createObjectNode().put("type", type);
  }

  private static ObjectNode inPart(String type) {
    return event(type).put("item_id", ITEM_ID).put("output_index", 0).put("content_index", 0);
  }
}
