package dev.tollgate.plugins.gcpvertex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamError;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.toolkit.AbstractExchange;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.SseDecoder;
import dev.tollgate.toolkit.openai.ChatChunkWriter;
import dev.tollgate.toolkit.openai.ChatCompletionResponse;
import dev.tollgate.toolkit.openai.ChatMessage;
import dev.tollgate.toolkit.openai.ChatMessage.FunctionCall;
import dev.tollgate.toolkit.openai.ChatMessage.ToolCall;
import dev.tollgate.toolkit.openai.Usage;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * One exchange with Vertex AI: translates a Gemini {@code GenerateContentResponse} (whole) or its
 * SSE stream into an OpenAI chat completion or {@code chat.completion.chunk} stream. A stream is
 * complete once every choice it began has a {@code finishReason}; one that ends before (the
 * connection dropped) ends with an error event, so the client cannot take it for the whole
 * answer. Thought parts ({@code thought: true}) become {@code reasoning_content} (whole and in
 * deltas), never {@code content}; {@code thoughtsTokenCount} counts as output and as reasoning
 * tokens, {@code cachedContentTokenCount} as the cached part of the prompt. Errors are
 * the platform's to read and write (its reader knows Google's error shape). Not thread-safe: one
 * per exchange.
 */
final class GeminiExchange extends AbstractExchange {
  private final boolean includeUsage;
  private final long created;
  private String responseId;
  private ChatChunkWriter chunks;
  /** Per streamed choice: whether it has begun, how many tool calls so far. */
  private final Set<Integer> begun = new HashSet<>();
  private final Map<Integer, Integer> toolCalls = new HashMap<>();
  /** The streamed choices that have a finish reason. */
  private final Set<Integer> finished = new HashSet<>();
  private boolean ended;

  /**
   * @param includeUsage whether a streaming client asked for a usage chunk
   * @param created      the completion's creation time, epoch seconds
   */
  GeminiExchange(UpstreamRequest request, String model, boolean includeUsage, long created) {
    super(request, model);
    this.includeUsage = includeUsage;
    this.created = created;
  }

  // ---- whole answers

  @Override
  protected byte[] onWhole(byte[] body) throws GatewayException {
    JsonNode root = JsonSupport.tryParse(body);
    if (root == null || !root.isObject()) {
      throw new GatewayException(502, "server_error", "Vertex AI answered with a body that is not a JSON object");
    }
    if (!root.path("candidates").isArray() && !root.path("promptFeedback").isObject()) {
      // neither an answer nor a blocked prompt: nothing to translate
      throw new GatewayException(502, "server_error", "Vertex AI's answer has neither candidates nor promptFeedback");
    }
    readMeta(root);
    List<ChatCompletionResponse.Choice> choices = new ArrayList<>();
    List<Candidate> candidates = Candidate.all(root);
    if (candidates.isEmpty()) {
      // No candidate: the prompt itself was blocked (promptFeedback.blockReason).
      choices.add(new ChatCompletionResponse.Choice(0, message(TextNode.valueOf(""), null),
          blocked(root) ? "content_filter" : "stop"));
    }
    for (Candidate c : candidates) {
      List<ToolCall> calls = c.calls().stream()
          .map(fc -> new ToolCall(null, newToolCallId(), "function", fc)).toList();
      JsonNode content = c.text().isEmpty() && !calls.isEmpty() ? NullNode.instance : TextNode.valueOf(c.text());
      String reason = finishReason(c.finishReason(), !calls.isEmpty());
      choices.add(new ChatCompletionResponse.Choice(c.index(),
          message(content, calls.isEmpty() ? null : calls).withReasoningContent(c.thoughts()),
          reason == null ? "stop" : reason));
    }
    return new ChatCompletionResponse(completionId(), "chat.completion", created, model(), choices,
        Usage.from(usage())).toBytes();
  }

  private static ChatMessage message(JsonNode content, List<ToolCall> calls) {
    return new ChatMessage("assistant", content, null, calls, null, null);
  }

  // ---- streamed answers

