package dev.tollgate.controller.up;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The provider behind {@code tollgate up --mock}: an OpenAI-compatible chat completions and
 * Responses API (whole and streamed) and embeddings API on loopback that answers without a network or a key, so that a
 * newcomer sees a whole round trip through Envoy and Tollgate. It echoes the last user message and
 * counts words as tokens.
 */
final class MockProvider implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpServer server;

  MockProvider() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "tollgate-mock-provider");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/v1/chat/completions", ex -> answer(ex, this::chat));
    server.createContext("/v1/embeddings", ex -> answer(ex, this::embeddings));
    server.createContext("/v1/responses", ex -> answer(ex, this::responses));
    server.createContext("/", ex -> answer(ex, (req, e) -> error(e, 404, "the mock provider serves "
        + "/v1/chat/completions, /v1/responses and /v1/embeddings")));
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  private interface Handler {
    void handle(JsonNode request, HttpExchange ex) throws IOException;
  }

  private static void answer(HttpExchange ex, Handler h) throws IOException {
    try (ex) {
      JsonNode req;
      try {
        req = JSON.readTree(ex.getRequestBody());
      } catch (IOException e) {
        error(ex, 400, "the request body is not JSON");
        return;
      }
      h.handle(req == null ? JSON.createObjectNode() : req, ex);
    }
  }

  private void chat(JsonNode req, HttpExchange ex) throws IOException {
    String model = req.path("model").asText("mock");
    String said = "";
    for (JsonNode m : req.path("messages")) {
      if ("user".equals(m.path("role").asText())) {
        said = m.path("content").isTextual() ? m.path("content").asText() : m.path("content").toString();
      }
    }
    String reply = "Hello from Tollgate's mock provider. You said: " + said;
    int prompt = words(req.path("messages").toString());
    int completion = words(reply);
    if (req.path("stream").asBoolean(false)) {
      ex.getResponseHeaders().set("content-type", "text/event-stream");
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      String[] pieces = reply.split("(?<= )");
      for (String p : pieces) {
        ObjectNode chunk = chunk(model);
        chunk.withArray("choices").addObject().put("index", 0).putNull("finish_reason")
            .putObject("delta").put("content", p);
        sse(out, chunk.toString());
      }
      ObjectNode last = chunk(model);
      last.withArray("choices").addObject().put("index", 0).put("finish_reason", "stop").putObject("delta");
      sse(out, last.toString());
      if (req.path("stream_options").path("include_usage").asBoolean(false)) {
        ObjectNode u = chunk(model);
        u.putArray("choices");
        u.set("usage", usage(prompt, completion));
        sse(out, u.toString());
      }
      sse(out, "[DONE]");
      return;
    }
    ObjectNode body = JSON.createObjectNode().put("id", "chatcmpl-mock").put("object", "chat.completion")
        .put("created", System.currentTimeMillis() / 1000).put("model", model);
    ObjectNode choice = body.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop");
    choice.putObject("message").put("role", "assistant").put("content", reply).putNull("refusal");
    choice.putNull("logprobs");
    body.set("usage", usage(prompt, completion));
    json(ex, 200, body.toString());
  }

  /** The Responses API: the last user input echoed, as a Response or its typed event stream. */
  private void responses(JsonNode req, HttpExchange ex) throws IOException {
    if (!ex.getRequestURI().getPath().equals("/v1/responses")) {
      error(ex, 404, "the mock provider keeps no responses");
      return;
    }
    String model = req.path("model").asText("mock");
    JsonNode input = req.path("input");
    String said = input.isTextual() ? input.asText() : "";
    for (JsonNode item : input) {
      if ("user".equals(item.path("role").asText())) {
        JsonNode c = item.path("content");
        said = c.isTextual() ? c.asText() : c.path(0).path("text").asText(c.toString());
      }
    }
    String reply = "Hello from Tollgate's mock provider. You said: " + said;
    int prompt = words(input.toString() + " " + req.path("instructions").asText(""));
    int completion = words(reply);
    long created = System.currentTimeMillis() / 1000;
    ObjectNode part = JSON.createObjectNode().put("type", "output_text").put("text", reply);
    part.putArray("annotations");
    ObjectNode item = JSON.createObjectNode().put("type", "message").put("id", "msg_mock").put("status", "completed")
        .put("role", "assistant");
    item.putArray("content").add(part);
    ObjectNode done = response(req, model, created, "completed");
    done.putArray("output").add(item);
    ObjectNode usage = done.putObject("usage").put("input_tokens", prompt);
    usage.putObject("input_tokens_details").put("cached_tokens", 0);
    usage.put("output_tokens", completion);
    usage.putObject("output_tokens_details").put("reasoning_tokens", 0);
    usage.put("total_tokens", prompt + completion);
    if (!req.path("stream").asBoolean(false)) {
      json(ex, 200, done.toString());
      return;
    }
    ex.getResponseHeaders().set("content-type", "text/event-stream");
    ex.sendResponseHeaders(200, 0);
    OutputStream out = ex.getResponseBody();
    int[] seq = {0};
    ObjectNode started = response(req, model, created, "in_progress");
    started.putArray("output");
    event(out, seq, JSON.createObjectNode().put("type", "response.created").set("response", started));
    event(out, seq, JSON.createObjectNode().put("type", "response.in_progress").set("response", started));
    ObjectNode opened = item.deepCopy().put("status", "in_progress");
    opened.putArray("content");
    event(out, seq, JSON.createObjectNode().put("type", "response.output_item.added").put("output_index", 0)
        .set("item", opened));
    ObjectNode empty = part.deepCopy().put("text", "");
    event(out, seq, JSON.createObjectNode().put("type", "response.content_part.added").put("item_id", "msg_mock")
        .put("output_index", 0).put("content_index", 0).set("part", empty));
    for (String p : reply.split("(?<= )")) {
      ObjectNode delta = JSON.createObjectNode().put("type", "response.output_text.delta").put("item_id", "msg_mock")
          .put("output_index", 0).put("content_index", 0).put("delta", p);
      delta.putArray("logprobs");
      event(out, seq, delta);
    }
    ObjectNode textDone = JSON.createObjectNode().put("type", "response.output_text.done").put("item_id", "msg_mock")
        .put("output_index", 0).put("content_index", 0).put("text", reply);
    textDone.putArray("logprobs");
    event(out, seq, textDone);
    event(out, seq, JSON.createObjectNode().put("type", "response.content_part.done").put("item_id", "msg_mock")
        .put("output_index", 0).put("content_index", 0).set("part", part));
    event(out, seq, JSON.createObjectNode().put("type", "response.output_item.done").put("output_index", 0)
        .set("item", item));
    event(out, seq, JSON.createObjectNode().put("type", "response.completed").set("response", done));
  }

  private static ObjectNode response(JsonNode req, String model, long created, String status) {
    ObjectNode r = JSON.createObjectNode().put("id", "resp_mock").put("object", "response").put("created_at", created)
        .put("status", status).put("model", model);
    r.set("instructions", req.has("instructions") ? req.get("instructions") : JSON.nullNode());
    r.put("parallel_tool_calls", true).put("tool_choice", "auto").put("temperature", 1.0).put("top_p", 1.0);
    r.putArray("tools");
    r.putObject("metadata");
    r.putObject("text").putObject("format").put("type", "text");
    return r;
  }

  private static void event(OutputStream out, int[] seq, ObjectNode e) throws IOException {
    e.put("sequence_number", seq[0]++);
    out.write(("event: " + e.path("type").asText() + "\ndata: " + e + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private void embeddings(JsonNode req, HttpExchange ex) throws IOException {
    ObjectNode body = JSON.createObjectNode().put("object", "list").put("model", req.path("model").asText("mock"));
    ArrayNode data = body.putArray("data");
    JsonNode input = req.path("input");
    int n = input.isArray() ? input.size() : 1;
    for (int i = 0; i < n; i++) {
      String text = input.isArray() ? input.get(i).asText() : input.asText();
      ArrayNode vector = data.addObject().put("object", "embedding").put("index", i).putArray("embedding");
      int h = text.hashCode();
      for (int d = 0; d < 8; d++) {
        vector.add(((h >>> d) & 0xff) / 255.0);
      }
    }
    int tokens = words(input.toString());
    body.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
    json(ex, 200, body.toString());
  }

  private static ObjectNode chunk(String model) {
    return JSON.createObjectNode().put("id", "chatcmpl-mock").put("object", "chat.completion.chunk")
        .put("created", System.currentTimeMillis() / 1000).put("model", model);
  }

  private static ObjectNode usage(int prompt, int completion) {
    return JSON.createObjectNode().put("prompt_tokens", prompt).put("completion_tokens", completion)
        .put("total_tokens", prompt + completion);
  }

  private static int words(String s) {
    return Math.max(1, s.trim().split("\\s+").length);
  }

  private static void sse(OutputStream out, String data) throws IOException {
    out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static void error(HttpExchange ex, int status, String message) throws IOException {
    ObjectNode e = JSON.createObjectNode();
    e.putObject("error").put("message", message).put("type", "invalid_request_error").putNull("param").putNull("code");
    json(ex, status, e.toString());
  }

  private static void json(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("content-type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
