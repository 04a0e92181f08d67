package dev.tollgate.plugins.anthropic;

import dev.tollgate.api.JsonSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.GatewayException;
import java.util.Base64;
import java.util.Locale;

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
    copyNumber(chat, out, "temperature", "temperature");
    copyNumber(chat, out, "top_p", "top_p");
    JsonNode stop = chat.get("stop");
    if (stop != null && !stop.isNull()) {
      ArrayNode seq = out.putArray("stop_sequences");
      if (stop.isTextual()) {
        seq.add(stop.asText());
      } else if (stop.isArray()) {
        stop.forEach(s -> seq.add(s.asText()));
      } else {
        throw GatewayException.badRequest("stop must be a string or an array of strings");
      }
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

  private static void copyNumber(JsonNode from, ObjectNode to, String field, String as) throws GatewayException {
    JsonNode v = from.get(field);
    if (v == null || v.isNull()) {
      return;
    }
    if (!v.isNumber()) {
      throw GatewayException.badRequest(field + " must be a number");
    }
    to.set(as, v);
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
    if (url.startsWith("data:")) {
      int comma = url.indexOf(',');
      String meta = comma < 0 ? "" : url.substring(5, comma);
      if (comma < 0 || !meta.endsWith(";base64")) {
        throw GatewayException.badRequest(where + ": a data URL image must be base64, e.g. data:image/png;base64,...");
      }
      String mediaType = meta.substring(0, meta.length() - ";base64".length()).toLowerCase(Locale.ROOT);
      String data = url.substring(comma + 1);
      try {
        Base64.getDecoder().decode(data);
      } catch (IllegalArgumentException e) {
        throw GatewayException.badRequest(where + ": the data URL is not valid base64");
      }
      source.put("type", "base64").put("media_type", mediaType).put("data", data);
    } else if (url.startsWith("http://") || url.startsWith("https://")) {
      source.put("type", "url").put("url", url);
    } else {
      throw GatewayException.badRequest(where + ": image_url.url must be an http(s) URL or a base64 data URL");
    }
    return block;
  }

  private static ArrayNode assistantBlocks(JsonNode m, String at) throws GatewayException {
    ArrayNode blocks = contentBlocks(m.get("content"), at, false);
    JsonNode calls = m.get("tool_calls");
    if (calls == null || calls.isNull()) {
      return blocks;
    }
    for (int i = 0; i < calls.size(); i++) {
      JsonNode call = calls.get(i);
      String where = at + ".tool_calls[" + i + "]";
      String id = call.path("id").asText("");
      String name = call.path("function").path("name").asText("");
      if (id.isEmpty() || name.isEmpty()) {
        throw GatewayException.badRequest(where + " needs an id and a function.name");
      }
      String args = call.path("function").path("arguments").asText("");
      JsonNode input = args.isBlank() ? JsonSupport.object() : JsonSupport.tryParse(args);
      if (input == null || !input.isObject()) {
        throw GatewayException.badRequest(where + ".function.arguments must be a JSON object encoded as a string");
      }
      ObjectNode use = blocks.addObject();
      use.put("type", "tool_use").put("id", id).put("name", name);
      use.set("input", input);
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
    JsonNode tools = chat.get("tools");
    JsonNode choice = chat.get("tool_choice");
    boolean noParallel = chat.path("parallel_tool_calls").isBoolean() && !chat.path("parallel_tool_calls").asBoolean();
    if (tools != null && tools.isArray() && !tools.isEmpty()) {
      ArrayNode outTools = out.putArray("tools");
      for (int i = 0; i < tools.size(); i++) {
        JsonNode t = tools.get(i);
        if (!"function".equals(t.path("type").asText())) {
          throw GatewayException.badRequest("tools[" + i + "].type '" + t.path("type").asText()
              + "' is not supported for Anthropic models; use function tools");
        }
        JsonNode fn = t.path("function");
        if (fn.path("name").asText("").isEmpty()) {
          throw GatewayException.badRequest("tools[" + i + "].function.name is required");
        }
        ObjectNode tool = outTools.addObject();
        tool.put("name", fn.get("name").asText());
        if (fn.hasNonNull("description")) {
          tool.put("description", fn.get("description").asText());
        }
        JsonNode params = fn.get("parameters");
        if (params != null && params.isObject()) {
          tool.set("input_schema", params);
        } else {
          tool.putObject("input_schema").put("type", "object").putObject("properties");
        }
      }
    }
    ObjectNode tc = null;
    if (choice != null && !choice.isNull()) {
      if (choice.isTextual()) {
        tc = switch (choice.asText()) {
          case "auto" -> JsonSupport.object().put("type", "auto");
          case "required" -> JsonSupport.object().put("type", "any");
          case "none" -> JsonSupport.object().put("type", "none");
          default -> throw GatewayException.badRequest("tool_choice '" + choice.asText()
              + "' is not supported; use auto, required, none or a named function");
        };
      } else if (choice.isObject() && choice.path("function").hasNonNull("name")) {
        tc = JsonSupport.object().put("type", "tool").put("name", choice.path("function").path("name").asText());
      } else {
        throw GatewayException.badRequest("tool_choice must be auto, required, none or {\"type\":\"function\",\"function\":{\"name\":...}}");
      }
    }
    if (noParallel && out.has("tools")) {
      if (tc == null) {
        tc = JsonSupport.object().put("type", "auto");
      }
      if (!"none".equals(tc.path("type").asText())) {
        tc.put("disable_parallel_tool_use", true);
      }
    }
    if (tc != null) {
      out.set("tool_choice", tc);
    }
  }
}
