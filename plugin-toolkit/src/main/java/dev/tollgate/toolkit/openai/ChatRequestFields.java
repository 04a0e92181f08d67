package dev.tollgate.toolkit.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.toolkit.JsonSupport;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed readers of the fields of an OpenAI chat completions request that every translator to
 * another provider converts: {@code stop}, {@code tools} and {@code tool_choice}. Each throws a
 * 400 {@link GatewayException} naming the field when the client's value is malformed.
 */
public final class ChatRequestFields {
  private ChatRequestFields() {
  }

  /** {@code stop}: a string or an array of strings; empty when absent or null. */
  public static List<String> stop(JsonNode request) throws GatewayException {
    JsonNode stop = request.get("stop");
    if (stop == null || stop.isNull()) {
      return List.of();
    }
    if (stop.isTextual()) {
      return List.of(stop.asText());
    }
    if (!stop.isArray()) {
      throw GatewayException.badRequest("stop must be a string or an array of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode s : stop) {
      if (!s.isTextual()) {
        throw GatewayException.badRequest("stop must be a string or an array of strings");
      }
      out.add(s.asText());
    }
    return List.copyOf(out);
  }

  /** A function tool: its name, optional description and JSON schema of its parameters. */
  public record FunctionTool(String name, String description, JsonNode parameters) {
  }

  /**
   * {@code tools}, which must all be function tools; empty when absent.
   *
   * @param provider how errors name the backend, e.g. "AWS Bedrock backends"
   */
  public static List<FunctionTool> tools(JsonNode request, String provider) throws GatewayException {
    JsonNode tools = request.get("tools");
    if (tools == null || tools.isNull()) {
      return List.of();
    }
    if (!tools.isArray()) {
      throw GatewayException.badRequest("tools must be an array");
    }
    List<FunctionTool> out = new ArrayList<>();
    for (int i = 0; i < tools.size(); i++) {
      JsonNode t = tools.get(i);
      String where = "tools[" + i + "]";
      if (!"function".equals(t.path("type").asText("function"))) {
        throw GatewayException.badRequest(where + ".type '" + t.path("type").asText() + "' is not supported by "
            + provider + "; only function tools are");
      }
      JsonNode fn = t.path("function");
      String name = fn.path("name").asText("");
      if (name.isEmpty()) {
        throw GatewayException.badRequest(where + ".function.name is required");
      }
      JsonNode params = fn.get("parameters");
      if (params == null || !params.isObject()) {
        ObjectNode empty = JsonSupport.object();
        empty.put("type", "object");
        empty.putObject("properties");
        params = empty;
      }
      out.add(new FunctionTool(name, fn.hasNonNull("description") ? fn.get("description").asText() : null, params));
    }
    return List.copyOf(out);
  }

  /** What the client allows the model to do with its tools. */
  public sealed interface ToolChoice {
    /** The model decides ({@code "auto"}). */
    record Auto() implements ToolChoice {
    }

    /** The model must call a tool ({@code "required"}). */
    record Required() implements ToolChoice {
    }

    /** The model must not call a tool ({@code "none"}). */
    record None() implements ToolChoice {
    }

    /** The model must call this function. */
    record Named(String name) implements ToolChoice {
    }
  }

  /** {@code tool_choice}; null when absent. */
  public static ToolChoice toolChoice(JsonNode request) throws GatewayException {
    JsonNode choice = request.get("tool_choice");
    if (choice == null || choice.isNull()) {
      return null;
    }
    if (choice.isTextual()) {
      return switch (choice.asText()) {
        case "auto" -> new ToolChoice.Auto();
        case "required" -> new ToolChoice.Required();
        case "none" -> new ToolChoice.None();
        default -> throw GatewayException.badRequest("tool_choice '" + choice.asText()
            + "' is not supported; use auto, required, none or a named function");
      };
    }
    String name = choice.path("function").path("name").asText("");
    if (!choice.isObject() || name.isEmpty()) {
      throw GatewayException.badRequest(
          "tool_choice must be auto, required, none or {\"type\":\"function\",\"function\":{\"name\":...}}");
    }
    return new ToolChoice.Named(name);
  }

  /** {@code parallel_tool_calls} set to false. */
  public static boolean parallelToolCallsOff(JsonNode request) {
    JsonNode p = request.path("parallel_tool_calls");
    return p.isBoolean() && !p.asBoolean();
  }

  /** {@code stream_options.include_usage}: whether a streaming client asked for a usage chunk. */
  public static boolean includeUsage(JsonNode request) {
    return request.path("stream_options").path("include_usage").asBoolean(false);
  }
}
