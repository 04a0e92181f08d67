package dev.tollgate.distribution.envoy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.testkit.FakeOpenAi;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.FakeUpstream.Answer;
import dev.tollgate.testkit.FakeUpstream.Received;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.zip.GZIPOutputStream;

/**
 * The fake OpenAI behind the real Envoy. It requires Tollgate's key for the backend, and the model
 * name picks the answer: {@code gpt-tools} a tool call, {@code gpt-slow…} a stream of 20 chunks
 * 150 ms apart (and its usage when asked for), {@code gpt-never} no answer for 60 s, {@code gpt-big-N} a reply of N bytes,
 * {@code gpt-gzip} a gzip-compressed answer (as a provider may send however it was asked),
 * {@code emb-big} a 6 MiB embeddings answer; anything else the plain answer of the test kit's fake.
 */
final class Providers {
  static final String UPSTREAM_KEY = "sk-upstream";
  static final int PROMPT_TOKENS = 11;
  static final int COMPLETION_TOKENS = 7;
  private static final ObjectMapper JSON = new ObjectMapper();

  private Providers() {
  }

  /**
   * A resources folder under {@code dir}: one route sending every model to an OpenAI backend at
   * {@code openai} (TLS for api.openai.com, verified against the test CA) with the upstream key inline.
   */
  static Path openAiResources(Path dir, FakeUpstream openai, TestCa ca) throws IOException {
    Path resources = Files.createDirectories(dir.resolve("resources"));
    Files.writeString(resources.resolve("r.yaml"), """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: r}
        spec:
          rules: [{name: all, modelPattern: ".+", backendRefs: [{name: openai}]}]
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: openai}
        spec:
          schema: {name: OpenAI}
          endpoint: {host: 127.0.0.1, port: %d, sni: api.openai.com, caFile: "%s"}
          backendSecurityPolicyRef: {name: key}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: key}
        spec: {type: APIKey, apiKey: {inline: %s}}
        """.formatted(openai.port(), ca.caPem(), UPSTREAM_KEY));
    return resources;
  }

  static Function<Received, Answer> openAi() {
    Function<Received, Answer> plain = FakeOpenAi.handler(UPSTREAM_KEY, PROMPT_TOKENS, COMPLETION_TOKENS);
    return r -> {
      if (!("Bearer " + UPSTREAM_KEY).equals(r.header("authorization"))) {
        return plain.apply(r); // the kit's 401
      }
      JsonNode req;
      try {
        req = JSON.readTree(r.body());
      } catch (IOException e) {
        return plain.apply(r);
      }
      String model = req.path("model").asText();
      boolean stream = req.path("stream").asBoolean(false);
      if (model.equals("gpt-tools")) {
        ObjectNode resp = completion(model);
        ObjectNode message = (ObjectNode) resp.path("choices").get(0).path("message");
        message.putNull("content");
        message.putArray("tool_calls").addObject().put("id", "call_1").put("type", "function")
            .putObject("function").put("name", req.path("tools").get(0).path("function").path("name").asText())
            .put("arguments", "{\"city\":\"Paris\"}");
        ((ObjectNode) resp.path("choices").get(0)).put("finish_reason", "tool_calls");
        return Answer.json(200, resp.toString());
      }
      if (model.startsWith("gpt-slow") && stream) {
        List<byte[]> pieces = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          ObjectNode c = JSON.createObjectNode().put("id", "chatcmpl-slow").put("object", "chat.completion.chunk")
              .put("created", 1700000000).put("model", model);
          c.putArray("choices").addObject().put("index", 0).putNull("finish_reason")
              .putObject("delta").put("content", "w" + i + " ");
          pieces.add(("data: " + c + "\n\n").getBytes(StandardCharsets.UTF_8));
        }
        if (req.path("stream_options").path("include_usage").asBoolean(false)) {
          ObjectNode u = JSON.createObjectNode().put("id", "chatcmpl-slow").put("object", "chat.completion.chunk")
              .put("created", 1700000000).put("model", model);
          u.putArray("choices");
          u.putObject("usage").put("prompt_tokens", PROMPT_TOKENS).put("completion_tokens", COMPLETION_TOKENS)
              .put("total_tokens", PROMPT_TOKENS + COMPLETION_TOKENS);
          pieces.add(("data: " + u + "\n\n").getBytes(StandardCharsets.UTF_8));
        }
        pieces.add("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        // each piece, the last included, is followed by the pause: the end of the body comes 150 ms after [DONE]
        return Answer.stream("text/event-stream", pieces).paced(Duration.ofMillis(150));
      }
      if (model.equals("gpt-never")) {
        sleep(Duration.ofSeconds(60));
        return Answer.json(200, completion(model).toString());
      }
      if (model.startsWith("gpt-big-")) {
        ObjectNode resp = completion(model);
        ((ObjectNode) resp.path("choices").get(0).path("message"))
            .put("content", "y".repeat(Integer.parseInt(model.substring("gpt-big-".length()))));
        return Answer.json(200, resp.toString());
      }
      if (model.equals("gpt-gzip")) {
        Answer a = stream ? Answer.stream("text/event-stream",
            FakeOpenAi.streamChunks(model, PROMPT_TOKENS, COMPLETION_TOKENS, true))
            : Answer.json(200, completion(model).toString());
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        a.pieces().forEach(all::writeBytes);
        return new Answer(200, Map.of("content-type", a.headers().get("content-type"), "content-encoding", "gzip"),
            List.of(gzip(all.toByteArray())));
      }
      if (model.equals("emb-big")) {
        ObjectNode resp = JSON.createObjectNode().put("object", "list").put("model", model);
        ArrayNode data = resp.putArray("data");
        for (int i = 0; i < 64; i++) {
          ArrayNode v = data.addObject().put("object", "embedding").put("index", i).putArray("embedding");
          for (int d = 0; d < 6000; d++) {
            v.add(0.0123456789 + d);
          }
        }
        resp.putObject("usage").put("prompt_tokens", PROMPT_TOKENS).put("total_tokens", PROMPT_TOKENS);
        return Answer.json(200, resp.toString());
      }
      return plain.apply(r);
    };
  }

  private static ObjectNode completion(String model) {
    ObjectNode resp = JSON.createObjectNode();
    resp.put("id", "chatcmpl-fake").put("object", "chat.completion").put("created", 1700000000).put("model", model);
    ObjectNode choice = resp.putArray("choices").addObject();
    choice.put("index", 0).put("finish_reason", "stop").putNull("logprobs");
    choice.putObject("message").put("role", "assistant").put("content", "Hello from the fake.").putNull("refusal");
    resp.putObject("usage").put("prompt_tokens", PROMPT_TOKENS).put("completion_tokens", COMPLETION_TOKENS)
        .put("total_tokens", PROMPT_TOKENS + COMPLETION_TOKENS);
    return resp;
  }

  static byte[] gzip(byte[] b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(b);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toByteArray();
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
