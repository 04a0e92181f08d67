package dev.tollgate.plugins.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.ErrorFormats;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.SseDecoder;
import dev.tollgate.api.TokenUsage;
import java.io.ByteArrayOutputStream;
import java.util.HashMap;
import java.util.Map;

/**
 * Anthropic Messages clients in front of OpenAI chat completions backends: the other direction
 * of {@link ChatToMessages} and {@link MessagesToChat}. Not wired to any schema here: the
 * {@code OpenAI} schema (plugins/openai) would call it for {@code Endpoint.MESSAGES}; see the
 * plugin's report for the proposed wiring. Kept package-private and free of plugin state so it
 * can be moved as one file.
 * <ul>
 *   <li>{@link #toChatRequest}: system, text, images (base64 and URL), PDFs (base64), tool_use,
 *       tool_result (as {@code tool} messages placed before the rest of the user turn), tools,
 *       tool_choice, max_tokens, stop_sequences, temperature, top_p, metadata.user_id, stream
 *       (with {@code stream_options.include_usage} so the usage can be reported). Dropped because
 *       chat completions have no equivalent: {@code top_k}, {@code thinking}, thinking blocks,
 *       {@code cache_control}. Server tools and other block types are refused with 400.</li>
 *   <li>{@link #toMessage}: a {@code chat.completion} as an Anthropic {@code message}.</li>
 *   <li>{@link Stream}: {@code chat.completion.chunk}s as Anthropic stream events.</li>
 *   <li>{@link #toAnthropicError}: an OpenAI error body as an Anthropic one.</li>
 * </ul>
 */
final class OpenAiBridge {
  private OpenAiBridge() {
  }

  static ObjectNode toChatRequest(JsonNode req, String model) throws GatewayException {
    ObjectNode out = Json.object();
    out.put("model", model);
    ArrayNode messages = out.putArray("messages");
    JsonNode system = req.get("system");
    if (system != null && !system.isNull()) {
      String text = system.isTextual() ? system.asText() : joinText(system, "system");
      if (!text.isEmpty()) {
        messages.addObject().put("role", "system").put("content", text);
      }
    }
    JsonNode in = req.get("messages");
    if (in == null || !in.isArray()) {
      throw GatewayException.badRequest("messages: Field required (an array of messages)");
    }
    for (int i = 0; i < in.size(); i++) {
      JsonNode m = in.get(i);
      String at = "messages." + i;
      String role = m.path("role").asText();
      JsonNode content = m.get("content");
      if (!role.equals("user") && !role.equals("assistant")) {
        throw GatewayException.badRequest(at + ".role: must be user or assistant");
      }
      if (content != null && content.isTextual()) {
        messages.addObject().put("role", role).put("content", content.asText());
        continue;
      }
      if (content == null || !content.isArray()) {
        throw GatewayException.badRequest(at + ".content: must be a string or an array of content blocks");
      }
      if (role.equals("assistant")) {
        assistant(messages, content, at);
      } else {
        user(messages, content, at);
      }
    }
    if (req.has("max_tokens")) {
      out.set("max_completion_tokens", req.get("max_tokens"));
    }
    for (String f : new String[] {"temperature", "top_p"}) {
      if (req.hasNonNull(f)) {
        out.set(f, req.get(f));
      }
    }
    if (req.path("stop_sequences").isArray() && !req.path("stop_sequences").isEmpty()) {
      out.set("stop", req.get("stop_sequences"));
    }
    if (req.path("metadata").hasNonNull("user_id")) {
      out.put("user", req.path("metadata").path("user_id").asText());
    }
    if (req.path("stream").asBoolean(false)) {
      out.put("stream", true);
      out.putObject("stream_options").put("include_usage", true);
    }
    tools(req, out);
    return out;
  }

  private static String joinText(JsonNode blocks, String at) throws GatewayException {
    StringBuilder sb = new StringBuilder();
    for (JsonNode b : blocks) {
      if (!"text".equals(b.path("type").asText())) {
        throw GatewayException.badRequest(at + ": only text blocks are supported here");
      }
      if (sb.length() > 0) {
        sb.append('\n');
      }
      sb.append(b.path("text").asText());
    }
    return sb.toString();
  }

