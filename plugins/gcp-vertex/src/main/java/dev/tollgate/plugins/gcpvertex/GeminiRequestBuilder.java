package dev.tollgate.plugins.gcpvertex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.toolkit.DataUrl;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.PivotExtensions;
import dev.tollgate.toolkit.openai.ChatReasoning;
import dev.tollgate.toolkit.openai.ChatRequestFields;
import dev.tollgate.toolkit.openai.ChatRequestFields.FunctionTool;
import dev.tollgate.toolkit.openai.ChatRequestFields.ToolChoice;
import dev.tollgate.toolkit.openai.ChatRequestNumbers;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns an OpenAI chat completions request body into a Gemini {@code GenerateContentRequest}
 * (Vertex AI). Requests that Gemini cannot express fail with a 400 naming the offending field.
 * OpenAI parameters without a Gemini counterpart (e.g. {@code logit_bias}, {@code user},
 * {@code parallel_tool_calls}) are not sent.
 *
 * <p>Reasoning and prompt caching (see {@link PivotExtensions}): {@code reasoning_effort} (budgets
 * as {@link ChatReasoning}: minimal and low 1024, medium 4096, high 16384), or the extension
 * {@code thinking} (its {@code budget_tokens}; it takes precedence; {@code disabled} sends budget
 * 0), becomes {@code generationConfig.thinkingConfig: {thinkingBudget, includeThoughts: true}}, so
 * that thought summaries come back as {@code reasoning_content}; {@code reasoning_effort: none}
 * sends budget 0. The extension {@code cached_content} (or {@code cachedContent}), the name of a
 * Vertex AI {@code cachedContents} resource, becomes the request's {@code cachedContent};
 * {@code cache_control} markers are accepted and not sent (Gemini caches implicitly).
 */
final class GeminiRequestBuilder {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private GeminiRequestBuilder() {
  }

