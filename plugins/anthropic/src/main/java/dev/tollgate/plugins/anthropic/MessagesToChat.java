package dev.tollgate.plugins.anthropic;

import dev.tollgate.api.JsonSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ErrorFormats;
import dev.tollgate.api.TokenUsage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Anthropic answers as OpenAI chat completions: a whole {@code message} as a
 * {@code chat.completion}, and the Messages stream events as {@code chat.completion.chunk}s.
 */
final class MessagesToChat {
  private MessagesToChat() {
  }

  /** OpenAI's finish_reason for an Anthropic stop_reason. */
  static String finishReason(String stopReason) {
    if (stopReason == null) {
      return null;
    }
    return switch (stopReason) {
      case "max_tokens", "model_context_window_exceeded" -> "length";
      case "tool_use" -> "tool_calls";
      case "refusal" -> "content_filter";
      default -> "stop"; // end_turn, stop_sequence, pause_turn
    };
  }

  /** OpenAI's usage object: prompt tokens include the cache reads and writes. */
  static ObjectNode usage(TokenUsage u) {
    ObjectNode usage = JsonSupport.object();
    usage.put("prompt_tokens", u.inputTokens());
    usage.put("completion_tokens", u.outputTokens());
    usage.put("total_tokens", u.totalTokens());
    usage.putObject("prompt_tokens_details").put("cached_tokens", u.cachedInputTokens());
    return usage;
  }

  /** A whole Anthropic {@code message} as a {@code chat.completion}. */
  static ObjectNode completion(JsonNode message, String fallbackModel, long created, TokenUsage usage) {
    ObjectNode out = JsonSupport.object();
    out.put("id", message.path("id").asText("msg"));
    out.put("object", "chat.completion");
    out.put("created", created);
    out.put("model", message.path("model").asText(fallbackModel));
    ObjectNode choice = out.putArray("choices").addObject();
    choice.put("index", 0);
    ObjectNode msg = choice.putObject("message");
    msg.put("role", "assistant");
    StringBuilder text = new StringBuilder();
    ArrayNode calls = JsonSupport.MAPPER.createArrayNode();
    for (JsonNode block : message.path("content")) {
      switch (block.path("type").asText()) {
        case "text" -> text.append(block.path("text").asText(""));
        case "tool_use" -> {
          ObjectNode call = calls.addObject();
          call.put("id", block.path("id").asText());
          call.put("type", "function");
          ObjectNode fn = call.putObject("function");
          fn.put("name", block.path("name").asText());
          fn.put("arguments", JsonSupport.string(block.has("input") ? block.get("input") : JsonSupport.object()));
        }
        default -> {
          // thinking and server-tool blocks have no place in a chat completion
        }
      }
    }
    if (text.length() > 0 || calls.isEmpty()) {
      msg.put("content", text.toString());
    } else {
      msg.putNull("content");
    }
    if (!calls.isEmpty()) {
      msg.set("tool_calls", calls);
    }
    choice.put("finish_reason", finishReason(message.path("stop_reason").asText(null)));
    out.set("usage", usage(usage));
    return out;
  }

  /** OpenAI's error body for an Anthropic (or cloud) error body and the upstream status. */
  static byte[] error(int status, byte[] body) {
    return ErrorFormats.render(dev.tollgate.api.ClientApi.OPENAI, status, ErrorFormats.openAiType(status),
        ErrorFormats.upstreamMessage(status, body));
  }

  /**
   * Anthropic stream events to OpenAI chunks, one stream at a time. Tool-use blocks get OpenAI
   * tool-call indexes in the order they start.
   */
  static final class Stream {
    private final boolean includeUsage;
    private final long created;
    private final UsageCounter usage;
    private final Map<Integer, Integer> toolIndexByBlock = new HashMap<>();
    private String id = "msg";
    private String model;
    private boolean done;

    Stream(String model, long created, boolean includeUsage, UsageCounter usage) {
      this.model = model;
      this.created = created;
      this.includeUsage = includeUsage;
      this.usage = usage;
    }

    boolean done() {
      return done;
    }

    String model() {
      return model;
    }

