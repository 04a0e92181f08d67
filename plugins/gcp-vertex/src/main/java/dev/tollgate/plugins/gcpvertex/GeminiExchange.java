package dev.tollgate.plugins.gcpvertex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.ErrorFormats;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.SseDecoder;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.openai.Usage;
import dev.tollgate.api.spi.ProviderTranslator;
import dev.tollgate.api.spi.ResponseHead;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * One exchange with Vertex AI: translates a Gemini {@code GenerateContentResponse} (whole) or its
 * SSE stream into an OpenAI chat completion or {@code chat.completion.chunk} stream, and Google
 * errors into OpenAI errors with the upstream's status. Not thread-safe: one per exchange.
 */
final class GeminiExchange implements ProviderTranslator.Exchange {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

  private final UpstreamRequest request;
  private final boolean stream;
  private final boolean includeUsage;
  private final long created;
  private String model;
  private String id;
  private TokenUsage usage = TokenUsage.NONE;
  private int status;
  private boolean sse;
  private final ByteArrayOutputStream whole = new ByteArrayOutputStream();
  private SseDecoder decoder;
  /** Per streamed choice: whether the role was sent, how many tool calls so far. */
  private final Set<Integer> roleSent = new HashSet<>();
  private final Map<Integer, Integer> toolCallCount = new HashMap<>();
  private boolean finished;

  GeminiExchange(UpstreamRequest request, String model, boolean stream, boolean includeUsage, long createdEpochSeconds) {
    this.request = request;
    this.model = model;
    this.stream = stream;
    this.includeUsage = includeUsage;
    this.created = createdEpochSeconds;
  }

  @Override
  public UpstreamRequest request() {
    return request;
  }

  @Override
  public ResponseHead onResponseHeaders(int status, Headers headers) {
    this.status = status;
    sse = stream && status < 400;
    if (sse) {
      decoder = new SseDecoder();
      return new ResponseHead(Headers.of("content-type", "text/event-stream"), Set.of("content-length"), true);
    }
    return new ResponseHead(Headers.of("content-type", "application/json"), Set.of("content-length"), false);
  }

  @Override
  public byte[] onResponseBody(byte[] chunk, boolean endOfStream) throws GatewayException {
    if (sse) {
      return streamed(chunk, endOfStream);
    }
    whole.writeBytes(chunk);
    if (!endOfStream) {
      return new byte[0];
    }
    byte[] all = whole.toByteArray();
    if (status >= 400) {
      return error(all);
    }
    JsonNode root = parse(all);
    if (root == null || !root.isObject()) {
      throw new GatewayException(502, "server_error", "Vertex AI answered with a body that is not a JSON object");
    }
    return write(completion(root));
  }

  // ---- whole answers

  private ObjectNode completion(JsonNode root) {
    readMeta(root);
    ObjectNode out = JSON.createObjectNode();
    out.put("id", id());
    out.put("object", "chat.completion");
    out.put("created", created);
    out.put("model", model);
    ArrayNode choices = out.putArray("choices");
    JsonNode candidates = root.path("candidates");
    if (candidates.isArray() && !candidates.isEmpty()) {
      for (int i = 0; i < candidates.size(); i++) {
        JsonNode c = candidates.get(i);
        int index = c.path("index").asInt(i);
        ObjectNode choice = choices.addObject();
        choice.put("index", index);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        StringBuilder text = new StringBuilder();
        ArrayNode calls = JSON.createArrayNode();
        for (JsonNode part : c.path("content").path("parts")) {
          if (part.has("functionCall")) {
            calls.add(toolCall(part.get("functionCall"), null));
          } else if (part.hasNonNull("text") && !part.path("thought").asBoolean(false)) {
            text.append(part.get("text").asText());
          }
        }
        if (text.length() > 0 || calls.isEmpty()) {
          message.put("content", text.toString());
        } else {
          message.putNull("content");
        }
        if (!calls.isEmpty()) {
          message.set("tool_calls", calls);
        }
        String reason = finishReason(c.path("finishReason").asText(""), !calls.isEmpty());
        choice.put("finish_reason", reason == null ? "stop" : reason);
      }
    } else {
      // No candidate: the prompt itself was blocked (promptFeedback.blockReason).
      ObjectNode choice = choices.addObject();
      choice.put("index", 0);
      choice.putObject("message").put("role", "assistant").put("content", "");
      choice.put("finish_reason", root.path("promptFeedback").has("blockReason") ? "content_filter" : "stop");
    }
    out.set("usage", JSON.valueToTree(Usage.from(usage)));
    return out;
  }