  /** The Gemini request for the OpenAI request {@code in}. */
  static ObjectNode build(JsonNode in) throws GatewayException {
    ObjectNode out = NODES.objectNode();
    JsonNode messages = in.get("messages");
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      throw GatewayException.badRequest("messages must be a non-empty array");
    }
    Map<String, String> toolNamesById = new HashMap<>();
    ArrayNode contents = NODES.arrayNode();
    ArrayNode system = NODES.arrayNode();
    ObjectNode pendingToolResults = null;
    for (int i = 0; i < messages.size(); i++) {
      JsonNode m = messages.get(i);
      String at = "messages[" + i + "]";
      if (!m.isObject()) {
        throw GatewayException.badRequest(at + " must be an object");
      }
      String role = m.path("role").asText("");
      if (!role.equals("tool") && !role.equals("function")) {
        pendingToolResults = null;
      }
      switch (role) {
        case "system", "developer" -> {
          String text = textOnly(m.get("content"), at);
          if (!text.isEmpty()) {
            system.addObject().put("text", text);
          }
        }
        case "user" -> contents.add(content("user", userParts(m.get("content"), at)));
        case "assistant" -> {
          ArrayNode parts = assistantParts(m, at, toolNamesById);
          if (!parts.isEmpty()) {
            contents.add(content("model", parts));
          }
        }
        case "tool", "function" -> {
          ObjectNode part = functionResponse(m, at, role, toolNamesById);
          // Consecutive tool results answer one model turn: Gemini wants them in one content.
          if (pendingToolResults == null) {
            pendingToolResults = content("user", NODES.arrayNode());
            contents.add(pendingToolResults);
          }
          ((ArrayNode) pendingToolResults.get("parts")).add(part);
        }
        default -> throw GatewayException.badRequest(at + ".role '" + role
            + "' is not supported; use system, developer, user, assistant or tool");
      }
    }
    if (contents.isEmpty()) {
      throw GatewayException.badRequest("messages need at least one user or assistant message for Gemini");
    }
    out.set("contents", contents);
    if (!system.isEmpty()) {
      out.putObject("systemInstruction").set("parts", system);
    }
    tools(in, out);
    cachedContent(in, out);
    ObjectNode generation = generationConfig(in);
    thinking(in, generation);
    if (!generation.isEmpty()) {
      out.set("generationConfig", generation);
    }
    return out;
  }

  private static void cachedContent(JsonNode in, ObjectNode out) throws GatewayException {
    for (String field : new String[] {PivotExtensions.CACHED_CONTENT, PivotExtensions.CACHED_CONTENT_CAMEL}) {
      JsonNode name = in.get(field);
      if (name == null || name.isNull()) {
        continue;
      }
      if (!name.isTextual() || name.asText().isBlank()) {
        throw GatewayException.badRequest(field + " must be the name of a Vertex AI cachedContents resource"
            + " (projects/{project}/locations/{region}/cachedContents/{id})");
      }
      out.put("cachedContent", name.asText());
      return;
    }
  }

  /** {@code thinkingConfig} for the reasoning asked for; none when the request says nothing of it. */
  private static void thinking(JsonNode in, ObjectNode generation) throws GatewayException {
    boolean asked = in.hasNonNull(PivotExtensions.THINKING) || in.hasNonNull(PivotExtensions.REASONING_EFFORT);
    if (!asked) {
      return;
    }
    ChatReasoning reasoning = ChatReasoning.read(in);
    ObjectNode config = generation.putObject("thinkingConfig");
    if (reasoning == null) {
      config.put("thinkingBudget", 0);
    } else {
      config.put("thinkingBudget", reasoning.budgetTokens());
      config.put("includeThoughts", true);
    }
  }

  private static ObjectNode content(String role, ArrayNode parts) {
    ObjectNode c = NODES.objectNode();
    c.put("role", role);
    c.set("parts", parts);
    return c;
  }

  /** Text of a system message: a string or text parts. */
  private static String textOnly(JsonNode content, String at) throws GatewayException {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isTextual()) {
      return content.asText();
    }
    if (!content.isArray()) {
      throw GatewayException.badRequest(at + ".content must be a string or an array of parts");
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < content.size(); i++) {
      JsonNode p = content.get(i);
      if (!"text".equals(p.path("type").asText())) {
        throw GatewayException.badRequest(at + ".content[" + i + "] must be a text part in a system message");
      }
      if (sb.length() > 0) {
        sb.append('\n');
      }
      sb.append(p.path("text").asText());
    }
    return sb.toString();
  }

  private static ArrayNode userParts(JsonNode content, String at) throws GatewayException {
    ArrayNode parts = NODES.arrayNode();
    if (content == null || content.isNull()) {
      throw GatewayException.badRequest(at + ".content is required for a user message");
    }
    if (content.isTextual()) {
      parts.addObject().put("text", content.asText());
      return parts;
    }
    if (!content.isArray()) {
      throw GatewayException.badRequest(at + ".content must be a string or an array of parts");
    }
    for (int i = 0; i < content.size(); i++) {
      JsonNode p = content.get(i);
      String pat = at + ".content[" + i + "]";
      String type = p.path("type").asText("");
      switch (type) {
        case "text" -> parts.addObject().put("text", p.path("text").asText());
        case "image_url" -> {
          JsonNode url = p.path("image_url").path("url");
          if (!url.isTextual() || url.asText().isBlank()) {
            throw GatewayException.badRequest(pat + ".image_url.url is required");
          }
          parts.add(media(url.asText(), pat + ".image_url.url"));
        }
        case "input_audio" -> {
          String data = p.path("input_audio").path("data").asText("");
          String format = p.path("input_audio").path("format").asText("");
          if (data.isEmpty() || format.isEmpty()) {
            throw GatewayException.badRequest(pat + ".input_audio needs data and format");
          }
          ObjectNode inline = parts.addObject().putObject("inlineData");
          inline.put("mimeType", "audio/" + format.toLowerCase(Locale.ROOT));
          inline.put("data", data);
        }
        default -> throw GatewayException.badRequest(pat + ".type '" + type
            + "' is not supported for Gemini; use text, image_url or input_audio");
      }
    }
    return parts;
  }

  /** A {@code data:} URL becomes inline data; any other URL a file reference. */
  static ObjectNode media(String url, String at) throws GatewayException {
    ObjectNode part = NODES.objectNode();
    if (DataUrl.isDataUrl(url)) {
      DataUrl data = DataUrl.parse(url, at);
      ObjectNode inline = part.putObject("inlineData");
      inline.put("mimeType", data.mediaType().isEmpty() ? "application/octet-stream" : data.mediaType());
      inline.put("data", data.base64());
      return part;
    }
    ObjectNode file = part.putObject("fileData");
    file.put("mimeType", guessMimeType(url));
    file.put("fileUri", url);
    return part;
  }

  /** The MIME type from the file name's extension; images are the common case, so JPEG is the fallback. */
  static String guessMimeType(String url) {
    String path = url;
    int cut = indexOfAny(path, '?', '#');
    if (cut >= 0) {
      path = path.substring(0, cut);
    }
    int dot = path.lastIndexOf('.');
    String ext = dot < 0 || dot < path.lastIndexOf('/') ? "" : path.substring(dot + 1).toLowerCase(Locale.ROOT);
    return switch (ext) {
      case "png" -> "image/png";
      case "gif" -> "image/gif";
      case "webp" -> "image/webp";
      case "heic" -> "image/heic";
      case "heif" -> "image/heif";
      case "pdf" -> "application/pdf";
      case "mp3" -> "audio/mp3";
      case "wav" -> "audio/wav";
      case "flac" -> "audio/flac";
      case "mp4" -> "video/mp4";
      case "mov" -> "video/mov";
      case "webm" -> "video/webm";
      case "txt" -> "text/plain";
      default -> "image/jpeg";
    };
  }

  private static int indexOfAny(String s, char a, char b) {
    int i = s.indexOf(a);
    int j = s.indexOf(b);
    return i < 0 ? j : j < 0 ? i : Math.min(i, j);
  }

  private static ArrayNode assistantParts(JsonNode m, String at, Map<String, String> toolNamesById)
      throws GatewayException {
    ArrayNode parts = NODES.arrayNode();
    JsonNode content = m.get("content");
    if (content != null && !content.isNull()) {
      String text = content.isTextual() ? content.asText() : assistantText(content, at);
      if (!text.isEmpty()) {
        parts.addObject().put("text", text);
      }
    }
    JsonNode calls = m.get("tool_calls");
    if (calls != null && !calls.isNull()) {
      if (!calls.isArray()) {
        throw GatewayException.badRequest(at + ".tool_calls must be an array");
      }
      for (int j = 0; j < calls.size(); j++) {
        JsonNode call = calls.get(j);
        String cat = at + ".tool_calls[" + j + "]";
        String name = call.path("function").path("name").asText("");
        if (name.isEmpty()) {
          throw GatewayException.badRequest(cat + ".function.name is required");
        }
        String id = call.path("id").asText("");
        if (!id.isEmpty()) {
          toolNamesById.put(id, name);
        }
        ObjectNode fc = parts.addObject().putObject("functionCall");
        fc.put("name", name);
        fc.set("args", arguments(call.path("function").path("arguments"), cat + ".function.arguments"));
      }
    }
    return parts;
  }

  private static String assistantText(JsonNode content, String at) throws GatewayException {
    if (!content.isArray()) {
      throw GatewayException.badRequest(at + ".content must be a string or an array of parts");
    }
    StringBuilder sb = new StringBuilder();
    for (JsonNode p : content) {
      String type = p.path("type").asText("");
      if (type.equals("text")) {
        sb.append(p.path("text").asText());
      } else if (!type.equals("refusal")) {
        throw GatewayException.badRequest(at + ".content may only hold text parts in an assistant message");
      }
    }
    return sb.toString();
  }

  /** Function call arguments: a JSON-encoded object in OpenAI, an object in Gemini. */
  private static JsonNode arguments(JsonNode args, String at) throws GatewayException {
    if (args.isMissingNode() || args.isNull() || (args.isTextual() && args.asText().isBlank())) {
      return NODES.objectNode();
    }
    if (args.isObject()) {
      return args;
    }
    JsonNode parsed = JsonSupport.tryParse(args.asText());
    if (parsed != null && parsed.isObject()) {
      return parsed;
    }
    throw GatewayException.badRequest(at + " must be a JSON object encoded as a string");
  }

  private static ObjectNode functionResponse(JsonNode m, String at, String role, Map<String, String> toolNamesById)
      throws GatewayException {
    String name;
    if (role.equals("function")) {
      name = m.path("name").asText("");
      if (name.isEmpty()) {
        throw GatewayException.badRequest(at + ".name is required for a function message");
      }
    } else {
      String id = m.path("tool_call_id").asText("");
      if (id.isEmpty()) {
        throw GatewayException.badRequest(at + ".tool_call_id is required for a tool message");
      }
      name = toolNamesById.get(id);
      if (name == null) {
        throw GatewayException.badRequest(at + ".tool_call_id '" + id
            + "' does not match any earlier assistant tool call; Gemini needs the function's name");
      }
    }
    JsonNode content = m.get("content");
    String text = content == null || content.isNull() ? "" : content.isTextual() ? content.asText()
        : assistantText(content, at);
    ObjectNode response = NODES.objectNode();
    JsonNode parsed = text.isBlank() ? null : JsonSupport.tryParse(text);
    if (parsed != null && parsed.isObject()) {
      response = (ObjectNode) parsed;
    } else {
      // Gemini's response must be an object: the tool's output goes under "content".
      response.set("content", parsed != null ? parsed : NODES.textNode(text));
    }
    ObjectNode part = NODES.objectNode();
    ObjectNode fr = part.putObject("functionResponse");
    fr.put("name", name);
    fr.set("response", response);
    return part;
  }

  private static void tools(JsonNode in, ObjectNode out) throws GatewayException {
    List<FunctionTool> tools = ChatRequestFields.tools(in, "Gemini");
    if (!tools.isEmpty()) {
      ArrayNode declarations = out.putArray("tools").addObject().putArray("functionDeclarations");
      for (FunctionTool t : tools) {
        ObjectNode d = declarations.addObject();
        d.put("name", t.name());
        if (t.description() != null) {
          d.put("description", t.description());
        }
        ObjectNode schema = GeminiSchemas.toGemini(t.parameters());
        // Gemini rejects an object schema without properties for a function that takes no arguments.
        if (!(schema.path("type").asText().equals("OBJECT") && schema.path("properties").isEmpty()
            && !schema.has("anyOf"))) {
          d.set("parameters", schema);
        }
      }
    }
    ToolChoice choice = ChatRequestFields.toolChoice(in);
    if (choice == null) {
      return;
    }
    ObjectNode fcc = out.putObject("toolConfig").putObject("functionCallingConfig");
    fcc.put("mode", choice instanceof ToolChoice.Auto ? "AUTO" : choice instanceof ToolChoice.None ? "NONE" : "ANY");
    if (choice instanceof ToolChoice.Named named) {
      fcc.putArray("allowedFunctionNames").add(named.name());
    }
  }

  private static ObjectNode generationConfig(JsonNode in) throws GatewayException {
    ObjectNode g = NODES.objectNode();
    ChatRequestNumbers.copyNumber(in, "temperature", g, "temperature");
    ChatRequestNumbers.copyNumber(in, "top_p", g, "topP");
    ChatRequestNumbers.copyNumber(in, "presence_penalty", g, "presencePenalty");
    ChatRequestNumbers.copyNumber(in, "frequency_penalty", g, "frequencyPenalty");
    Integer max = ChatRequestNumbers.maxTokens(in);
    if (max != null) {
      g.put("maxOutputTokens", max);
    }
    Integer n = ChatRequestNumbers.positiveInt(in, "n");
    if (n != null) {
      g.put("candidateCount", n);
    }
    JsonNode seed = in.get("seed");
    if (seed != null && !seed.isNull()) {
      if (!seed.canConvertToInt()) {
        throw GatewayException.badRequest("seed must be a whole number that fits 32 bits for Gemini");
      }
      g.put("seed", seed.asInt());
    }
    List<String> stop = ChatRequestFields.stop(in);
    if (!stop.isEmpty()) {
      stop.forEach(g.putArray("stopSequences")::add);
    }
    JsonNode format = in.get("response_format");
    if (format != null && format.isObject()) {
      switch (format.path("type").asText("")) {
        case "json_object" -> g.put("responseMimeType", "application/json");
        case "json_schema" -> {
          g.put("responseMimeType", "application/json");
          JsonNode schema = format.path("json_schema").path("schema");
          if (schema.isObject()) {
            g.set("responseSchema", GeminiSchemas.toGemini(schema));
          }
        }
        case "text", "" -> {
        }
        default -> throw GatewayException.badRequest("response_format.type '" + format.path("type").asText()
            + "' is not supported; use text, json_object or json_schema");
      }
    }
    return g;
  }
}