    /** The SSE bytes for one Anthropic event (possibly none). */
    byte[] onEvent(JsonNode event) {
      if (done) {
        return new byte[0];
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      switch (event.path("type").asText()) {
        case "message_start" -> {
          JsonNode m = event.path("message");
          id = m.path("id").asText(id);
          model = m.path("model").asText(model);
          usage.add(m.get("usage"));
          ObjectNode delta = JsonSupport.object().put("role", "assistant").put("content", "");
          write(out, chunk(delta, null));
        }
        case "content_block_start" -> {
          JsonNode block = event.path("content_block");
          String type = block.path("type").asText();
          if (type.equals("tool_use")) {
            int index = toolIndexByBlock.size();
            toolIndexByBlock.put(event.path("index").asInt(), index);
            ObjectNode call = JsonSupport.object();
            call.put("index", index).put("id", block.path("id").asText()).put("type", "function");
            call.putObject("function").put("name", block.path("name").asText()).put("arguments", "");
            ObjectNode delta = JsonSupport.object();
            delta.putArray("tool_calls").add(call);
            write(out, chunk(delta, null));
          } else if (type.equals("text") && !block.path("text").asText("").isEmpty()) {
            write(out, chunk(JsonSupport.object().put("content", block.path("text").asText()), null));
          }
        }
        case "content_block_delta" -> {
          JsonNode d = event.path("delta");
          switch (d.path("type").asText()) {
            case "text_delta" -> write(out, chunk(JsonSupport.object().put("content", d.path("text").asText("")), null));
            case "input_json_delta" -> {
              Integer index = toolIndexByBlock.get(event.path("index").asInt());
              String partial = d.path("partial_json").asText("");
              if (index != null && !partial.isEmpty()) {
                ObjectNode call = JsonSupport.object().put("index", index);
                call.putObject("function").put("arguments", partial);
                ObjectNode delta = JsonSupport.object();
                delta.putArray("tool_calls").add(call);
                write(out, chunk(delta, null));
              }
            }
            default -> {
              // thinking, signature and citation deltas are not part of a chat completion
            }
          }
        }
        case "message_delta" -> {
          usage.add(event.get("usage"));
          String stop = event.path("delta").path("stop_reason").asText(null);
          if (stop != null) {
            write(out, chunk(JsonSupport.object(), finishReason(stop)));
          }
        }
        case "message_stop" -> {
          if (includeUsage) {
            ObjectNode c = base();
            c.putArray("choices");
            c.set("usage", MessagesToChat.usage(usage.usage()));
            write(out, c);
          }
          out.writeBytes(DONE);
          done = true;
        }
        case "error" -> {
          JsonNode err = event.path("error");
          writeError(out, err.path("type").asText("api_error"), err.path("message").asText("upstream error"));
        }
        default -> {
          // ping and future event types
        }
      }
      return out.toByteArray();
    }

    /** At the end of the upstream's body: a stream cut before message_stop ends with an error, never hangs. */
    byte[] finish() {
      if (done) {
        return new byte[0];
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      writeError(out, "server_error", "the upstream ended the stream before the answer was complete");
      return out.toByteArray();
    }

    private void writeError(ByteArrayOutputStream out, String type, String message) {
      ObjectNode e = JsonSupport.object();
      ObjectNode err = e.putObject("error");
      err.put("message", message).put("type", type).putNull("param").putNull("code");
      write(out, e);
      out.writeBytes(DONE);
      done = true;
    }

    private ObjectNode base() {
      ObjectNode c = JsonSupport.object();
      c.put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", model);
      return c;
    }

    private ObjectNode chunk(ObjectNode delta, String finishReason) {
      ObjectNode c = base();
      ObjectNode choice = c.putArray("choices").addObject();
      choice.put("index", 0);
      choice.set("delta", delta);
      if (finishReason == null) {
        choice.putNull("finish_reason");
      } else {
        choice.put("finish_reason", finishReason);
      }
      return c;
    }

    private static void write(ByteArrayOutputStream out, JsonNode data) {
      out.writeBytes(("data: " + JsonSupport.string(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);
  }
}