  private static void user(ArrayNode messages, JsonNode content, String at) throws GatewayException {
    ArrayNode parts = Json.MAPPER.createArrayNode();
    for (int j = 0; j < content.size(); j++) {
      JsonNode b = content.get(j);
      String where = at + ".content." + j;
      switch (b.path("type").asText()) {
        case "text" -> parts.addObject().put("type", "text").put("text", b.path("text").asText());
        case "image" -> {
          ObjectNode part = parts.addObject().put("type", "image_url");
          part.putObject("image_url").put("url", sourceUrl(b.path("source"), where));
        }
        case "document" -> {
          JsonNode src = b.path("source");
          if (!"base64".equals(src.path("type").asText()) || !"application/pdf".equals(src.path("media_type").asText())) {
            throw GatewayException.badRequest(where + ": only base64 PDF documents can be sent to this backend");
          }
          ObjectNode file = parts.addObject().put("type", "file").putObject("file");
          file.put("filename", b.path("title").asText("document.pdf"));
          file.put("file_data", "data:application/pdf;base64," + src.path("data").asText());
        }
        case "tool_result" -> {
          JsonNode c = b.get("content");
          String text = c == null || c.isNull() ? "" : c.isTextual() ? c.asText() : joinText(c, where + ".content");
          messages.addObject().put("role", "tool").put("tool_call_id", b.path("tool_use_id").asText())
              .put("content", text);
        }
        default -> throw GatewayException.badRequest(where + ".type: '" + b.path("type").asText()
            + "' cannot be sent to an OpenAI-compatible backend");
      }
    }
    if (!parts.isEmpty()) {
      ObjectNode msg = messages.addObject().put("role", "user");
      if (parts.size() == 1 && "text".equals(parts.get(0).path("type").asText())) {
        msg.put("content", parts.get(0).path("text").asText());
      } else {
        msg.set("content", parts);
      }
    }
  }

  private static String sourceUrl(JsonNode src, String where) throws GatewayException {
    return switch (src.path("type").asText()) {
      case "base64" -> "data:" + src.path("media_type").asText() + ";base64," + src.path("data").asText();
      case "url" -> src.path("url").asText();
      default -> throw GatewayException.badRequest(where + ".source.type: must be base64 or url");
    };
  }

  private static void assistant(ArrayNode messages, JsonNode content, String at) throws GatewayException {
    StringBuilder text = new StringBuilder();
    ArrayNode calls = Json.MAPPER.createArrayNode();
    for (int j = 0; j < content.size(); j++) {
      JsonNode b = content.get(j);
      switch (b.path("type").asText()) {
        case "text" -> text.append(b.path("text").asText());
        case "tool_use" -> {
          ObjectNode call = calls.addObject();
          call.put("id", b.path("id").asText()).put("type", "function");
          call.putObject("function").put("name", b.path("name").asText())
              .put("arguments", Json.string(b.has("input") ? b.get("input") : Json.object()));
        }
        case "thinking", "redacted_thinking" -> {
          // chat completions cannot carry them back
        }
        default -> throw GatewayException.badRequest(at + ".content." + j + ".type: '" + b.path("type").asText()
            + "' cannot be sent to an OpenAI-compatible backend");
      }
    }
    ObjectNode msg = messages.addObject().put("role", "assistant");
    if (text.length() > 0) {
      msg.put("content", text.toString());
    } else {
      msg.putNull("content");
    }
    if (!calls.isEmpty()) {
      msg.set("tool_calls", calls);
    }
  }

  private static void tools(JsonNode req, ObjectNode out) throws GatewayException {
    JsonNode tools = req.get("tools");
    if (tools != null && tools.isArray() && !tools.isEmpty()) {
      ArrayNode outTools = out.putArray("tools");
      for (int i = 0; i < tools.size(); i++) {
        JsonNode t = tools.get(i);
        String type = t.path("type").asText("custom");
        if (!type.equals("custom") || !t.has("input_schema")) {
          throw GatewayException.badRequest("tools." + i + ": server tools (" + type
              + ") cannot be used with an OpenAI-compatible backend; declare a custom tool with input_schema");
        }
        ObjectNode fn = outTools.addObject().put("type", "function").putObject("function");
        fn.put("name", t.path("name").asText());
        if (t.hasNonNull("description")) {
          fn.put("description", t.get("description").asText());
        }
        fn.set("parameters", t.get("input_schema"));
      }
    }
    JsonNode tc = req.get("tool_choice");
    if (tc != null && tc.isObject()) {
      switch (tc.path("type").asText()) {
        case "auto" -> out.put("tool_choice", "auto");
        case "any" -> out.put("tool_choice", "required");
        case "none" -> out.put("tool_choice", "none");
        case "tool" -> out.putObject("tool_choice").put("type", "function").putObject("function")
            .put("name", tc.path("name").asText());
        default -> throw GatewayException.badRequest("tool_choice.type: must be auto, any, tool or none");
      }
      if (tc.path("disable_parallel_tool_use").asBoolean(false) && out.has("tools")) {
        out.put("parallel_tool_calls", false);
      }
    }
  }

