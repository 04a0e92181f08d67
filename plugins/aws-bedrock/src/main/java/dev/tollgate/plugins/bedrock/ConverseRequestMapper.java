package dev.tollgate.plugins.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.toolkit.DataUrl;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.openai.ChatRequestFields;
import dev.tollgate.toolkit.openai.ChatRequestFields.FunctionTool;
import dev.tollgate.toolkit.openai.ChatRequestFields.ToolChoice;
import dev.tollgate.toolkit.openai.ChatToolCalls;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns an OpenAI chat completions request body into a Bedrock Converse request body
 * ({@code messages}, {@code system}, {@code inferenceConfig}, {@code toolConfig}). The model is
 * not part of the body: Converse takes it from the path. Stateless; every method is a pure
 * function of its input.
 */
final class ConverseRequestMapper {
  private static final Map<String, String> IMAGE_FORMATS = Map.of(
      "image/png", "png", "image/jpeg", "jpeg", "image/jpg", "jpeg", "image/gif", "gif", "image/webp", "webp");

  private ConverseRequestMapper() {
  }

  /** The Converse body for an OpenAI chat completions request body. */
  static ObjectNode toConverse(JsonNode openAi) throws GatewayException {
    ObjectNode out = JsonSupport.object();
    JsonNode messages = openAi.get("messages");
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      throw GatewayException.badRequest("'messages' must be a non-empty array");
    }
    if (openAi.path("n").isNumber() && openAi.path("n").asInt() != 1) {
      throw GatewayException.badRequest("'n' must be 1 for AWS Bedrock backends: Converse returns one choice");
    }
    ArrayNode system = JsonSupport.MAPPER.createArrayNode();
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
          toolBlocks |= !m.path("tool_calls").isEmpty();
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
    ObjectNode turn = JsonSupport.object();
    turn.put("role", role);
    turn.set("content", content);
    turns.add(turn);
  }

  /** A message's content as content parts: a string is one text part, null none. */
  private static JsonNode parts(JsonNode content, String where) throws GatewayException {
    if (content == null || content.isNull()) {
      return JsonSupport.MAPPER.createArrayNode();
    }
    if (content.isTextual()) {
      return JsonSupport.MAPPER.createArrayNode().add(JsonSupport.object().put("type", "text").put("text",
          content.asText()));
    }
    if (!content.isArray()) {
      throw GatewayException.badRequest(where + ".content must be a string or an array of content parts");
    }
    return content;
  }

  /** The text of content that may hold only text parts, joined by newlines. */
  private static String textOf(JsonNode content, String where) throws GatewayException {
    JsonNode parts = parts(content, where);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < parts.size(); i++) {
      JsonNode part = parts.get(i);
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
    JsonNode parts = parts(content, where);
    ArrayNode out = JsonSupport.MAPPER.createArrayNode();
    for (int i = 0; i < parts.size(); i++) {
      JsonNode part = parts.get(i);
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
    if (!DataUrl.isDataUrl(url)) {
      throw GatewayException.badRequest(where + ".image_url.url must be a data: URL with base64 image bytes"
          + " (data:image/png;base64,...); AWS Bedrock cannot fetch images from http(s) URLs");
    }
    DataUrl data = DataUrl.parse(url, where + ".image_url.url");
    String format = IMAGE_FORMATS.get(data.mediaType());
    if (format == null) {
      throw GatewayException.badRequest(where + ".image_url has media type '" + data.mediaType()
          + "'; AWS Bedrock accepts image/png, image/jpeg, image/gif and image/webp");
    }
    ObjectNode block = JsonSupport.object();
    ObjectNode image = block.putObject("image");
    image.put("format", format);
    image.putObject("source").put("bytes", data.base64());
    return block;
  }

  private static ArrayNode assistantContent(JsonNode m, String where) throws GatewayException {
    ArrayNode out = JsonSupport.MAPPER.createArrayNode();
    addText(out, textOf(m.get("content"), where));
    for (ChatToolCalls.Call call : ChatToolCalls.read(m, where, true)) {
      ObjectNode toolUse = out.addObject().putObject("toolUse");
      toolUse.put("toolUseId", call.id());
      toolUse.put("name", call.name());
      toolUse.set("input", call.arguments());
    }
    return out;
  }

  private static ArrayNode toolResult(JsonNode m, String where) throws GatewayException {
    ArrayNode out = JsonSupport.MAPPER.createArrayNode();
    ObjectNode result = out.addObject().putObject("toolResult");
    result.put("toolUseId", ChatToolCalls.resultId(m, where));
    String text = textOf(m.get("content"), where);
    // Converse needs at least one content block; an empty result is sent as a single space.
    result.putArray("content").addObject().put("text", text.isEmpty() ? " " : text);
    return out;
  }

  private static ObjectNode inferenceConfig(JsonNode r) throws GatewayException {
    ObjectNode inf = JsonSupport.object();
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
    List<String> stop = ChatRequestFields.stop(r);
    if (!stop.isEmpty()) {
      stop.forEach(inf.putArray("stopSequences")::add);
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
    List<FunctionTool> tools = ChatRequestFields.tools(r, "AWS Bedrock backends");
    if (tools.isEmpty()) {
      return null;
    }
    ToolChoice choice = ChatRequestFields.toolChoice(r);
    if (choice instanceof ToolChoice.None && !conversationHasToolBlocks) {
      return null;
    }
    ObjectNode config = JsonSupport.object();
    ArrayNode specs = config.putArray("tools");
    for (FunctionTool tool : tools) {
      ObjectNode spec = specs.addObject().putObject("toolSpec");
      spec.put("name", tool.name());
      if (tool.description() != null) {
        spec.put("description", tool.description());
      }
      spec.putObject("inputSchema").set("json", tool.parameters());
    }
    ObjectNode toolChoice = JsonSupport.object();
    if (choice instanceof ToolChoice.Auto) {
      toolChoice.putObject("auto");
    } else if (choice instanceof ToolChoice.Required) {
      toolChoice.putObject("any");
    } else if (choice instanceof ToolChoice.Named named) {
      toolChoice.putObject("tool").put("name", named.name());
    }
    if (!toolChoice.isEmpty()) {
      config.set("toolChoice", toolChoice);
    }
    return config;
  }
}
