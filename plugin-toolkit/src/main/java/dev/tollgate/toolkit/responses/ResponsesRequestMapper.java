package dev.tollgate.toolkit.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.PivotExtensions;
import dev.tollgate.toolkit.PivotExtensions.Dialect;
import java.util.Set;

/** See {@link ResponsesChatBridge#toChatRequest}. Stateless. */
final class ResponsesRequestMapper {
  /** OpenAI's built-in (hosted) tools: OpenAI runs them, a chat completions backend cannot. */
  static final Set<String> BUILT_IN_TOOLS = Set.of("web_search", "web_search_preview", "web_search_2025_08_26",
      "web_search_preview_2025_03_11", "file_search", "code_interpreter", "computer_use", "computer_use_preview",
      "mcp", "image_generation", "local_shell", "shell", "apply_patch");
  /** Where stored responses live: the backends that keep them. */
  static final String STATEFUL_SCHEMAS = "OpenAI and AzureOpenAI";

  private ResponsesRequestMapper() {
  }

  static ObjectNode toChat(JsonNode req, String model, Dialect dialect) throws GatewayException {
    if (req == null || !req.isObject()) {
      throw GatewayException.badRequest("the request body must be a JSON object");
    }
    stateless(req);
    ObjectNode out = JsonSupport.object();
    out.put("model", model);
    ArrayNode messages = out.putArray("messages");
    JsonNode instructions = req.get("instructions");
    if (instructions != null && !instructions.isNull()) {
      if (!instructions.isTextual()) {
        throw GatewayException.badRequest("instructions: must be a string");
      }
      if (!instructions.asText().isEmpty()) {
        messages.addObject().put("role", "system").put("content", instructions.asText());
      }
    }
    JsonNode input = req.get("input");
    if (input == null || input.isNull()) {
      throw GatewayException.badRequest("input: Field required (a string or an array of input items)");
    }
    if (input.isTextual()) {
      messages.addObject().put("role", "user").put("content", input.asText());
    } else if (input.isArray()) {
      for (int i = 0; i < input.size(); i++) {
        item(messages, input.get(i), "input." + i, dialect);
      }
      // a reasoning item no text or call of its turn followed: nothing to send back
      for (int i = messages.size() - 1; i >= 0; i--) {
        JsonNode m = messages.get(i);
        if (m.path("role").asText().equals("assistant") && m.path("content").isNull() && !m.has("tool_calls")) {
          messages.remove(i);
        }
      }
    } else {
      throw GatewayException.badRequest("input: must be a string or an array of input items");
    }
    if (messages.isEmpty()) {
      throw GatewayException.badRequest("input: must hold at least one message");
    }
    sampling(req, out);
    tools(req, out);
    text(req, out);
    if (req.path("reasoning").hasNonNull("effort")) {
      out.set("reasoning_effort", req.path("reasoning").get("effort"));
    }
    if (req.hasNonNull("user")) {
      out.put("user", req.get("user").asText());
    } else if (req.hasNonNull("safety_identifier")) {
      out.put("user", req.get("safety_identifier").asText());
    }
    if (req.path("stream").asBoolean(false)) {
      out.put("stream", true);
      out.putObject("stream_options").put("include_usage", true);
    }
    return out;
  }

  /** What needs responses kept on the server: refused, since this backend keeps none. */
  private static void stateless(JsonNode req) throws GatewayException {
    for (String f : new String[] {"previous_response_id", "conversation"}) {
      JsonNode v = req.get(f);
      if (v != null && !v.isNull()) {
        throw GatewayException.badRequest(f + ": this backend does not keep responses or conversations; send the "
            + "whole conversation as input items instead (backends of schema " + STATEFUL_SCHEMAS + " keep them)");
      }
    }
    if (req.path("background").asBoolean(false)) {
      throw GatewayException.badRequest("background: this backend cannot run a response in the background (it keeps"
          + " no responses to poll); send the request without background, or to a backend of schema "
          + STATEFUL_SCHEMAS);
    }
    if (req.hasNonNull("prompt")) {
      throw GatewayException.badRequest("prompt: stored prompt templates are OpenAI's; this backend has none. Send the"
          + " prompt as instructions and input instead");
    }
  }

