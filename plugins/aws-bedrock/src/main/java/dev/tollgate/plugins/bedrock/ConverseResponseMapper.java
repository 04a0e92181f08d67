package dev.tollgate.plugins.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ErrorFormats;
import dev.tollgate.api.Headers;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.openai.Usage;
import java.nio.charset.StandardCharsets;

/**
 * Bedrock Converse answers in OpenAI terms: the whole message, stop reasons, token usage and
 * errors. Stateless.
 */
final class ConverseResponseMapper {
  static final ObjectMapper JSON = new ObjectMapper();

  private ConverseResponseMapper() {
  }

  /** A Converse answer as an OpenAI {@code chat.completion}. */
  static ObjectNode toChatCompletion(JsonNode converse, String id, long created, String model) {
    ObjectNode out = JSON.createObjectNode();
    out.put("id", id);
    out.put("object", "chat.completion");
    out.put("created", created);
    out.put("model", model);
    ObjectNode choice = out.putArray("choices").addObject();
    choice.put("index", 0);
    ObjectNode message = choice.putObject("message");
    message.put("role", "assistant");
    StringBuilder text = new StringBuilder();
    ArrayNode calls = JSON.createArrayNode();
    for (JsonNode block : converse.path("output").path("message").path("content")) {
      if (block.has("text")) {
        text.append(block.get("text").asText());
      } else if (block.has("toolUse")) {
        JsonNode use = block.get("toolUse");
        ObjectNode call = calls.addObject();
        call.put("id", use.path("toolUseId").asText());
        call.put("type", "function");
        ObjectNode fn = call.putObject("function");
        fn.put("name", use.path("name").asText());
        JsonNode input = use.get("input");
        fn.put("arguments", input == null || input.isNull() ? "{}" : input.toString());
      }
      // reasoningContent, citations and other block kinds have no OpenAI counterpart: left out
    }
    if (text.length() == 0 && !calls.isEmpty()) {
      message.putNull("content");
    } else {
      message.put("content", text.toString());
    }
    if (!calls.isEmpty()) {
      message.set("tool_calls", calls);
    }
    choice.put("finish_reason", finishReason(converse.path("stopReason").asText(null)));
    TokenUsage usage = usage(converse.get("usage"));
    if (usage.isKnown()) {
      out.set("usage", JSON.valueToTree(Usage.from(usage)));
    }
    return out;
  }

  /** Converse {@code stopReason} → OpenAI {@code finish_reason}. */
  static String finishReason(String stopReason) {
    if (stopReason == null) {
      return "stop";
    }
    return switch (stopReason) {
      case "max_tokens", "model_context_window_exceeded" -> "length";
      case "tool_use" -> "tool_calls";
      case "content_filtered", "guardrail_intervened" -> "content_filter";
      default -> "stop"; // end_turn, stop_sequence
    };
  }

  /**
   * Converse {@code usage} → token usage. Bedrock counts tokens read from and written to the
   * prompt cache apart from {@code inputTokens}; they are added back in so that input covers the
   * whole prompt (as OpenAI's {@code prompt_tokens} does) and the cache reads are its cached part.
   */
  static TokenUsage usage(JsonNode u) {
    if (u == null || !u.isObject()) {
      return TokenUsage.NONE;
    }
    long cacheRead = u.path("cacheReadInputTokens").asLong(0);
    long cacheWrite = u.path("cacheWriteInputTokens").asLong(0);
    long input = u.path("inputTokens").asLong(0) + cacheRead + cacheWrite;
    long output = u.path("outputTokens").asLong(0);
    long total = u.hasNonNull("totalTokens") ? u.get("totalTokens").asLong() : input + output;
    return new TokenUsage(input, output, Math.max(total, 0), cacheRead, 0);
  }

  /**
   * An AWS error answer ({@code {"message":...}} with an {@code x-amzn-errortype} header) as an
   * OpenAI error body. The AWS error type (e.g. {@code ValidationException}) becomes the code.
   */
  static byte[] error(int status, Headers headers, byte[] body) {
    String message = null;
    String awsType = errorType(headers);
    try {
      JsonNode root = JSON.readTree(body);
      if (root != null) {
        JsonNode m = root.has("message") ? root.get("message") : root.get("Message");
        if (m != null && m.isTextual()) {
          message = m.asText();
        }
        if (awsType == null && root.hasNonNull("__type")) {
          awsType = stripNamespace(root.get("__type").asText());
        }
      }
    } catch (java.io.IOException e) {
      // not JSON: the text itself is the message
    }
    if (message == null) {
      String text = new String(body, StandardCharsets.UTF_8).trim();
      message = text.isEmpty() ? "AWS Bedrock returned HTTP " + status
          : text.length() > 500 ? text.substring(0, 500) : text;
    }
    return errorJson(status, awsType, message);
  }

  /** {@code {"error":{"message","type","param":null,"code"}}}; code is the AWS error type, else the status. */
  static byte[] errorJson(int status, String awsType, String message) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode err = root.putObject("error");
    err.put("message", message);
    err.put("type", ErrorFormats.openAiType(status));
    err.putNull("param");
    err.put("code", awsType == null ? String.valueOf(status) : awsType);
    return root.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** {@code x-amzn-errortype: ValidationException:http://internal...} → {@code ValidationException}. */
  static String errorType(Headers headers) {
    String t = headers.value("x-amzn-errortype");
    if (t == null || t.isBlank()) {
      return null;
    }
    int colon = t.indexOf(':');
    return colon > 0 ? t.substring(0, colon) : t;
  }

  private static String stripNamespace(String t) {
    int hash = t.lastIndexOf('#');
    return hash >= 0 ? t.substring(hash + 1) : t;
  }
}
