package dev.tollgate.toolkit.anthropic;

import dev.tollgate.toolkit.JsonSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.toolkit.PivotExtensions;
import dev.tollgate.toolkit.PivotExtensions.Dialect;
import java.util.Set;

/**
 * Serves Anthropic Messages clients ({@code Endpoint.MESSAGES}) from OpenAI chat completions
 * backends. Stateless conversions plus a ready-made {@link Translator.Exchange}:
 * <pre>{@code
 * ObjectNode chat = AnthropicChatBridge.toChatRequest(request.parsed(), model);
 * return AnthropicChatBridge.exchange(AnthropicChatBridge.upstreamRequest(path, chat), model);
 * }</pre>
 * <ul>
 *   <li>{@link #toChatRequest}: the request;</li>
 *   <li>{@link #toMessage}: a whole {@code chat.completion} as an Anthropic {@code message};</li>
 *   <li>{@link ChatStreamConverter}: {@code chat.completion.chunk}s as Anthropic stream events;</li>
 *   <li>{@link #exchange}: all of the answer side at once, with token usage.</li>
 * </ul>
 * Thread-safe; every method is pure except the per-stream converter and exchange.
 */
public final class AnthropicChatBridge {
  /**
   * Headers of an Anthropic client that must not reach an OpenAI-compatible backend: its
   * Anthropic credential and version headers. ({@code accept-encoding} the platform removes from
   * every upstream request.)
   */
  public static final Set<String> ANTHROPIC_CLIENT_HEADERS =
      Set.of("x-api-key", "anthropic-version", "anthropic-beta");

  private AnthropicChatBridge() {
  }

  /**
   * A POST of {@code chatRequest} to {@code path} (query included), as JSON, with the
   * {@link #ANTHROPIC_CLIENT_HEADERS} removed. The backend's auth handler adds its credential later.
   */
  public static UpstreamRequest upstreamRequest(String path, ObjectNode chatRequest) {
    return new UpstreamRequest("POST", path, Headers.of("content-type", "application/json"),
        ANTHROPIC_CLIENT_HEADERS, JsonSupport.bytes(chatRequest));
  }

  /**
   * The exchange for an Anthropic client whose request went upstream as {@code upstream} (a chat
   * completions request): answers come back as an Anthropic message, as Anthropic SSE events when
   * the upstream streams (errors are the platform's, in the client's format). Token usage
   * and the answering model are read on the way. One per exchange; not thread-safe.
   *
   * @param model the model asked for upstream, reported until the answer names its own
   */
  public static Translator.Exchange exchange(UpstreamRequest upstream, String model) {
    return new MessagesOverChatExchange(upstream, model);
  }

  /**
   * A translator for Anthropic Messages clients of an OpenAI-compatible backend: each request
   * becomes a chat completions request with the backend's model, to the path (query included)
   * that {@code chatPath} gives for that model, and the answer comes back through {@link #exchange}.
   */
  public static Translator translator(BackendTarget backend, java.util.function.UnaryOperator<String> chatPath) {
    return request -> {
      String model = backend.upstreamModel(request.model());
      return exchange(upstreamRequest(chatPath.apply(model), toChatRequest(request.parsed(), model)), model);
    };
  }

  /**
   * The chat completions request for an Anthropic Messages request: system, text, images (base64
   * and URL), PDFs (base64), tool_use, tool_result (as {@code tool} messages placed before the rest
   * of the user turn), tools, tool_choice, max_tokens, stop_sequences, temperature, top_p,
   * metadata.user_id and stream (with {@code stream_options.include_usage}, so usage can be counted).
   * Dropped, as chat completions have no equivalent: {@code top_k}, {@code thinking}, thinking
   * blocks, {@code cache_control}. The plain chat request, for OpenAI-compatible backends: see
   * {@link #toChatRequest(JsonNode, String, Dialect)}.
   *
   * @param req   the client's Messages request; not modified
   * @param model the model to name in the chat request (the backend's, after any override)
   * @return a new chat completions request body
   * @throws GatewayException 400 for what an OpenAI-compatible backend cannot express (server
   *                          tools, other block types, malformed messages), naming the field
   */
  public static ObjectNode toChatRequest(JsonNode req, String model) throws GatewayException {
    return toChatRequest(req, model, Dialect.STANDARD);
  }