  private static void item(ArrayNode messages, JsonNode item, String at, Dialect dialect) throws GatewayException {
    if (item == null || !item.isObject()) {
      throw GatewayException.badRequest(at + ": must be an input item object");
    }
    String type = item.path("type").asText(item.has("role") ? "message" : "");
    switch (type) {
      case "message" -> message(messages, item, at);
      case "function_call" -> functionCall(messages, item, at);
      case "function_call_output" -> {
        String callId = required(item, "call_id", at);
        messages.addObject().put("role", "tool").put("tool_call_id", callId)
            .put("content", outputText(item.get("output"), at + ".output"));
      }
      case "reasoning" -> reasoning(messages, item, dialect);
      case "item_reference" -> throw GatewayException.badRequest(at + ".type: 'item_reference' points at a stored item;"
          + " this backend keeps none, so send the item itself (backends of schema " + STATEFUL_SCHEMAS
          + " keep them)");
      case "" -> throw GatewayException.badRequest(at + ".type: Field required (message, function_call or "
          + "function_call_output)");
      default -> throw GatewayException.badRequest(at + ".type: '" + type + "' items cannot be sent to this backend;"
          + " use message, function_call and function_call_output items");
    }
  }

  private static void message(ArrayNode messages, JsonNode item, String at) throws GatewayException {
    String role = item.path("role").asText();
    JsonNode content = item.get("content");
    switch (role) {
      case "user" -> {
        JsonNode c = userContent(content, at + ".content");
        messages.addObject().put("role", "user").set("content", c);
      }
      case "system", "developer" -> messages.addObject().put("role", role)
          .put("content", joinedText(content, at + ".content", Set.of("input_text")));
      case "assistant" -> {
        String text = joinedText(content, at + ".content", Set.of("output_text", "input_text", "refusal"));
        ObjectNode last = lastAssistant(messages);
        if (last != null && !last.has("tool_calls")) {
          // one turn split into two items, or its text after its reasoning
          last.put("content", last.path("content").isNull() ? text : last.path("content").asText() + text);
        } else {
          messages.addObject().put("role", "assistant").put("content", text);
        }
      }
      default -> throw GatewayException.badRequest(at + ".role: must be user, assistant, system or developer");
    }
  }

  /**
   * The model's reasoning from an earlier turn: with {@link Dialect#TOLLGATE}, the thinking blocks
   * its {@code encrypted_content} carries (as {@link ResponsesAnswers#encryptedContent} made it) go
   * on the turn's assistant message as {@code thinking_blocks} (Claude needs them back before a
   * tool result when thinking is on); the message is opened here, its text and calls joining it.
   * Else (plain chat, OpenAI's own encrypted reasoning, a summary only) it is dropped: chat
   * completions cannot carry it back.
   */
  private static void reasoning(ArrayNode messages, JsonNode item, Dialect dialect) {
    if (dialect != Dialect.TOLLGATE) {
      return;
    }
    ArrayNode blocks = ResponsesAnswers.thinkingBlocks(item.get("encrypted_content"));
    if (blocks == null) {
      return;
    }
    ObjectNode last = lastAssistant(messages);
    if (last == null) {
      last = messages.addObject().put("role", "assistant");
      last.putNull("content");
    }
    ArrayNode onMessage = last.has(PivotExtensions.THINKING_BLOCKS)
        ? (ArrayNode) last.get(PivotExtensions.THINKING_BLOCKS) : last.putArray(PivotExtensions.THINKING_BLOCKS);
    onMessage.addAll(blocks);
  }

