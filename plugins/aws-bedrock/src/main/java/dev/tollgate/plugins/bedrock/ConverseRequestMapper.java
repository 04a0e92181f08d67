package dev.tollgate.plugins.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.toolkit.DataUrl;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.openai.ChatCacheControl;
import dev.tollgate.toolkit.openai.ChatReasoning;
import dev.tollgate.toolkit.openai.ChatRequestFields;
import dev.tollgate.toolkit.openai.ChatRequestFields.FunctionTool;
import dev.tollgate.toolkit.openai.ChatRequestFields.ToolChoice;
import dev.tollgate.toolkit.openai.ChatToolCalls;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns an OpenAI chat completions request body into a Bedrock Converse request body
 * ({@code messages}, {@code system}, {@code inferenceConfig}, {@code toolConfig}). The model is
 * not part of the body: Converse takes it from the path. Stateless; every method is a pure
 * function of its input.
 *
 * <p>Reasoning and prompt caching (see {@link dev.tollgate.toolkit.PivotExtensions}), which
 * Converse passes to the model in {@code additionalModelRequestFields}, chosen by the model id:
 * <ul>
 *   <li>Anthropic Claude models (the id contains {@code claude}): {@code reasoning_effort} or the
 *       extension {@code thinking} → {@code thinking: {type: enabled, budget_tokens}} (budgets as
 *       {@link ChatReasoning}); {@code inferenceConfig.maxTokens} must exceed the budget (with no
 *       client limit it is the budget plus 4096; an effort's budget is cut to half a smaller
 *       limit, at least 1024); Claude allows no temperature other than 1 and no {@code top_p}
 *       below 0.95 with thinking (400s).</li>
 *   <li>Amazon Nova models (the id contains {@code nova}): {@code reasoningConfig: {type: enabled,
 *       maxReasoningEffort: low|medium|high}} (from the effort, or from the thinking budget).</li>
 *   <li>Other models: reasoning is a 400 naming the models that can.</li>
 *   <li>an assistant message's {@code thinking_blocks} → leading {@code reasoningContent} blocks
 *       (text and signature, or redacted content), which Claude needs back with tool results;</li>
 *   <li>{@code cache_control} on a content part, message or tool → a
 *       {@code {"cachePoint":{"type":"default"}}} block after the marked content: in the turn's
 *       content, in {@code system} (after the marked system message's text) or in
 *       {@code toolConfig.tools} (after the marked tool).</li>
 * </ul>
 */
final class ConverseRequestMapper {
  private static final Map<String, String> IMAGE_FORMATS = Map.of(
      "image/png", "png", "image/jpeg", "jpeg", "image/jpg", "jpeg", "image/gif", "gif", "image/webp", "webp");

  /** Claude's smallest thinking budget, and the output room given above a budget when the client sets no limit. */
  private static final int MIN_THINKING_BUDGET = 1024;
  private static final int ANSWER_ROOM = 4096;

  private ConverseRequestMapper() {
  }

  /** The Converse body for an OpenAI chat completions request body, for a model not known (no reasoning). */
  static ObjectNode toConverse(JsonNode openAi) throws GatewayException {
    return toConverse(openAi, "");
  }

  /** The Converse body for an OpenAI chat completions request body to model {@code modelId}. */
  static ObjectNode toConverse(JsonNode openAi, String modelId) throws GatewayException {
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
            if (ChatCacheControl.of(m, where) != null || anyPartMarked(m.get("content"), where)) {
              system.add(cachePoint());
            }
          }
        }
        case "user" -> append(turns, "user", markEnd(userContent(m.get("content"), where), m, where));
        case "assistant" -> {
          ArrayNode content = markEnd(assistantContent(m, where), m, where);
          toolBlocks |= !m.path("tool_calls").isEmpty();
          append(turns, "assistant", content);
        }
        case "tool" -> {
          append(turns, "user", markEnd(toolResult(m, where), m, where));
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
    ObjectNode additional = reasoning(openAi, modelId, inference);
    if (!inference.isEmpty()) {
      out.set("inferenceConfig", inference);
    }
    if (additional != null) {
      out.set("additionalModelRequestFields", additional);
    }
    ObjectNode toolConfig = toolConfig(openAi, toolBlocks);
    if (toolConfig != null) {
      out.set("toolConfig", toolConfig);
    }
    return out;
  }

  /** {@code {"cachePoint":{"type":"default"}}}. */
  static ObjectNode cachePoint() {
    ObjectNode block = JsonSupport.object();
    block.putObject("cachePoint").put("type", "default");
    return block;
  }

  /** A message's cache_control as a cache point after its content. */
  private static ArrayNode markEnd(ArrayNode content, JsonNode m, String where) throws GatewayException {
    if (ChatCacheControl.of(m, where) != null && !content.isEmpty()
        && !content.get(content.size() - 1).has("cachePoint")) {
      content.add(cachePoint());
    }
    return content;
  }

  private static boolean anyPartMarked(JsonNode content, String where) throws GatewayException {
    if (content == null || !content.isArray()) {
      return false;
    }
    for (int i = 0; i < content.size(); i++) {
      if (ChatCacheControl.of(content.get(i), where + ".content[" + i + "]") != null) {
        return true;
      }
    }
    return false;
  }

  /**
   * The model's reasoning fields ({@code additionalModelRequestFields}), null when the request
   * asks for no reasoning; fits {@code inference.maxTokens} above a Claude budget.
   */
  private static ObjectNode reasoning(JsonNode r, String modelId, ObjectNode inference) throws GatewayException {
    ChatReasoning reasoning = ChatReasoning.read(r);
    if (reasoning == null) {
      return null;
    }
    String id = modelId.toLowerCase(Locale.ROOT);
    ObjectNode fields = JsonSupport.object();
    if (id.contains("claude")) {
      int budget = reasoning.budgetTokens();
      boolean explicit = r.hasNonNull("thinking");
      if (inference.has("maxTokens")) {
        int limit = inference.get("maxTokens").asInt();
        if (limit <= budget) {
          if (explicit) {
            throw GatewayException.badRequest("max_tokens (" + limit + ") must be larger than thinking.budget_tokens ("
                + budget + ") for Claude models on AWS Bedrock");
          }
          budget = limit / 2;
          if (budget < MIN_THINKING_BUDGET) {
            throw GatewayException.badRequest("max_completion_tokens must be at least " + 2 * MIN_THINKING_BUDGET
                + " with reasoning_effort for Claude models on AWS Bedrock; raise it or leave reasoning_effort out");
          }
        }
      } else {
        inference.put("maxTokens", budget + ANSWER_ROOM);
      }
      if (inference.has("temperature") && inference.get("temperature").asDouble() != 1.0) {
        throw GatewayException.badRequest("temperature cannot be set with reasoning on Claude models"
            + " (thinking allows only 1); leave it out or leave out reasoning_effort/thinking");
      }
      if (inference.has("topP") && inference.get("topP").asDouble() < 0.95) {
        throw GatewayException.badRequest("top_p must be between 0.95 and 1 with reasoning on Claude models");
      }
      fields.putObject("thinking").put("type", "enabled").put("budget_tokens", budget);
    } else if (id.contains("nova")) {
      fields.putObject("reasoningConfig").put("type", "enabled").put("maxReasoningEffort", reasoning.effort());
    } else {
      throw GatewayException.badRequest((r.hasNonNull("thinking") ? "thinking" : "reasoning_effort")
          + " is supported on AWS Bedrock backends for Anthropic Claude and Amazon Nova models; '" + modelId
          + "' is neither");
    }
    return fields;
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
      if (ChatCacheControl.of(part, partWhere) != null && !out.isEmpty()) {
        out.add(cachePoint());
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
    ArrayNode out = reasoningBlocks(m, where);
    addText(out, textOf(m.get("content"), where));
    if (!out.isEmpty() && anyPartMarked(m.get("content"), where)) {
      out.add(cachePoint());
    }
    for (ChatToolCalls.Call call : ChatToolCalls.read(m, where, true)) {
      ObjectNode toolUse = out.addObject().putObject("toolUse");
      toolUse.put("toolUseId", call.id());
      toolUse.put("name", call.name());
      toolUse.set("input", call.arguments());
    }
    return out;
  }

  /**
   * An assistant message's {@code thinking_blocks} (the extension, as Tollgate's chat answers carry
   * them) as Converse {@code reasoningContent} blocks: text with its signature, or redacted content.
   */
  private static ArrayNode reasoningBlocks(JsonNode m, String where) throws GatewayException {
    ArrayNode out = JsonSupport.MAPPER.createArrayNode();
    JsonNode given = m.get("thinking_blocks");
    if (given == null || given.isNull()) {
      return out;
    }
    if (!given.isArray()) {
      throw GatewayException.badRequest(where + ".thinking_blocks must be an array of thinking blocks");
    }
    for (int i = 0; i < given.size(); i++) {
      JsonNode b = given.get(i);
      String at = where + ".thinking_blocks[" + i + "]";
      ObjectNode rc = out.addObject().putObject("reasoningContent");
      switch (b.path("type").asText("")) {
        case "thinking" -> {
          if (!b.path("thinking").isTextual() || !b.path("signature").isTextual()) {
            throw GatewayException.badRequest(at + " needs thinking and signature strings");
          }
          rc.putObject("reasoningText").put("text", b.get("thinking").asText())
              .put("signature", b.get("signature").asText());
        }
        case "redacted_thinking" -> {
          if (!b.path("data").isTextual()) {
            throw GatewayException.badRequest(at + " needs a data string");
          }
          rc.put("redactedContent", b.get("data").asText());
        }
        default -> throw GatewayException.badRequest(at + ".type must be thinking or redacted_thinking");
      }
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
    for (int i = 0; i < tools.size(); i++) {
      FunctionTool tool = tools.get(i);
      ObjectNode spec = specs.addObject().putObject("toolSpec");
      spec.put("name", tool.name());
      if (tool.description() != null) {
        spec.put("description", tool.description());
      }
      spec.putObject("inputSchema").set("json", tool.parameters());
      if (ChatCacheControl.of(r.get("tools").get(i), "tools[" + i + "]") != null) {
        specs.add(cachePoint());
      }
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