  // ---- streamed answers

  private byte[] streamed(byte[] chunk, boolean endOfStream) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (SseDecoder.Event e : decoder.feed(chunk)) {
      String data = e.data().trim();
      if (data.isEmpty() || data.equals("[DONE]")) {
        continue;
      }
      JsonNode root = parse(data.getBytes(StandardCharsets.UTF_8));
      if (root == null || !root.isObject()) {
        continue;
      }
      if (root.has("error")) {
        // An error inside a stream that already started: say so in an OpenAI-shaped event.
        out.writeBytes(SseDecoder.encode(null, new String(write(openAiError(root.get("error"), 500)),
            StandardCharsets.UTF_8)));
        continue;
      }
      readMeta(root);
      for (ObjectNode c : chunks(root)) {
        out.writeBytes(SseDecoder.encode(null, new String(write(c), StandardCharsets.UTF_8)));
      }
    }
    if (endOfStream && !finished) {
      finished = true;
      if (includeUsage) {
        ObjectNode u = chunkShell();
        u.putArray("choices");
        u.set("usage", JSON.valueToTree(Usage.from(usage)));
        out.writeBytes(SseDecoder.encode(null, new String(write(u), StandardCharsets.UTF_8)));
      }
      out.writeBytes(SseDecoder.encode(null, "[DONE]"));
    }
    return out.toByteArray();
  }

  private java.util.List<ObjectNode> chunks(JsonNode root) {
    java.util.List<ObjectNode> out = new java.util.ArrayList<>();
    JsonNode candidates = root.path("candidates");
    if (!candidates.isArray() || candidates.isEmpty()) {
      if (root.path("promptFeedback").has("blockReason")) {
        ObjectNode c = chunkShell();
        ObjectNode choice = c.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("delta").put("role", "assistant").put("content", "");
        choice.put("finish_reason", "content_filter");
        out.add(c);
      }
      return out;
    }
    for (int i = 0; i < candidates.size(); i++) {
      JsonNode cand = candidates.get(i);
      int index = cand.path("index").asInt(i);
      ObjectNode delta = JSON.createObjectNode();
      if (roleSent.add(index)) {
        delta.put("role", "assistant");
      }
      StringBuilder text = new StringBuilder();
      ArrayNode calls = JSON.createArrayNode();
      for (JsonNode part : cand.path("content").path("parts")) {
        if (part.has("functionCall")) {
          int n = toolCallCount.merge(index, 1, Integer::sum) - 1;
          calls.add(toolCall(part.get("functionCall"), n));
        } else if (part.hasNonNull("text") && !part.path("thought").asBoolean(false)) {
          text.append(part.get("text").asText());
        }
      }
      if (text.length() > 0) {
        delta.put("content", text.toString());
      }
      if (!calls.isEmpty()) {
        delta.set("tool_calls", calls);
      }
      String reason = finishReason(cand.path("finishReason").asText(""), toolCallCount.getOrDefault(index, 0) > 0);
      if (delta.isEmpty() && reason == null) {
        continue;
      }
      ObjectNode c = chunkShell();
      ObjectNode choice = c.putArray("choices").addObject();
      choice.put("index", index);
      choice.set("delta", delta);
      if (reason == null) {
        choice.putNull("finish_reason");
      } else {
        choice.put("finish_reason", reason);
      }
      out.add(c);
    }
    return out;
  }

  private ObjectNode chunkShell() {
    ObjectNode c = JSON.createObjectNode();
    c.put("id", id());
    c.put("object", "chat.completion.chunk");
    c.put("created", created);
    c.put("model", model);
    return c;
  }

  // ---- shared

  /** Model version, response id and usage, as far as this piece carries them. */
  private void readMeta(JsonNode root) {
    if (root.hasNonNull("modelVersion")) {
      model = root.get("modelVersion").asText();
    }
    if (id == null && root.hasNonNull("responseId")) {
      id = "chatcmpl-" + root.get("responseId").asText();
    }
    JsonNode u = root.get("usageMetadata");
    if (u != null && u.isObject()) {
      usage = usage.max(tokenUsage(u));
    }
  }

  /**
   * Gemini's counts in TokenUsage terms: input includes cached and tool-use prompt tokens;
   * output is candidates plus thoughts (Gemini counts them apart, OpenAI counts reasoning as output).
   */
  static TokenUsage tokenUsage(JsonNode u) {
    long prompt = u.path("promptTokenCount").asLong(0) + u.path("toolUsePromptTokenCount").asLong(0);
    long thoughts = u.path("thoughtsTokenCount").asLong(0);
    long output = u.path("candidatesTokenCount").asLong(0) + thoughts;
    long total = u.path("totalTokenCount").asLong(0);
    if (total <= 0) {
      total = prompt + output;
    }
    return new TokenUsage(prompt, output, total, u.path("cachedContentTokenCount").asLong(0), thoughts);
  }

  /** OpenAI's finish reason for Gemini's; null while the candidate is not finished. */
  static String finishReason(String gemini, boolean calledTools) {
    if (gemini.isEmpty() || gemini.equals("FINISH_REASON_UNSPECIFIED")) {
      return null;
    }
    return switch (gemini) {
      case "MAX_TOKENS" -> "length";
      case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY" -> "content_filter";
      default -> calledTools ? "tool_calls" : "stop";
    };
  }

  private static ObjectNode toolCall(JsonNode fc, Integer index) {
    ObjectNode call = JSON.createObjectNode();
    if (index != null) {
      call.put("index", index);
    }
    call.put("id", "call_" + randomId(24));
    call.put("type", "function");
    ObjectNode fn = call.putObject("function");
    fn.put("name", fc.path("name").asText());
    JsonNode args = fc.get("args");
    fn.put("arguments", args == null || args.isNull() ? "{}" : args.toString());
    return call;
  }

  private byte[] error(byte[] body) {
    JsonNode root = parse(body);
    if (root != null && root.isArray() && !root.isEmpty()) {
      root = root.get(0);
    }
    if (root != null && root.path("error").isObject()) {
      return write(openAiError(root.get("error"), status));
    }
    String text = new String(body, StandardCharsets.UTF_8).trim();
    String message = "Vertex AI returned HTTP " + status + (text.isEmpty() ? ""
        : ": " + (text.length() > 500 ? text.substring(0, 500) : text));
    return ErrorFormats.render(ClientApi.OPENAI, status, ErrorFormats.openAiType(status), message);
  }

  /** Google's {@code {"code","message","status"}} as an OpenAI error; {@code code} carries Google's status name. */
  private static ObjectNode openAiError(JsonNode err, int fallbackStatus) {
    int httpStatus = err.path("code").canConvertToInt() && err.path("code").asInt() >= 400
        ? err.path("code").asInt() : fallbackStatus;
    ObjectNode out = JSON.createObjectNode();
    ObjectNode e = out.putObject("error");
    e.put("message", err.path("message").asText("Vertex AI returned an error"));
    e.put("type", ErrorFormats.openAiType(httpStatus));
    e.putNull("param");
    e.put("code", err.hasNonNull("status") ? err.get("status").asText() : String.valueOf(httpStatus));
    return out;
  }

  private String id() {
    if (id == null) {
      id = "chatcmpl-" + randomId(24);
    }
    return id;
  }

  static String randomId(int n) {
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return sb.toString();
  }

  private static JsonNode parse(byte[] bytes) {
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      return null;
    }
  }

  private static byte[] write(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public TokenUsage usage() {
    return usage;
  }

  @Override
  public String responseModel() {
    return model;
  }
}