  /** Anthropic's stop_reason for an OpenAI finish_reason. */
  static String stopReason(String finishReason) {
    if (finishReason == null) {
      return null;
    }
    return switch (finishReason) {
      case "length" -> "max_tokens";
      case "tool_calls", "function_call" -> "tool_use";
      case "content_filter" -> "refusal";
      default -> "end_turn";
    };
  }

  /** Anthropic usage for OpenAI usage: input_tokens excludes the cached part, which is reported as cache reads. */
  static ObjectNode usage(JsonNode openAiUsage) {
    long prompt = openAiUsage.path("prompt_tokens").asLong(0);
    long cached = openAiUsage.path("prompt_tokens_details").path("cached_tokens").asLong(0);
    ObjectNode u = Json.object();
    u.put("input_tokens", Math.max(0, prompt - cached));
    u.put("cache_creation_input_tokens", 0);
    u.put("cache_read_input_tokens", cached);
    u.put("output_tokens", openAiUsage.path("completion_tokens").asLong(0));
    return u;
  }

  static ObjectNode toMessage(JsonNode completion, String fallbackModel) {
    ObjectNode out = Json.object();
    out.put("id", completion.path("id").asText("msg"));
    out.put("type", "message");
    out.put("role", "assistant");
    out.put("model", completion.path("model").asText(fallbackModel));
    ArrayNode content = out.putArray("content");
    JsonNode choice = completion.path("choices").path(0);
    JsonNode msg = choice.path("message");
    String text = msg.path("content").isTextual() ? msg.path("content").asText() : "";
    if (!text.isEmpty()) {
      content.addObject().put("type", "text").put("text", text);
    }
    for (JsonNode call : msg.path("tool_calls")) {
      ObjectNode use = content.addObject().put("type", "tool_use").put("id", call.path("id").asText())
          .put("name", call.path("function").path("name").asText());
      JsonNode input = Json.tryParse(call.path("function").path("arguments").asText("{}"));
      use.set("input", input != null && input.isObject() ? input : Json.object());
    }
    out.put("stop_reason", stopReason(choice.path("finish_reason").asText(null)));
    out.putNull("stop_sequence");
    out.set("usage", usage(completion.path("usage")));
    return out;
  }

  static byte[] toAnthropicError(int status, byte[] openAiErrorBody) {
    return ErrorFormats.render(ClientApi.ANTHROPIC, status, ErrorFormats.anthropicType(status),
        ErrorText.message(status, openAiErrorBody));
  }

  /** The token usage an OpenAI usage object reports. */
  static TokenUsage tokenUsage(JsonNode openAiUsage) {
    long prompt = openAiUsage.path("prompt_tokens").asLong(0);
    long completion = openAiUsage.path("completion_tokens").asLong(0);
    long total = openAiUsage.path("total_tokens").asLong(prompt + completion);
    return new TokenUsage(prompt, completion, total,
        openAiUsage.path("prompt_tokens_details").path("cached_tokens").asLong(0),
        openAiUsage.path("completion_tokens_details").path("reasoning_tokens").asLong(0));
  }

  /**
   * OpenAI chunks to Anthropic SSE events for one stream: message_start on the first chunk, a text
   * block or tool_use block per run of deltas, message_delta (stop_reason, usage) and message_stop
   * at {@code [DONE]} (or at the end of the body, so the client's stream always completes).
   */
  static final class Stream {
    private final Map<Integer, Integer> blockByToolIndex = new HashMap<>();
    private String model;
    private boolean started;
    private boolean finished;
    private int openBlock = -1;
    private boolean openIsText;
    private int nextBlock;
    private String stopReason;
    private JsonNode usage;

    Stream(String model) {
      this.model = model;
    }

