package dev.tollgate.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.testkit.FakeUpstream.Answer;
import dev.tollgate.testkit.FakeUpstream.Received;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An OpenAI-compatible provider: checks the API key, answers {@code /v1/chat/completions}
 * whole or as SSE (with a usage chunk when {@code stream_options.include_usage} is set), and
 * {@code /v1/embeddings}. The answer text is fixed; the usage is what the test sets.
 */
public final class FakeOpenAi {
  private static final ObjectMapper JSON = new ObjectMapper();

  private FakeOpenAi() {
  }

  /** A handler requiring {@code Authorization: Bearer <apiKey>} (null: no check). */
  public static java.util.function.Function<Received, Answer> handler(String apiKey, int promptTokens,
                                                                      int completionTokens) {
    return r -> {
      if (apiKey != null && !("Bearer " + apiKey).equals(r.header("authorization"))) {
        return Answer.json(401, "{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}");
      }
      JsonNode req;
      try {
        req = JSON.readTree(r.body());
      } catch (IOException e) {
        return Answer.json(400, "{\"error\":{\"message\":\"bad json\",\"type\":\"invalid_request_error\"}}");
      }
      String model = req.path("model").asText();
      if (r.path().endsWith("/embeddings")) {
        return Answer.json(200, "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[0.1,0.2]}],"
            + "\"model\":\"" + model + "\",\"usage\":{\"prompt_tokens\":" + promptTokens + ",\"total_tokens\":" + promptTokens + "}}");
      }
      if (!r.path().endsWith("/chat/completions")) {
        return Answer.json(404, "{\"error\":{\"message\":\"unknown path " + r.path() + "\",\"type\":\"invalid_request_error\"}}");
      }
      if (req.path("stream").asBoolean(false)) {
        return Answer.stream("text/event-stream", streamChunks(model, promptTokens, completionTokens,
            req.path("stream_options").path("include_usage").asBoolean(false)));
      }
      ObjectNode resp = JSON.createObjectNode();
      resp.put("id", "chatcmpl-fake").put("object", "chat.completion").put("created", 1700000000).put("model", model);
      ObjectNode choice = resp.putArray("choices").addObject();
      choice.put("index", 0).put("finish_reason", "stop");
      choice.putObject("message").put("role", "assistant").put("content", "Hello from the fake.");
      resp.putObject("usage").put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
          .put("total_tokens", promptTokens + completionTokens);
      return Answer.json(200, resp.toString());
    };
  }

  /** The SSE pieces of a streamed answer "Hello from the fake." in three deltas. */
  public static List<byte[]> streamChunks(String model, int promptTokens, int completionTokens, boolean includeUsage) {
    List<byte[]> out = new ArrayList<>();
    String[] deltas = {"Hello", " from the", " fake."};
    for (int i = 0; i < deltas.length; i++) {
      ObjectNode c = JSON.createObjectNode();
      c.put("id", "chatcmpl-fake").put("object", "chat.completion.chunk").put("created", 1700000000).put("model", model);
      ObjectNode choice = c.putArray("choices").addObject();
      choice.put("index", 0);
      ObjectNode delta = choice.putObject("delta");
      if (i == 0) {
        delta.put("role", "assistant");
      }
      delta.put("content", deltas[i]);
      if (i == deltas.length - 1) {
        choice.put("finish_reason", "stop");
      } else {
        choice.putNull("finish_reason");
      }
      if (includeUsage) {
        c.putNull("usage");
      }
      out.add(("data: " + c + "\n\n").getBytes(StandardCharsets.UTF_8));
    }
    if (includeUsage) {
      ObjectNode u = JSON.createObjectNode();
      u.put("id", "chatcmpl-fake").put("object", "chat.completion.chunk").put("created", 1700000000).put("model", model);
      u.putArray("choices");
      u.putObject("usage").put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
          .put("total_tokens", promptTokens + completionTokens);
      out.add(("data: " + u + "\n\n").getBytes(StandardCharsets.UTF_8));
    }
    out.add("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
    return out;
  }

  /**
   * The Responses API ({@code POST /v1/responses}): requires {@code Authorization: Bearer <apiKey>}
   * (null: no check) and a body with {@code model} and {@code input}; answers the text of
   * {@code pieces} as a whole {@code Response}, or streamed as typed events one piece per delta,
   * with {@code usage}. Other paths get OpenAI's 404.
   */
  public static java.util.function.Function<Received, Answer> responsesHandler(String apiKey, List<String> pieces,
                                                                               FakeResponses.Usage usage) {
    return r -> {
      if (!r.method().equals("POST") || !r.path().equals("/v1/responses")) {
        return FakeResponses.error(404, "Invalid URL (" + r.method() + " " + r.path() + ")", null);
      }
      if (apiKey != null && !("Bearer " + apiKey).equals(r.header("authorization"))) {
        return Answer.json(401, "{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}");
      }
      JsonNode req;
      try {
        req = JSON.readTree(r.body());
      } catch (IOException e) {
        req = null;
      }
      Answer invalid = FakeResponses.invalid(req);
      return invalid != null ? invalid : FakeResponses.answer(req, req.path("model").asText(), pieces, usage);
    };
  }
}
