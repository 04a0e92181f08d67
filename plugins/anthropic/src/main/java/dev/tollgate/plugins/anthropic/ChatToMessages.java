package dev.tollgate.plugins.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.toolkit.DataUrl;
import dev.tollgate.toolkit.JsonSupport;
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
 * What Anthropic cannot express ({@code n > 1}, JSON response formats, audio input, non-function
 * tools) is refused with 400 rather than dropped silently.
 */
final class ChatToMessages {
  /** The output limit sent when the client gives none; Anthropic requires one. */
  static final int DEFAULT_MAX_TOKENS = 4096;

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
          for (JsonNode block : contentBlocks(m.get("content"), at, false)) {
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
    if (system.size() == 1) {
      out.put("system", system.get(0).path("text").asText());
    } else if (!system.isEmpty()) {
      out.set("system", system);
    }
    Integer limit = firstInt(chat, "max_completion_tokens", "max_tokens");
    out.put("max_tokens", limit == null ? DEFAULT_MAX_TOKENS : limit);
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
          if (!text.isEmpty()) {
            blocks.addObject().put("type", "text").put("text", text);
          }
        }
        case "image_url" -> {
          if (!imagesAllowed) {
            throw GatewayException.badRequest(where + ": images are only allowed in user messages");
          }
          JsonNode url = part.path("image_url").isTextual() ? part.path("image_url") : part.path("image_url").path("url");
          blocks.add(image(url.asText(""), where));
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
    ArrayNode blocks = contentBlocks(m.get("content"), at, false);
    for (ChatToolCalls.Call call : ChatToolCalls.read(m, at, true)) {
      ObjectNode use = blocks.addObject();
      use.put("type", "tool_use").put("id", call.id()).put("name", call.name());
      use.set("input", call.arguments());
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
      for (FunctionTool t : tools) {
        ObjectNode tool = outTools.addObject().put("name", t.name());
        if (t.description() != null) {
          tool.put("description", t.description());
        }
        tool.set("input_schema", t.parameters());
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
