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
 * The provider behind {@code tollgate up --mock}: an OpenAI-compatible chat completions (whole and
 * streamed) and embeddings API on loopback that answers without a network or a key, so that a
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
    server.createContext("/", ex -> answer(ex, (req, e) -> error(e, 404, "the mock provider serves "
        + "/v1/chat/completions and /v1/embeddings")));
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