  /**
   * The chat completions request for an Anthropic Messages request, as
   * {@link #toChatRequest(JsonNode, String)}; with {@link Dialect#TOLLGATE} (for a Tollgate chat
   * translator behind {@link dev.tollgate.toolkit.ChatPivot}) it also carries, as the
   * {@link PivotExtensions} fields: {@code thinking} (top level, as the client sent it) and
   * {@code cache_control} (on the text, image and document parts it marks; a marked system block
   * keeps the system as an array of text parts; a marked tool_result or assistant block marks
   * its chat message; a marked tool marks the chat tool) and the history's thinking and
   * redacted_thinking blocks (as the assistant message's {@code thinking_blocks}, which Claude
   * needs back with tool results). The plain dialect drops thinking blocks.
   */
  public static ObjectNode toChatRequest(JsonNode req, String model, Dialect dialect) throws GatewayException {
    boolean ext = dialect == Dialect.TOLLGATE;
    ObjectNode out = JsonSupport.object();
    out.put("model", model);
    ArrayNode messages = out.putArray("messages");
    JsonNode system = req.get("system");
    if (system != null && !system.isNull()) {
      if (ext && system.isArray() && marked(system)) {
        messages.addObject().put("role", "system").set("content", markedTextParts(system, "system"));
      } else {
        String text = system.isTextual() ? system.asText() : joinText(system, "system");
        if (!text.isEmpty()) {
          messages.addObject().put("role", "system").put("content", text);
        }
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
        assistant(messages, content, at, ext);
      } else {
        user(messages, content, at, ext);
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
    tools(req, out, ext);
    if (ext && req.hasNonNull("thinking")) {
      JsonNode thinking = req.get("thinking");
      if (!thinking.isObject()) {
        throw GatewayException.badRequest("thinking: must be an object such as {\"type\":\"enabled\",\"budget_tokens\":2048}");
      }
      out.set(PivotExtensions.THINKING, thinking.deepCopy());
    }
    return out;
  }

  /** Whether any block of {@code blocks} has a cache_control. */
  private static boolean marked(JsonNode blocks) {
    for (JsonNode b : blocks) {
      if (b.hasNonNull(PivotExtensions.CACHE_CONTROL)) {
        return true;
      }
    }
    return false;
  }

  /** Text blocks as chat text parts, each keeping its cache_control. */
  private static ArrayNode markedTextParts(JsonNode blocks, String at) throws GatewayException {
    ArrayNode parts = JsonSupport.MAPPER.createArrayNode();
    for (JsonNode b : blocks) {
      if (!"text".equals(b.path("type").asText())) {
        throw GatewayException.badRequest(at + ": only text blocks are supported here");
      }
      keepMarker(b, parts.addObject().put("type", "text").put("text", b.path("text").asText()));
    }
    return parts;
  }

  private static void keepMarker(JsonNode from, ObjectNode to) {
    if (from.hasNonNull(PivotExtensions.CACHE_CONTROL)) {
      to.set(PivotExtensions.CACHE_CONTROL, from.get(PivotExtensions.CACHE_CONTROL).deepCopy());
    }
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

  private static void user(ArrayNode messages, JsonNode content, String at, boolean ext) throws GatewayException {
    ArrayNode parts = JsonSupport.MAPPER.createArrayNode();
    for (int j = 0; j < content.size(); j++) {
      JsonNode b = content.get(j);
      String where = at + ".content." + j;
      switch (b.path("type").asText()) {
        case "text" -> {
          ObjectNode part = parts.addObject().put("type", "text").put("text", b.path("text").asText());
          if (ext) {
            keepMarker(b, part);
          }
        }
        case "image" -> {
          ObjectNode part = parts.addObject().put("type", "image_url");
          part.putObject("image_url").put("url", sourceUrl(b.path("source"), where));
          if (ext) {
            keepMarker(b, part);
          }
        }
        case "document" -> {
          JsonNode src = b.path("source");
          if (!"base64".equals(src.path("type").asText()) || !"application/pdf".equals(src.path("media_type").asText())) {
            throw GatewayException.badRequest(where + ": only base64 PDF documents can be sent to this backend");
          }
          ObjectNode filePart = parts.addObject().put("type", "file");
          ObjectNode file = filePart.putObject("file");
          file.put("filename", b.path("title").asText("document.pdf"));
          file.put("file_data", "data:application/pdf;base64," + src.path("data").asText());
          if (ext) {
            keepMarker(b, filePart);
          }
        }
        case "tool_result" -> {
          JsonNode c = b.get("content");
          String text = c == null || c.isNull() ? "" : c.isTextual() ? c.asText() : joinText(c, where + ".content");
          ObjectNode tool = messages.addObject().put("role", "tool").put("tool_call_id", b.path("tool_use_id").asText())
              .put("content", text);
          if (ext) {
            keepMarker(b, tool);
          }
        }
        default -> throw GatewayException.badRequest(where + ".type: '" + b.path("type").asText()
            + "' cannot be sent to an OpenAI-compatible backend");
      }
    }
    if (!parts.isEmpty()) {
      ObjectNode msg = messages.addObject().put("role", "user");
      if (parts.size() == 1 && "text".equals(parts.get(0).path("type").asText())
          && !parts.get(0).has(PivotExtensions.CACHE_CONTROL)) {
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

  private static void assistant(ArrayNode messages, JsonNode content, String at, boolean ext)
      throws GatewayException {
    StringBuilder text = new StringBuilder();
    ArrayNode calls = JsonSupport.MAPPER.createArrayNode();
    JsonNode marker = null;
    ArrayNode thinkingBlocks = JsonSupport.MAPPER.createArrayNode();
    for (int j = 0; j < content.size(); j++) {
      JsonNode b = content.get(j);
      if (b.hasNonNull(PivotExtensions.CACHE_CONTROL)) {
        marker = b.get(PivotExtensions.CACHE_CONTROL);
      }
      switch (b.path("type").asText()) {
        case "text" -> text.append(b.path("text").asText());
        case "tool_use" -> {
          ObjectNode call = calls.addObject();
          call.put("id", b.path("id").asText()).put("type", "function");
          call.putObject("function").put("name", b.path("name").asText())
              .put("arguments", JsonSupport.string(b.has("input") ? b.get("input") : JsonSupport.object()));
        }
        case "thinking", "redacted_thinking" -> {
          if (ext) {
            thinkingBlocks.add(b.deepCopy());
          }
          // plain chat completions cannot carry them back
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
    if (ext && marker != null) {
      msg.set(PivotExtensions.CACHE_CONTROL, marker.deepCopy());
    }
    if (!thinkingBlocks.isEmpty()) {
      msg.set(PivotExtensions.THINKING_BLOCKS, thinkingBlocks);
    }
  }

  private static void tools(JsonNode req, ObjectNode out, boolean ext) throws GatewayException {
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
        ObjectNode tool = outTools.addObject().put("type", "function");
        if (ext) {
          keepMarker(t, tool);
        }
        ObjectNode fn = tool.putObject("function");
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

  /** Anthropic's {@code stop_reason} for an OpenAI {@code finish_reason}; null for null. */
  public static String stopReason(String finishReason) {
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

  /**
   * Anthropic {@code usage} for OpenAI {@code usage}: {@code input_tokens} excludes the cached
   * parts, which are reported as {@code cache_read_input_tokens} ({@code cached_tokens}) and
   * {@code cache_creation_input_tokens} ({@code cache_write_tokens}).
   */
  public static ObjectNode anthropicUsage(JsonNode openAiUsage) {
    long prompt = openAiUsage.path("prompt_tokens").asLong(0);
    long cached = openAiUsage.path("prompt_tokens_details").path("cached_tokens").asLong(0);
    long written = openAiUsage.path("prompt_tokens_details").path("cache_write_tokens").asLong(0);
    ObjectNode u = JsonSupport.object();
    u.put("input_tokens", Math.max(0, prompt - cached - written));
    u.put("cache_creation_input_tokens", written);
    u.put("cache_read_input_tokens", cached);
    u.put("output_tokens", openAiUsage.path("completion_tokens").asLong(0));
    return u;
  }

  /**
   * An Anthropic {@code message} for a {@code chat.completion}: the {@code thinking_blocks} (with
   * their signatures) as leading thinking blocks, or else {@code reasoning_content} as one
   * {@code thinking} block (its {@code signature} empty: nothing signed it), text and tool
   * calls as content blocks, the finish reason as {@code stop_reason}, the usage converted.
   *
   * @param fallbackModel the model to report when the completion names none
   */
  public static ObjectNode toMessage(JsonNode completion, String fallbackModel) {
    ObjectNode out = JsonSupport.object();
    out.put("id", completion.path("id").asText("msg"));
    out.put("type", "message");
    out.put("role", "assistant");
    out.put("model", completion.path("model").asText(fallbackModel));
    ArrayNode content = out.putArray("content");
    JsonNode choice = completion.path("choices").path(0);
    JsonNode msg = choice.path("message");
    String reasoning = msg.path(PivotExtensions.REASONING_CONTENT).asText("");
    JsonNode thinkingBlocks = msg.path(PivotExtensions.THINKING_BLOCKS);
    if (thinkingBlocks.isArray() && !thinkingBlocks.isEmpty()) {
      for (JsonNode b : thinkingBlocks) {
        if ("redacted_thinking".equals(b.path("type").asText())) {
          content.addObject().put("type", "redacted_thinking").put("data", b.path("data").asText(""));
        } else {
          content.addObject().put("type", "thinking").put("thinking", b.path("thinking").asText(""))
              .put("signature", b.path("signature").asText(""));
        }
      }
    } else if (!reasoning.isEmpty()) {
      content.addObject().put("type", "thinking").put("thinking", reasoning).put("signature", "");
    }
    String text = msg.path("content").isTextual() ? msg.path("content").asText() : "";
    if (!text.isEmpty()) {
      content.addObject().put("type", "text").put("text", text);
    }
    for (JsonNode call : msg.path("tool_calls")) {
      ObjectNode use = content.addObject().put("type", "tool_use").put("id", call.path("id").asText())
          .put("name", call.path("function").path("name").asText());
      JsonNode input = JsonSupport.tryParse(call.path("function").path("arguments").asText("{}"));
      use.set("input", input != null && input.isObject() ? input : JsonSupport.object());
    }
    out.put("stop_reason", stopReason(choice.path("finish_reason").asText(null)));
    out.putNull("stop_sequence");
    out.set("usage", anthropicUsage(completion.path("usage")));
    return out;
  }

  /** The token usage an OpenAI {@code usage} object reports (cached and reasoning tokens included). */
  public static TokenUsage tokenUsage(JsonNode openAiUsage) {
    long prompt = openAiUsage.path("prompt_tokens").asLong(0);
    long completion = openAiUsage.path("completion_tokens").asLong(0);
    long total = openAiUsage.path("total_tokens").asLong(prompt + completion);
    return new TokenUsage(prompt, completion, total,
        openAiUsage.path("prompt_tokens_details").path("cached_tokens").asLong(0),
        openAiUsage.path("completion_tokens_details").path("reasoning_tokens").asLong(0),
        Math.max(0, openAiUsage.path("prompt_tokens_details").path("cache_write_tokens").asLong(0)));
  }

}
