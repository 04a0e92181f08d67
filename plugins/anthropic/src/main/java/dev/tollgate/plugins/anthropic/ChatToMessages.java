package dev.tollgate.plugins.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.toolkit.DataUrl;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.openai.ChatCacheControl;
import dev.tollgate.toolkit.openai.ChatReasoning;
import dev.tollgate.toolkit.openai.ChatToolCalls;
import dev.tollgate.toolkit.openai.ChatRequestFields;
import dev.tollgate.toolkit.openai.ChatRequestFields.FunctionTool;
import dev.tollgate.toolkit.openai.ChatRequestFields.ToolChoice;
import java.util.List;

/**
 * An OpenAI chat completions request as an Anthropic Messages request body.
 * <ul>
 *   <li>{@code system} and {@code developer} messages become the top-level {@code system};</li>
 *   <li>user and assistant text and images become content blocks; {@code data:} image URLs become
 *       base64 sources, other URLs {@code url} sources;</li>
 *   <li>assistant {@code tool_calls} become {@code tool_use} blocks; {@code tool} messages become
 *       {@code tool_result} blocks of a user message; consecutive messages of one role are merged;</li>
 *   <li>{@code max_completion_tokens} or {@code max_tokens}, else {@value #DEFAULT_MAX_TOKENS} (Anthropic
 *       requires a limit); {@code stop} becomes {@code stop_sequences}; {@code user} becomes
 *       {@code metadata.user_id}.</li>
 * </ul>
 * Reasoning and prompt caching (see {@link dev.tollgate.toolkit.PivotExtensions}):
 * <ul>
 *   <li>{@code reasoning_effort} (minimal and low 1024, medium 4096, high 16384 tokens), or the
 *       extension {@code thinking} (taking precedence, sent as it came), becomes
 *       {@code thinking: {type: enabled, budget_tokens}}. {@code max_tokens} must exceed the
 *       budget: with no client limit it is the budget plus {@value #DEFAULT_MAX_TOKENS}; under a
 *       client limit an effort's budget is cut to half of it (at least 1024, else 400), an explicit
 *       budget that does not fit is a 400. Anthropic allows no temperature other than 1, no
 *       {@code top_p} below 0.95 and no forced tool use with thinking: those are 400s.</li>
 *   <li>an assistant message's {@code thinking_blocks} (LiteLLM's extension, as Tollgate's chat
 *       answers carry them) go back as its leading thinking / redacted_thinking blocks;</li>
 *   <li>{@code cache_control} (LiteLLM's extension, Anthropic's shape) on a content part stays on
 *       its block; on a message or a tool it goes on the message's last block, or on the tool; a
 *       marked system message keeps {@code system} as an array of blocks.</li>
 * </ul>
 * What Anthropic cannot express ({@code n > 1}, JSON response formats, audio input, non-function
 * tools) is refused with 400 rather than dropped silently.
 */
final class ChatToMessages {
  /** The output limit sent when the client gives none; Anthropic requires one. */
  static final int DEFAULT_MAX_TOKENS = 4096;
  /** Anthropic's smallest thinking budget. */
  static final int MIN_THINKING_BUDGET = 1024;

  private ChatToMessages() {
  }