  private static JsonNode userContent(JsonNode content, String at) throws GatewayException {
    if (content != null && content.isTextual()) {
      return content;
    }
    if (content == null || !content.isArray()) {
      throw GatewayException.badRequest(at + ": must be a string or an array of content parts");
    }
    ArrayNode parts = JsonSupport.MAPPER.createArrayNode();
    for (int j = 0; j < content.size(); j++) {
      JsonNode p = content.get(j);
      String where = at + "." + j;
      switch (p.path("type").asText()) {
        case "input_text" -> parts.addObject().put("type", "text").put("text", p.path("text").asText());
        case "input_image" -> {
          if (!p.hasNonNull("image_url")) {
            throw GatewayException.badRequest(where + (p.hasNonNull("file_id")
                ? ".file_id: files uploaded to OpenAI cannot be read by this backend; send the image as image_url "
                + "(a data: URL or an https URL)"
                : ".image_url: Field required"));
          }
          ObjectNode url = parts.addObject().put("type", "image_url").putObject("image_url");
          url.put("url", p.get("image_url").asText());
          if (p.hasNonNull("detail")) {
            url.put("detail", p.get("detail").asText());
          }
        }
        case "input_file" -> {
          if (!p.hasNonNull("file_data")) {
            throw GatewayException.badRequest(where + ": files uploaded to OpenAI (file_id) or fetched by it (file_url)"
                + " cannot be read by this backend; send the file's bytes as file_data");
          }
          ObjectNode file = parts.addObject().put("type", "file").putObject("file");
          file.put("file_data", p.get("file_data").asText());
          if (p.hasNonNull("filename")) {
            file.put("filename", p.get("filename").asText());
          }
        }
        default -> throw GatewayException.badRequest(where + ".type: '" + p.path("type").asText()
            + "' cannot be sent to this backend; use input_text, input_image or input_file");
      }
    }
    if (parts.size() == 1 && "text".equals(parts.get(0).path("type").asText())) {
      return parts.get(0).get("text");
    }
    return parts;
  }

  /** A string, or the text of parts of the {@code allowed} types joined. */
  private static String joinedText(JsonNode content, String at, Set<String> allowed) throws GatewayException {
    if (content != null && content.isTextual()) {
      return content.asText();
    }
    if (content == null || !content.isArray()) {
      throw GatewayException.badRequest(at + ": must be a string or an array of content parts");
    }
    StringBuilder sb = new StringBuilder();
    for (int j = 0; j < content.size(); j++) {
      JsonNode p = content.get(j);
      String type = p.path("type").asText();
      if (!allowed.contains(type)) {
        throw GatewayException.badRequest(at + "." + j + ".type: '" + type + "' is not allowed here; use "
            + String.join(" or ", allowed.stream().sorted().toList()));
      }
      sb.append(type.equals("refusal") ? p.path("refusal").asText() : p.path("text").asText());
    }
    return sb.toString();
  }

  private static void functionCall(ArrayNode messages, JsonNode item, String at) throws GatewayException {
    String callId = required(item, "call_id", at);
    String name = required(item, "name", at);
    JsonNode args = item.get("arguments");
    ObjectNode last = lastAssistant(messages);
    if (last == null) {
      last = messages.addObject().put("role", "assistant");
      last.putNull("content");
    }
    ArrayNode calls = last.has("tool_calls") ? (ArrayNode) last.get("tool_calls") : last.putArray("tool_calls");
    ObjectNode call = calls.addObject().put("id", callId).put("type", "function");
    call.putObject("function").put("name", name)
        .put("arguments", args == null || args.isNull() ? "{}" : args.isTextual() ? args.asText() : JsonSupport.string(args));
  }

  /** The last message when it is the assistant's (text and calls of one turn belong together). */
  private static ObjectNode lastAssistant(ArrayNode messages) {
    if (messages.isEmpty()) {
      return null;
    }
    JsonNode last = messages.get(messages.size() - 1);
    return "assistant".equals(last.path("role").asText()) ? (ObjectNode) last : null;
  }

  private static String outputText(JsonNode output, String at) throws GatewayException {
    if (output == null || output.isNull()) {
      throw GatewayException.badRequest(at + ": Field required (the function's result)");
    }
    if (output.isTextual()) {
      return output.asText();
    }
    if (output.isArray()) {
      return joinedText(output, at, Set.of("input_text"));
    }
    throw GatewayException.badRequest(at + ": must be a string or an array of input_text parts");
  }