  @Override
  protected byte[] onEvent(SseDecoder.Event event) {
    JsonNode root = ended ? null : JsonSupport.tryParse(event.data());
    if (root == null || !root.isObject()) {
      return NOTHING; // blank, [DONE], or after an error ended the stream
    }
    if (root.path("error").isObject()) {
      // An error inside a stream that already started: it ends the client's stream.
      ended = true;
      JsonNode err = root.get("error");
      int status = err.path("code").asInt(0) >= 400 ? err.path("code").asInt() : 500;
      UpstreamError e = googleError(err);
      return ChatChunkWriter.error(status, e.code(), e.message());
    }
    readMeta(root);
    ChatChunkWriter out = chunks();
    out.model(model());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    List<Candidate> candidates = Candidate.all(root);
    if (candidates.isEmpty() && blocked(root) && begun.add(0)) {
      bytes.writeBytes(out.role(0));
      bytes.writeBytes(out.finish(0, "content_filter"));
      finished.add(0);
    }
    for (Candidate c : candidates) {
      int choice = c.index();
      if (begun.add(choice)) {
        bytes.writeBytes(out.role(choice));
      }
      bytes.writeBytes(out.reasoning(choice, c.thoughts()));
      if (!c.text().isEmpty()) {
        bytes.writeBytes(out.text(choice, c.text()));
      }
      for (FunctionCall fc : c.calls()) {
        int n = toolCalls.merge(choice, 1, Integer::sum) - 1;
        bytes.writeBytes(out.toolCall(choice, n, newToolCallId(), fc.name(), fc.arguments()));
      }
      String reason = finishReason(c.finishReason(), toolCalls.containsKey(choice));
      if (reason != null) {
        finished.add(choice);
        bytes.writeBytes(out.finish(choice, reason));
      }
    }
    return bytes.toByteArray();
  }

  @Override
  protected byte[] onStreamEnd() {
    if (ended) {
      return NOTHING;
    }
    ended = true;
    if (begun.isEmpty() || !finished.containsAll(begun)) {
      return ChatChunkWriter.error(502, "stream_cut_short", "Vertex AI's stream ended before the answer was complete");
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.writeBytes(chunks().usage(usage()));
    bytes.writeBytes(chunks().done());
    return bytes.toByteArray();
  }

  private ChatChunkWriter chunks() {
    if (chunks == null) {
      chunks = new ChatChunkWriter(completionId(), created, model(), includeUsage);
    }
    return chunks;
  }

  // ---- errors

  /** An in-stream Google error: its message, its status name (e.g. RESOURCE_EXHAUSTED) as the code. */
  private static UpstreamError googleError(JsonNode err) {
    return new UpstreamError(null, err.path("message").asText("Vertex AI returned an error"),
        err.hasNonNull("status") ? err.get("status").asText() : null);
  }

  // ---- shared

  /** One Gemini candidate: its text, its thoughts (parts with {@code thought: true}), function calls and finish reason. */
  private record Candidate(int index, String text, String thoughts, List<FunctionCall> calls, String finishReason) {
    static List<Candidate> all(JsonNode root) {
      List<Candidate> out = new ArrayList<>();
      JsonNode candidates = root.path("candidates");
      for (int i = 0; candidates.isArray() && i < candidates.size(); i++) {
        JsonNode c = candidates.get(i);
        StringBuilder text = new StringBuilder();
        StringBuilder thoughts = new StringBuilder();
        List<FunctionCall> calls = new ArrayList<>();
        for (JsonNode part : c.path("content").path("parts")) {
          if (part.has("functionCall")) {
            JsonNode fc = part.get("functionCall");
            JsonNode args = fc.get("args");
            calls.add(new FunctionCall(fc.path("name").asText(), args == null || args.isNull() ? "{}" : args.toString()));
          } else if (part.hasNonNull("text") && part.path("thought").asBoolean(false)) {
            thoughts.append(part.get("text").asText());
          } else if (part.hasNonNull("text")) {
            text.append(part.get("text").asText());
          }
        }
        out.add(new Candidate(c.path("index").asInt(i), text.toString(), thoughts.toString(), calls,
            c.path("finishReason").asText("")));
      }
      return out;
    }
  }

  private static boolean blocked(JsonNode root) {
    return root.path("promptFeedback").has("blockReason");
  }

  /** Model version, response id and usage, as far as this piece carries them. */
  private void readMeta(JsonNode root) {
    answeredBy(root.path("modelVersion").asText(null));
    if (responseId == null && root.hasNonNull("responseId")) {
      responseId = root.get("responseId").asText();
    }
    JsonNode u = root.get("usageMetadata");
    if (u != null && u.isObject()) {
      count(tokenUsage(u));
    }
  }

  /** The completion id: Google's response id when it gave one, so logs can be matched up. */
  private String completionId() {
    return responseId == null ? ChatChunkWriter.newCompletionId() : "chatcmpl-" + responseId;
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

  /** Gemini gives its function calls no id; OpenAI clients answer them by one. */
  private static String newToolCallId() {
    return "call_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
  }
}