  static ObjectNode convert(JsonNode chat, String model) throws GatewayException {
    ObjectNode out = JsonSupport.object();
    out.put("model", model);
    JsonNode n = chat.get("n");
    if (n != null && !n.isNull() && n.asInt(1) != 1) {
      throw GatewayException.badRequest("n=" + n.asText() + " is not supported by Anthropic models; send n=1 or leave it out");
    }
    JsonNode rf = chat.get("response_format");
    if (rf != null && !rf.isNull() && !"text".equals(rf.path("type").asText())) {
      throw GatewayException.badRequest("response_format " + rf.path("type").asText()
          + " is not supported by Anthropic models; describe the format in the prompt or use a tool");
    }
    JsonNode messages = chat.get("messages");
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      throw GatewayException.badRequest("messages must be a non-empty array");
    }
    ArrayNode system = JsonSupport.MAPPER.createArrayNode();
    ArrayNode outMessages = out.putArray("messages");
    ObjectNode last = null;
    for (int i = 0; i < messages.size(); i++) {
      JsonNode m = messages.get(i);
      String role = m.path("role").asText("");
      String at = "messages[" + i + "]";
      switch (role) {
        case "system", "developer" -> {
          for (JsonNode block : mark(contentBlocks(m.get("content"), at, false), m, at)) {
            system.add(block);
          }
        }
        case "user", "assistant", "tool" -> {
          String anthropicRole = role.equals("assistant") ? "assistant" : "user";
          ArrayNode blocks = switch (role) {
            case "assistant" -> assistantBlocks(m, at);
            case "tool" -> toolResult(m, at);
            default -> contentBlocks(m.get("content"), at, true);
          };
          mark(blocks, m, at);
          if (blocks.isEmpty()) {
            continue;
          }
          if (last != null && last.path("role").asText().equals(anthropicRole)) {
            ((ArrayNode) last.get("content")).addAll(blocks);
          } else {
            last = outMessages.addObject();
            last.put("role", anthropicRole);
            last.set("content", blocks);
          }
        }
        default -> throw GatewayException.badRequest(at + ".role '" + role
            + "' is not supported; use system, developer, user, assistant or tool");
      }
    }
    if (outMessages.isEmpty()) {
      throw GatewayException.badRequest("messages must contain at least one user or assistant message");
    }
    if (system.size() == 1 && !system.get(0).has("cache_control")) {
      out.put("system", system.get(0).path("text").asText());
    } else if (!system.isEmpty()) {
      out.set("system", system);
    }
    Integer limit = firstInt(chat, "max_completion_tokens", "max_tokens");
    ChatReasoning reasoning = ChatReasoning.read(chat);
    if (reasoning == null) {
      out.put("max_tokens", limit == null ? DEFAULT_MAX_TOKENS : limit);
    } else {
      thinking(chat, out, reasoning, limit);
    }
    copyNumber(chat, out, "temperature");
    copyNumber(chat, out, "top_p");
    List<String> stop = ChatRequestFields.stop(chat);
    if (!stop.isEmpty()) {
      ArrayNode sequences = out.putArray("stop_sequences");
      stop.forEach(sequences::add);
    }
    if (chat.path("stream").asBoolean(false)) {
      out.put("stream", true);
    }
    if (chat.hasNonNull("user")) {
      out.putObject("metadata").put("user_id", chat.get("user").asText());
    }
    tools(chat, out);
    return out;
  }

  /** {@code thinking} and a {@code max_tokens} above its budget; the sampling Anthropic forbids with it refused. */
  private static void thinking(JsonNode chat, ObjectNode out, ChatReasoning reasoning, Integer limit)
      throws GatewayException {
    int budget = reasoning.budgetTokens();
    boolean explicit = chat.hasNonNull("thinking");
    if (limit != null && limit <= budget) {
      if (explicit) {
        throw GatewayException.badRequest("max_tokens (" + limit + ") must be larger than thinking.budget_tokens ("
            + budget + ") for Anthropic models");
      }
      budget = limit / 2;
      if (budget < MIN_THINKING_BUDGET) {
        throw GatewayException.badRequest("max_completion_tokens must be at least " + 2 * MIN_THINKING_BUDGET
            + " with reasoning_effort for Anthropic models (thinking needs a budget of at least "
            + MIN_THINKING_BUDGET + " tokens below the limit); raise it or leave reasoning_effort out");
      }
    }
    out.putObject("thinking").put("type", "enabled").put("budget_tokens", budget);
    out.put("max_tokens", limit == null ? budget + DEFAULT_MAX_TOKENS : limit);
    JsonNode temperature = chat.get("temperature");
    if (temperature != null && !temperature.isNull() && temperature.asDouble() != 1.0) {
      throw GatewayException.badRequest("temperature cannot be set with reasoning on Anthropic models"
          + " (thinking allows only 1); leave it out or leave out reasoning_effort/thinking");
    }
    JsonNode topP = chat.get("top_p");
    if (topP != null && !topP.isNull() && topP.asDouble() < 0.95) {
      throw GatewayException.badRequest("top_p must be between 0.95 and 1 with reasoning on Anthropic models");
    }
    ToolChoice choice = ChatRequestFields.toolChoice(chat);
    if (choice instanceof ToolChoice.Required || choice instanceof ToolChoice.Named) {
      throw GatewayException.badRequest("tool_choice cannot force a tool with reasoning on Anthropic models;"
          + " use auto or none");
    }
  }

  /** A message's cache_control onto the last of its blocks. */
  private static ArrayNode mark(ArrayNode blocks, JsonNode message, String at) throws GatewayException {
    ObjectNode marker = ChatCacheControl.of(message, at);
    if (marker != null && !blocks.isEmpty()) {
      ((ObjectNode) blocks.get(blocks.size() - 1)).set("cache_control", marker);
    }
    return blocks;
  }

  private static Integer firstInt(JsonNode chat, String... fields) throws GatewayException {
    for (String f : fields) {
      JsonNode v = chat.get(f);
      if (v != null && !v.isNull()) {
        if (!v.canConvertToInt() || v.asInt() < 1) {
          throw GatewayException.badRequest(f + " must be a positive whole number");
        }
        return v.asInt();
      }
    }
    return null;
  }

  private static void copyNumber(JsonNode from, ObjectNode to, String field) throws GatewayException {
    JsonNode v = from.get(field);
    if (v == null || v.isNull()) {
      return;
    }
    if (!v.isNumber()) {
      throw GatewayException.badRequest(field + " must be a number");
    }
    to.set(field, v);
  }

  private static ArrayNode contentBlocks(JsonNode content, String at, boolean imagesAllowed) throws GatewayException {
    ArrayNode blocks = JsonSupport.MAPPER.createArrayNode();
    if (content == null || content.isNull()) {
      return blocks;
    }
    if (content.isTextual()) {
      if (!content.asText().isEmpty()) {
        blocks.addObject().put("type", "text").put("text", content.asText());
      }
      return blocks;
    }
    if (!content.isArray()) {
      throw GatewayException.badRequest(at + ".content must be a string or an array of content parts");
    }
    for (int i = 0; i < content.size(); i++) {
      JsonNode part = content.get(i);
      String type = part.path("type").asText("");
      String where = at + ".content[" + i + "]";
      switch (type) {
        case "text" -> {
          String text = part.path("text").asText("");
          ObjectNode marker = ChatCacheControl.of(part, where);
          if (!text.isEmpty()) {
            ObjectNode block = blocks.addObject().put("type", "text").put("text", text);
            if (marker != null) {
              block.set("cache_control", marker);
            }
          }
        }
        case "image_url" -> {
          if (!imagesAllowed) {
            throw GatewayException.badRequest(where + ": images are only allowed in user messages");
          }
          JsonNode url = part.path("image_url").isTextual() ? part.path("image_url") : part.path("image_url").path("url");
          ObjectNode block = image(url.asText(""), where);
          ObjectNode marker = ChatCacheControl.of(part, where);
          if (marker != null) {
            block.set("cache_control", marker);
          }
          blocks.add(block);
        }
        default -> throw GatewayException.badRequest(where + ".type '" + type
            + "' is not supported for Anthropic models; use text or image_url");
      }
    }
    return blocks;
  }

  private static ObjectNode image(String url, String where) throws GatewayException {
    ObjectNode block = JsonSupport.object().put("type", "image");
    ObjectNode source = block.putObject("source");
    if (DataUrl.isDataUrl(url)) {
      DataUrl data = DataUrl.parse(url, where + ".image_url.url");
      source.put("type", "base64").put("media_type", data.mediaType()).put("data", data.base64());
    } else if (url.startsWith("http://") || url.startsWith("https://")) {
      source.put("type", "url").put("url", url);
    } else {
      throw GatewayException.badRequest(where + ": image_url.url must be an http(s) URL or a base64 data URL");
    }
    return block;
  }

  private static ArrayNode assistantBlocks(JsonNode m, String at) throws GatewayException {
    ArrayNode blocks = thinkingBlocks(m, at);
    blocks.addAll(contentBlocks(m.get("content"), at, false));
    for (ChatToolCalls.Call call : ChatToolCalls.read(m, at, true)) {
      ObjectNode use = blocks.addObject();
      use.put("type", "tool_use").put("id", call.id()).put("name", call.name());
      use.set("input", call.arguments());
    }
    return blocks;
  }

  /** An assistant message's {@code thinking_blocks} (the extension), as the Anthropic blocks they were. */
  private static ArrayNode thinkingBlocks(JsonNode m, String at) throws GatewayException {
    ArrayNode blocks = JsonSupport.MAPPER.createArrayNode();
    JsonNode given = m.get("thinking_blocks");
    if (given == null || given.isNull()) {
      return blocks;
    }
    if (!given.isArray()) {
      throw GatewayException.badRequest(at + ".thinking_blocks must be an array of thinking blocks");
    }
    for (int i = 0; i < given.size(); i++) {
      JsonNode b = given.get(i);
      String where = at + ".thinking_blocks[" + i + "]";
      switch (b.path("type").asText("")) {
        case "thinking" -> {
          if (!b.path("thinking").isTextual() || !b.path("signature").isTextual()) {
            throw GatewayException.badRequest(where + " needs thinking and signature strings");
          }
          blocks.addObject().put("type", "thinking").put("thinking", b.get("thinking").asText())
              .put("signature", b.get("signature").asText());
        }
        case "redacted_thinking" -> {
          if (!b.path("data").isTextual()) {
            throw GatewayException.badRequest(where + " needs a data string");
          }
          blocks.addObject().put("type", "redacted_thinking").put("data", b.get("data").asText());
        }
        default -> throw GatewayException.badRequest(where + ".type must be thinking or redacted_thinking");
      }
    }
    return blocks;
  }

  private static ArrayNode toolResult(JsonNode m, String at) throws GatewayException {
    String id = m.path("tool_call_id").asText("");
    if (id.isEmpty()) {
      throw GatewayException.badRequest(at + ".tool_call_id is required for tool messages");
    }
    ArrayNode blocks = JsonSupport.MAPPER.createArrayNode();
    ObjectNode result = blocks.addObject();
    result.put("type", "tool_result").put("tool_use_id", id);
    ArrayNode content = contentBlocks(m.get("content"), at, false);
    if (content.size() == 1) {
      result.put("content", content.get(0).path("text").asText());
    } else if (!content.isEmpty()) {
      result.set("content", content);
    }
    return blocks;
  }

  private static void tools(JsonNode chat, ObjectNode out) throws GatewayException {
    List<FunctionTool> tools = ChatRequestFields.tools(chat, "Anthropic models");
    if (!tools.isEmpty()) {
      ArrayNode outTools = out.putArray("tools");
      for (int i = 0; i < tools.size(); i++) {
        FunctionTool t = tools.get(i);
        ObjectNode tool = outTools.addObject().put("name", t.name());
        if (t.description() != null) {
          tool.put("description", t.description());
        }
        tool.set("input_schema", t.parameters());
        ObjectNode marker = ChatCacheControl.of(chat.get("tools").get(i), "tools[" + i + "]");
        if (marker != null) {
          tool.set("cache_control", marker);
        }
      }
    }
    ToolChoice choice = ChatRequestFields.toolChoice(chat);
    ObjectNode tc = choice == null ? null : toolChoice(choice);
    if (ChatRequestFields.parallelToolCallsOff(chat) && !tools.isEmpty()) {
      if (tc == null) {
        tc = JsonSupport.object().put("type", "auto");
      }
      if (!(choice instanceof ToolChoice.None)) {
        tc.put("disable_parallel_tool_use", true);
      }
    }
    if (tc != null) {
      out.set("tool_choice", tc);
    }
  }

  /** Anthropic's tool_choice: auto, any (OpenAI's required), none, or one named tool. */
  private static ObjectNode toolChoice(ToolChoice choice) {
    ObjectNode tc = JsonSupport.object();
    if (choice instanceof ToolChoice.Named named) {
      return tc.put("type", "tool").put("name", named.name());
    }
    return tc.put("type", choice instanceof ToolChoice.Required ? "any"
        : choice instanceof ToolChoice.None ? "none" : "auto");
  }
}