  private static String required(JsonNode item, String field, String at) throws GatewayException {
    JsonNode v = item.get(field);
    if (v == null || !v.isTextual() || v.asText().isEmpty()) {
      throw GatewayException.badRequest(at + "." + field + ": Field required");
    }
    return v.asText();
  }

  private static void sampling(JsonNode req, ObjectNode out) {
    if (req.hasNonNull("max_output_tokens")) {
      out.set("max_completion_tokens", req.get("max_output_tokens"));
    }
    for (String f : new String[] {"temperature", "top_p"}) {
      if (req.hasNonNull(f)) {
        out.set(f, req.get(f));
      }
    }
  }

  private static void tools(JsonNode req, ObjectNode out) throws GatewayException {
    JsonNode tools = req.get("tools");
    if (tools != null && !tools.isNull()) {
      if (!tools.isArray()) {
        throw GatewayException.badRequest("tools: must be an array");
      }
      ArrayNode chatTools = JsonSupport.MAPPER.createArrayNode();
      for (int i = 0; i < tools.size(); i++) {
        JsonNode t = tools.get(i);
        String type = t.path("type").asText();
        if (!type.equals("function")) {
          throw GatewayException.badRequest("tools." + i + ".type: '" + type + "' "
              + (BUILT_IN_TOOLS.contains(type) ? "is a tool OpenAI runs itself, which this backend cannot; "
              + "send it to a backend of schema " + STATEFUL_SCHEMAS + ", or declare a function tool"
              : "tools cannot be sent to this backend; declare a function tool"));
        }
        ObjectNode fn = chatTools.addObject().put("type", "function").putObject("function");
        fn.put("name", required(t, "name", "tools." + i));
        if (t.hasNonNull("description")) {
          fn.put("description", t.get("description").asText());
        }
        fn.set("parameters", t.hasNonNull("parameters") ? t.get("parameters")
            : JsonSupport.object().put("type", "object").set("properties", JsonSupport.object()));
        if (t.hasNonNull("strict")) {
          fn.put("strict", t.get("strict").asBoolean());
        }
      }
      if (!chatTools.isEmpty()) {
        out.set("tools", chatTools);
        if (req.hasNonNull("parallel_tool_calls")) {
          out.put("parallel_tool_calls", req.get("parallel_tool_calls").asBoolean());
        }
      }
    }
    JsonNode choice = req.get("tool_choice");
    if (choice == null || choice.isNull()) {
      return;
    }
    if (choice.isTextual()) {
      String c = choice.asText();
      if (!Set.of("auto", "none", "required").contains(c)) {
        throw GatewayException.badRequest("tool_choice: must be auto, none, required or {\"type\":\"function\","
            + "\"name\":...}");
      }
      out.put("tool_choice", c);
      return;
    }
    String type = choice.path("type").asText();
    if (!type.equals("function")) {
      throw GatewayException.badRequest("tool_choice.type: '" + type + "' cannot be sent to this backend; use auto, "
          + "none, required or {\"type\":\"function\",\"name\":...}");
    }
    out.putObject("tool_choice").put("type", "function").putObject("function")
        .put("name", required(choice, "name", "tool_choice"));
  }

  private static void text(JsonNode req, ObjectNode out) throws GatewayException {
    JsonNode format = req.path("text").get("format");
    if (format == null || format.isNull()) {
      return;
    }
    switch (format.path("type").asText()) {
      case "text" -> {
        // the default
      }
      case "json_object" -> out.putObject("response_format").put("type", "json_object");
      case "json_schema" -> {
        ObjectNode schema = out.putObject("response_format").put("type", "json_schema").putObject("json_schema");
        schema.put("name", required(format, "name", "text.format"));
        if (!format.path("schema").isObject()) {
          throw GatewayException.badRequest("text.format.schema: Field required (a JSON schema object)");
        }
        schema.set("schema", format.get("schema"));
        if (format.hasNonNull("description")) {
          schema.put("description", format.get("description").asText());
        }
        if (format.hasNonNull("strict")) {
          schema.put("strict", format.get("strict").asBoolean());
        }
      }
      default -> throw GatewayException.badRequest("text.format.type: must be text, json_object or json_schema");
    }
  }
}
