package dev.tollgate.plugins.bedrock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.GatewayException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns an OpenAI chat completions request body into a Bedrock Converse request body
 * ({@code messages}, {@code system}, {@code inferenceConfig}, {@code toolConfig}). The model is
 * not part of the body: Converse takes it from the path. Stateless; every method is a pure
 * function of its input.
 */
final class ConverseRequestMapper {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Map<String, String> IMAGE_FORMATS = Map.of(
      "image/png", "png", "image/jpeg", "jpeg", "image/jpg", "jpeg", "image/gif", "gif", "image/webp", "webp");

  private ConverseRequestMapper() {
  }

  /** The Converse body for an OpenAI chat completions request body. */
  static ObjectNode toConverse(JsonNode openAi) throws GatewayException {
    ObjectNode out = NODES.objectNode();
    JsonNode messages = openAi.get("messages");
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      throw GatewayException.badRequest("'messages' must be a non-empty array");
    }
    if (openAi.path("n").isNumber() && openAi.path("n").asInt() != 1) {
      throw GatewayException.badRequest("'n' must be 1 for AWS Bedrock backends: Converse returns one choice");
    }
    ArrayNode system = NODES.arrayNode();
    List<ObjectNode> turns = new ArrayList<>();
    boolean toolBlocks = false;
    for (int i = 0; i < messages.size(); i++) {
      JsonNode m = messages.get(i);
      String where = "messages[" + i + "]";
      String role = m.path("role").asText("");
      switch (role) {
        case "system", "developer" -> {
          String text = textOf(m.get("content"), where);
          if (!text.isEmpty()) {
            system.addObject().put("text", text);
          }
        }
        case "user" -> append(turns, "user", userContent(m.get("content"), where));
        case "assistant" -> {
          ArrayNode content = assistantContent(m, where);
          toolBlocks |= m.has("tool_calls") && m.get("tool_calls").size() > 0;
          append(turns, "assistant", content);
        }
        case "tool" -> {
          append(turns, "user", toolResult(m, where));
          toolBlocks = true;
        }
        default -> throw GatewayException.badRequest(where + ".role '" + role
            + "' is not supported; use system, developer, user, assistant or tool");
      }
    }
    if (turns.isEmpty()) {
      throw GatewayException.badRequest("'messages' has no user or assistant content to send");
    }
    ArrayNode msgs = out.putArray("messages");
    turns.forEach(msgs::add);
    if (!system.isEmpty()) {
      out.set("system", system);
    }
    ObjectNode inference = inferenceConfig(openAi);
    if (!inference.isEmpty()) {
      out.set("inferenceConfig", inference);
    }
    ObjectNode toolConfig = toolConfig(openAi, toolBlocks);
    if (toolConfig != null) {
      out.set("toolConfig", toolConfig);
    }
    return out;
  }

  /** Appends content to the last turn when it has the same role (Bedrock requires alternating roles). */
  private static void append(List<ObjectNode> turns, String role, ArrayNode content) {
    if (content.isEmpty()) {
      return;
    }
    ObjectNode last = turns.isEmpty() ? null : turns.get(turns.size() - 1);
    if (last != null && last.path("role").asText().equals(role)) {
      ((ArrayNode) last.get("content")).addAll(content);
      return;
    }
    ObjectNode turn = NODES.objectNode();
    turn.put("role", role);
    turn.set("content", content);
    turns.add(turn);
  }

  private static String textOf(JsonNode content, String where) throws GatewayException {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isTextual()) {
      return content.asText();
    }
    if (!content.isArray()) {
      throw GatewayException.badRequest(where + ".content must be a string or an array of content parts");
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < content.size(); i++) {
      JsonNode part = content.get(i);
      if (!"text".equals(part.path("type").asText())) {
        throw GatewayException.badRequest(where + ".content[" + i + "] of type '" + part.path("type").asText()
            + "' is not supported here; only text parts are");
      }
      if (sb.length() > 0) {
        sb.append('\n');
      }
      sb.append(part.path("text").asText());
    }
    return sb.toString();
  }

  private static ArrayNode userContent(JsonNode content, String where) throws GatewayException {
    ArrayNode out = NODES.arrayNode();
    if (content == null || content.isNull()) {
      return out;
    }
    if (content.isTextual()) {
      addText(out, content.asText());
      return out;
    }
    if (!content.isArray()) {
      throw GatewayException.badRequest(where + ".content must be a string or an array of content parts");
    }
    for (int i = 0; i < content.size(); i++) {
      JsonNode part = content.get(i);
      String partWhere = where + ".content[" + i + "]";
      String type = part.path("type").asText();
      switch (type) {
        case "text" -> addText(out, part.path("text").asText());
        case "image_url" -> out.add(image(part.path("image_url"), partWhere));
        default -> throw GatewayException.badRequest(partWhere + " of type '" + type
            + "' is not supported by AWS Bedrock backends; use text or image_url parts");
      }
    }
    return out;
  }

  private static void addText(ArrayNode out, String text) {
    // Converse rejects blank text blocks; an empty string carries nothing.
    if (!text.isEmpty()) {
      out.addObject().put("text", text);
    }
  }

  /** {@code data:image/png;base64,....} → {@code {"image":{"format":"png","source":{"bytes":"...."}}}}. */
  static ObjectNode image(JsonNode imageUrl, String where) throws GatewayException {
    String url = imageUrl.isTextual() ? imageUrl.asText() : imageUrl.path("url").asText("");
    if (!url.startsWith("data:")) {
      throw GatewayException.badRequest(where + ".image_url.url must be a data: URL with base64 image bytes"
          + " (data:image/png;base64,...); AWS Bedrock cannot fetch images from http(s) URLs");
    }
    int comma = url.indexOf(',');
    String meta = comma < 0 ? "" : url.substring(5, comma).toLowerCase(Locale.ROOT);
    if (comma < 0 || !meta.endsWith(";base64")) {
      throw GatewayException.badRequest(where + ".image_url.url must be a base64 data: URL (data:image/png;base64,...)");
    }
    String mime = meta.substring(0, meta.length() - ";base64".length());
    String format = IMAGE_FORMATS.get(mime);
    if (format == null) {
      throw GatewayException.badRequest(where + ".image_url has media type '" + mime
          + "'; AWS Bedrock accepts image/png, image/jpeg, image/gif and image/webp");
    }
    String data = url.substring(comma + 1);
    try {
      java.util.Base64.getDecoder().decode(data);
    } catch (IllegalArgumentException e) {
      throw GatewayException.badRequest(where + ".image_url.url does not hold valid base64 data");
    }
    ObjectNode block = NODES.objectNode();
    ObjectNode image = block.putObject("image");
    image.put("format", format);
    image.putObject("source").put("bytes", data);
    return block;
  }

  private static ArrayNode assistantContent(JsonNode m, String where) throws GatewayException {
    ArrayNode out = NODES.arrayNode();
    addText(out, textOf(m.get("content"), where));
    JsonNode calls = m.get("tool_calls");
    if (calls == null || calls.isNull()) {
      return out;
    }
    if (!calls.isArray()) {
      throw GatewayException.badRequest(where + ".tool_calls must be an array");
    }
    for (int i = 0; i < calls.size(); i++) {
      JsonNode call = calls.get(i);
      String callWhere = where + ".tool_calls[" + i + "]";
      String id = call.path("id").asText("");
      String name = call.path("function").path("name").asText("");
      if (id.isEmpty() || name.isEmpty()) {
        throw GatewayException.badRequest(callWhere + " needs an id and a function.name");
      }
      ObjectNode toolUse = out.addObject().putObject("toolUse");
      toolUse.put("toolUseId", id);
      toolUse.put("name", name);
      toolUse.set("input", arguments(call.path("function").get("arguments"), callWhere));
    }
    return out;
  }

  private static JsonNode arguments(JsonNode args, String where) throws GatewayException {
    if (args == null || args.isNull() || (args.isTextual() && args.asText().isBlank())) {
      return NODES.objectNode();
    }
    if (args.isObject()) {
      return args;
    }
    try {
      JsonNode parsed = JSON.readTree(args.asText());
      if (parsed == null || !parsed.isObject()) {
        throw GatewayException.badRequest(where + ".function.arguments must encode a JSON object");
      }
      return parsed;
    } catch (JsonProcessingException e) {
      throw GatewayException.badRequest(where + ".function.arguments is not valid JSON");
    }
  }

  private static ArrayNode toolResult(JsonNode m, String where) throws GatewayException {
    String id = m.path("tool_call_id").asText("");
    if (id.isEmpty()) {
      throw GatewayException.badRequest(where + ".tool_call_id is required for tool messages");
    }
    ArrayNode out = NODES.arrayNode();
    ObjectNode result = out.addObject().putObject("toolResult");
    result.put("toolUseId", id);
    String text = textOf(m.get("content"), where);
    // Converse needs at least one content block; an empty result is sent as a single space.
    result.putArray("content").addObject().put("text", text.isEmpty() ? " " : text);
    return out;
  }

  private static ObjectNode inferenceConfig(JsonNode r) throws GatewayException {
    ObjectNode inf = NODES.objectNode();
    JsonNode maxTokens = r.hasNonNull("max_completion_tokens") ? r.get("max_completion_tokens") : r.get("max_tokens");
    if (maxTokens != null && !maxTokens.isNull()) {
      if (!maxTokens.canConvertToInt() || maxTokens.asInt() < 1) {
        throw GatewayException.badRequest("max_tokens must be a positive whole number");
      }
      inf.put("maxTokens", maxTokens.asInt());
    }
    if (r.hasNonNull("temperature")) {
      inf.set("temperature", number(r.get("temperature"), "temperature"));
    }
    if (r.hasNonNull("top_p")) {
      inf.set("topP", number(r.get("top_p"), "top_p"));
    }
    JsonNode stop = r.get("stop");
    if (stop != null && !stop.isNull()) {
      ArrayNode seq = NODES.arrayNode();
      if (stop.isTextual()) {
        seq.add(stop.asText());
      } else if (stop.isArray()) {
        for (JsonNode s : stop) {
          if (!s.isTextual()) {
            throw GatewayException.badRequest("stop must be a string or an array of strings");
          }
          seq.add(s.asText());
        }
      } else {
        throw GatewayException.badRequest("stop must be a string or an array of strings");
      }
      if (!seq.isEmpty()) {
        inf.set("stopSequences", seq);
      }
    }
    return inf;
  }

  private static JsonNode number(JsonNode n, String field) throws GatewayException {
    if (!n.isNumber()) {
      throw GatewayException.badRequest(field + " must be a number");
    }
    return n;
  }

  /**
   * {@code tools} → {@code toolConfig.tools[].toolSpec}; {@code tool_choice} auto/required/named →
   * {@code auto}/{@code any}/{@code tool}. Converse has no "none": the tools are left out then,
   * unless the conversation already holds tool blocks (Converse requires a toolConfig for those),
   * in which case they are sent without a toolChoice.
   */
  private static ObjectNode toolConfig(JsonNode r, boolean conversationHasToolBlocks) throws GatewayException {
    JsonNode tools = r.get("tools");
    if (tools == null || tools.isNull() || (tools.isArray() && tools.isEmpty())) {
      return null;
    }
    if (!tools.isArray()) {
      throw GatewayException.badRequest("tools must be an array");
    }
    JsonNode choice = r.get("tool_choice");
    boolean none = choice != null && choice.isTextual() && choice.asText().equals("none");
    if (none && !conversationHasToolBlocks) {
      return null;
    }
    ObjectNode config = NODES.objectNode();
    ArrayNode specs = config.putArray("tools");
    for (int i = 0; i < tools.size(); i++) {
      JsonNode t = tools.get(i);
      String where = "tools[" + i + "]";
      if (!"function".equals(t.path("type").asText("function"))) {
        throw GatewayException.badRequest(where + ".type '" + t.path("type").asText()
            + "' is not supported by AWS Bedrock backends; only function tools are");
      }
      JsonNode fn = t.path("function");
      String name = fn.path("name").asText("");
      if (name.isEmpty()) {
        throw GatewayException.badRequest(where + ".function.name is required");
      }
      ObjectNode spec = specs.addObject().putObject("toolSpec");
      spec.put("name", name);
      if (fn.hasNonNull("description")) {
        spec.put("description", fn.get("description").asText());
      }
      JsonNode params = fn.get("parameters");
      if (params == null || params.isNull()) {
        ObjectNode empty = NODES.objectNode();
        empty.put("type", "object");
        empty.putObject("properties");
        params = empty;
      }
      spec.putObject("inputSchema").set("json", params);
    }
    if (choice != null && !choice.isNull() && !none) {
      ObjectNode tc = NODES.objectNode();
      if (choice.isTextual()) {
        switch (choice.asText()) {
          case "auto" -> tc.putObject("auto");
          case "required" -> tc.putObject("any");
          default -> throw GatewayException.badRequest("tool_choice '" + choice.asText()
              + "' is not supported; use auto, required, none or a named function");
        }
      } else {
        String name = choice.path("function").path("name").asText("");
        if (name.isEmpty()) {
          throw GatewayException.badRequest("tool_choice must name a function: {\"type\":\"function\",\"function\":{\"name\":...}}");
        }
        tc.putObject("tool").put("name", name);
      }
      config.set("toolChoice", tc);
    }
    return config;
  }
}
