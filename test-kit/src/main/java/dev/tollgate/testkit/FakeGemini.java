package dev.tollgate.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.testkit.FakeUpstream.Answer;
import dev.tollgate.testkit.FakeUpstream.Received;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Gemini model on Vertex AI, shaped after Google's public REST reference for
 * {@code generateContent} / {@code streamGenerateContent?alt=sse}: it checks the path, the bearer
 * token and the request shape, and answers in Google's format.
 * <ul>
 *   <li>A request that declares tools and whose last turn is not a function response gets a
 *       {@code functionCall} of the first declared function with {@link #CALL_ARGS};</li>
 *   <li>otherwise it answers {@link #TEXT} ({@code Hello from Gemini.}), streamed as three events when
 *       asked to stream (usage on the last one, as Vertex sends it).</li>
 *   <li>Wrong path: 404, missing/wrong token: 401, bad body: 400, all as
 *       {@code {"error":{"code","message","status"}}}.</li>
 * </ul>
 */
public final class FakeGemini {
  public static final String TEXT = "Hello from Gemini.";
  public static final String MODEL_VERSION = "gemini-2.0-flash-001";
  public static final String CALL_ARGS = "{\"location\":\"Boston, MA\"}";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PATH = Pattern.compile(
      "/(v1[a-z0-9]*)/projects/([^/]+)/locations/([^/]+)/publishers/google/models/([^/:]+)"
          + ":(generateContent|streamGenerateContent\\?alt=sse)");

  private FakeGemini() {
  }

  /**
   * @param bearerToken the token the upstream expects ({@code Authorization: Bearer ..}); null to accept any
   * @param prompt      promptTokenCount to report
   * @param output      candidatesTokenCount to report
   * @param cached      cachedContentTokenCount to report (0: omitted)
   * @param thoughts    thoughtsTokenCount to report (0: omitted)
   */
  public static Function<Received, Answer> handler(String bearerToken, int prompt, int output, int cached,
                                                   int thoughts) {
    return r -> {
      Matcher m = PATH.matcher(r.path());
      if (!r.method().equals("POST") || !m.matches()) {
        return Answer.json(404, error(404, "NOT_FOUND", "unknown path " + r.path()));
      }
      if (bearerToken != null && !("Bearer " + bearerToken).equals(r.header("authorization"))) {
        return Answer.json(401, error(401, "UNAUTHENTICATED",
            "Request had invalid authentication credentials. Expected OAuth 2 access token."));
      }
      JsonNode req;
      try {
        req = JSON.readTree(r.body());
      } catch (IOException e) {
        return Answer.json(400, error(400, "INVALID_ARGUMENT", "Invalid JSON payload received."));
      }
      JsonNode contents = req.path("contents");
      if (!contents.isArray() || contents.isEmpty() || req.has("messages") || req.has("model")) {
        return Answer.json(400, error(400, "INVALID_ARGUMENT",
            "Invalid JSON payload received. contents is required; unknown fields are rejected."));
      }
      ObjectNode usage = usage(prompt, output, cached, thoughts);
      JsonNode declarations = req.path("tools").path(0).path("functionDeclarations");
      JsonNode lastParts = contents.get(contents.size() - 1).path("parts");
      boolean answeredCall = lastParts.path(0).has("functionResponse");
      List<ObjectNode> parts = new ArrayList<>();
      String finish = "STOP";
      if (declarations.isArray() && !declarations.isEmpty() && !answeredCall) {
        ObjectNode call = JSON.createObjectNode();
        ObjectNode fc = call.putObject("functionCall");
        fc.put("name", declarations.get(0).path("name").asText());
        try {
          fc.set("args", JSON.readTree(CALL_ARGS));
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
        parts.add(call);
      } else {
        String text = answeredCall ? "It is sunny in Boston." : TEXT;
        parts.add(JSON.createObjectNode().put("text", text));
      }
      boolean stream = m.group(5).startsWith("stream");
      if (!stream) {
        return Answer.json(200, response(parts, finish, usage).toString());
      }
      return Answer.stream("text/event-stream", sse(parts, usage, prompt));
    };
  }

  /** A whole GenerateContentResponse with one candidate. */
  public static ObjectNode response(List<ObjectNode> parts, String finishReason, ObjectNode usage) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode cand = root.putArray("candidates").addObject();
    ObjectNode content = cand.putObject("content");
    content.put("role", "model");
    ArrayNode ps = content.putArray("parts");
    parts.forEach(ps::add);
    if (finishReason != null) {
      cand.put("finishReason", finishReason);
    }
    if (usage != null) {
      root.set("usageMetadata", usage);
    }
    root.put("modelVersion", MODEL_VERSION);
    root.put("createTime", "2025-01-15T10:00:00.000000Z");
    root.put("responseId", "fakeResp123");
    return root;
  }

  /** The SSE events of a streamed answer: text split in three, function calls in one event. */
  public static List<byte[]> sse(List<ObjectNode> parts, ObjectNode usage, int prompt) {
    List<byte[]> out = new ArrayList<>();
    List<ObjectNode> events = new ArrayList<>();
    if (parts.size() == 1 && parts.get(0).has("text")) {
      String t = parts.get(0).get("text").asText();
      int a = Math.min(5, t.length());
      int b = Math.min(a + 5, t.length());
      String[] pieces = {t.substring(0, a), t.substring(a, b), t.substring(b)};
      for (int i = 0; i < pieces.length; i++) {
        boolean last = i == pieces.length - 1;
        events.add(response(List.of(JSON.createObjectNode().put("text", pieces[i])), last ? "STOP" : null,
            last ? usage : JSON.createObjectNode().put("promptTokenCount", prompt)));
      }
    } else {
      events.add(response(parts, "STOP", usage));
    }
    for (ObjectNode e : events) {
      // Vertex writes "data: <json>\r\n\r\n"
      out.add(("data: " + e + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }

  public static ObjectNode usage(int prompt, int output, int cached, int thoughts) {
    ObjectNode u = JSON.createObjectNode();
    u.put("promptTokenCount", prompt);
    u.put("candidatesTokenCount", output);
    u.put("totalTokenCount", prompt + output + thoughts);
    if (cached > 0) {
      u.put("cachedContentTokenCount", cached);
    }
    if (thoughts > 0) {
      u.put("thoughtsTokenCount", thoughts);
    }
    return u;
  }

  /** Google's error body. */
  public static String error(int code, String status, String message) {
    ObjectNode root = JSON.createObjectNode();
    root.putObject("error").put("code", code).put("message", message).put("status", status);
    return root.toString();
  }

  /** An answer with Google's error body. */
  public static Answer errorAnswer(int code, String status, String message) {
    return new Answer(code, Map.of("content-type", "application/json; charset=UTF-8"),
        List.of(error(code, status, message).getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * Vertex AI's {@code :countTokens} for a Gemini model: a body with {@code contents} (and only
   * {@code contents}, {@code systemInstruction}, {@code tools}, {@code generationConfig}) is
   * answered {@code {"totalTokens": total, "totalBillableCharacters": ..}}; anything else is a 400.
   *
   * @param bearerToken the token expected in {@code Authorization: Bearer ..}; null to accept any
   */
  public static Function<Received, Answer> countTokens(String bearerToken, int total) {
    Pattern path = Pattern.compile("/(v1[a-z0-9]*)/projects/([^/]+)/locations/([^/]+)/publishers/google/models/"
        + "([^/:]+):countTokens");
    java.util.Set<String> fields = java.util.Set.of("contents", "systemInstruction", "tools", "generationConfig");
    return r -> {
      if (!r.method().equals("POST") || !path.matcher(r.path()).matches()) {
        return Answer.json(404, error(404, "NOT_FOUND", "unknown path " + r.path()));
      }
      if (bearerToken != null && !("Bearer " + bearerToken).equals(r.header("authorization"))) {
        return Answer.json(401, error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."));
      }
      JsonNode req;
      try {
        req = JSON.readTree(r.body());
      } catch (IOException e) {
        return Answer.json(400, error(400, "INVALID_ARGUMENT", "Invalid JSON payload received."));
      }
      if (!req.path("contents").isArray() || req.path("contents").isEmpty()) {
        return Answer.json(400, error(400, "INVALID_ARGUMENT", "contents is required"));
      }
      for (var it = req.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!fields.contains(f)) {
          return Answer.json(400, error(400, "INVALID_ARGUMENT",
              "Invalid JSON payload received. Unknown name \"" + f + "\": Cannot find field."));
        }
      }
      return Answer.json(200, "{\"totalTokens\":" + total + ",\"totalBillableCharacters\":" + (total * 4) + "}");
    };
  }

  private static final Pattern PREDICT = Pattern.compile(
      "/(v1[a-z0-9]*)/projects/([^/]+)/locations/([^/]+)/publishers/google/models/([^/:]+):predict");

  /**
   * A Vertex AI text embeddings model ({@code :predict}): each of {@code instances[].content} (a
   * non-empty string, else 400) gets a vector of {@code parameters.outputDimensionality} values
   * (default 4), {@code i/10 + 0.5} for value i of the text's position, and a token count of its
   * words. Other paths: 404; a wrong token (when {@code bearerToken} is not null): 401.
   */
  public static Function<Received, Answer> embeddingsHandler(String bearerToken) {
    return r -> {
      if (!r.method().equals("POST") || !PREDICT.matcher(r.path()).matches()) {
        return Answer.json(404, error(404, "NOT_FOUND", "unknown path " + r.path()));
      }
      if (bearerToken != null && !("Bearer " + bearerToken).equals(r.header("authorization"))) {
        return Answer.json(401, error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."));
      }
      JsonNode body;
      try {
        body = JSON.readTree(r.body());
      } catch (IOException e) {
        return Answer.json(400, error(400, "INVALID_ARGUMENT", "Invalid JSON payload received."));
      }
      JsonNode instances = body.path("instances");
      if (!instances.isArray() || instances.isEmpty()) {
        return Answer.json(400, error(400, "INVALID_ARGUMENT", "instances must be a non-empty list"));
      }
      int dims = body.path("parameters").path("outputDimensionality").asInt(4);
      ObjectNode root = JSON.createObjectNode();
      ArrayNode predictions = root.putArray("predictions");
      int chars = 0;
      for (int n = 0; n < instances.size(); n++) {
        String text = instances.get(n).path("content").asText("");
        if (text.isEmpty()) {
          return Answer.json(400, error(400, "INVALID_ARGUMENT", "instances[" + n + "].content is required"));
        }
        chars += text.length();
        ObjectNode e = predictions.addObject().putObject("embeddings");
        e.putObject("statistics").put("truncated", false).put("token_count", text.trim().split("\\s+").length);
        ArrayNode values = e.putArray("values");
        for (int i = 0; i < dims; i++) {
          values.add(n + i / 10.0 + 0.5);
        }
      }
      root.putObject("metadata").put("billableCharacterCount", chars);
      return Answer.json(200, root.toString());
    };
  }
}