    /** The SSE bytes for one upstream SSE data payload (a chunk JSON or {@code [DONE]}). */
    byte[] onData(String data) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      if (finished) {
        return out.toByteArray();
      }
      if (data.equals("[DONE]")) {
        finish(out);
        return out.toByteArray();
      }
      JsonNode chunk = Json.tryParse(data);
      if (chunk == null || !chunk.isObject()) {
        return out.toByteArray();
      }
      if (chunk.has("error")) {
        ObjectNode e = Json.object().put("type", "error");
        e.putObject("error").put("type", "api_error")
            .put("message", chunk.path("error").path("message").asText("upstream error"));
        emit(out, e);
        finished = true;
        return out.toByteArray();
      }
      if (!started) {
        started = true;
        model = chunk.path("model").asText(model);
        ObjectNode e = Json.object().put("type", "message_start");
        ObjectNode m = e.putObject("message");
        m.put("id", chunk.path("id").asText("msg")).put("type", "message").put("role", "assistant").put("model", model);
        m.putArray("content");
        m.putNull("stop_reason");
        m.putNull("stop_sequence");
        m.putObject("usage").put("input_tokens", 0).put("output_tokens", 0);
        emit(out, e);
      }
      if (chunk.hasNonNull("usage")) {
        usage = chunk.get("usage");
      }
      for (JsonNode choice : chunk.path("choices")) {
        JsonNode delta = choice.path("delta");
        String text = delta.path("content").isTextual() ? delta.path("content").asText() : "";
        if (!text.isEmpty()) {
          if (openBlock < 0 || !openIsText) {
            open(out, Json.object().put("type", "text").put("text", ""), true);
          }
          ObjectNode e = Json.object().put("type", "content_block_delta").put("index", openBlock);
          e.putObject("delta").put("type", "text_delta").put("text", text);
          emit(out, e);
        }
        for (JsonNode call : delta.path("tool_calls")) {
          int toolIndex = call.path("index").asInt(0);
          Integer block = blockByToolIndex.get(toolIndex);
          if (block == null) {
            ObjectNode use = Json.object().put("type", "tool_use").put("id", call.path("id").asText())
                .put("name", call.path("function").path("name").asText());
            use.putObject("input");
            open(out, use, false);
            blockByToolIndex.put(toolIndex, openBlock);
            block = openBlock;
          }
          String args = call.path("function").path("arguments").asText("");
          if (!args.isEmpty() && block == openBlock) {
            ObjectNode e = Json.object().put("type", "content_block_delta").put("index", block);
            e.putObject("delta").put("type", "input_json_delta").put("partial_json", args);
            emit(out, e);
          }
        }
        if (choice.hasNonNull("finish_reason")) {
          stopReason = stopReason(choice.get("finish_reason").asText());
        }
      }
      return out.toByteArray();
    }

    /** At the end of the upstream body: completes a stream that had no {@code [DONE]}. */
    byte[] finish() {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      if (!finished && started) {
        finish(out);
      }
      return out.toByteArray();
    }

    TokenUsage usage() {
      return usage == null ? TokenUsage.NONE : tokenUsage(usage);
    }

    String model() {
      return model;
    }

    private void open(ByteArrayOutputStream out, ObjectNode block, boolean text) {
      close(out);
      openBlock = nextBlock++;
      openIsText = text;
      ObjectNode e = Json.object().put("type", "content_block_start").put("index", openBlock);
      e.set("content_block", block);
      emit(out, e);
    }

    private void close(ByteArrayOutputStream out) {
      if (openBlock >= 0) {
        emit(out, Json.object().put("type", "content_block_stop").put("index", openBlock));
        openBlock = -1;
      }
    }

    private void finish(ByteArrayOutputStream out) {
      close(out);
      ObjectNode e = Json.object().put("type", "message_delta");
      e.putObject("delta").put("stop_reason", stopReason == null ? "end_turn" : stopReason).putNull("stop_sequence");
      e.set("usage", usage == null ? Json.object().put("output_tokens", 0) : OpenAiBridge.usage(usage));
      emit(out, e);
      emit(out, Json.object().put("type", "message_stop"));
      finished = true;
    }

    private static void emit(ByteArrayOutputStream out, ObjectNode event) {
      out.writeBytes(SseDecoder.encode(event.path("type").asText(), Json.string(event)));
    }
  }
}
