package dev.tollgate.toolkit.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.toolkit.JsonSupport;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed readers of the tool calls in an OpenAI chat completions conversation, for translators to
 * providers that take tool calls as objects (Bedrock's {@code toolUse}, Anthropic's
 * {@code tool_use}, Gemini's {@code functionCall}): an assistant message's {@code tool_calls}, and
 * a tool message's {@code tool_call_id}. Each throws a 400 {@link GatewayException} naming the
 * field when the client's value is malformed.
 */
public final class ChatToolCalls {
  private ChatToolCalls() {
  }

  /**
   * One call the assistant made.
   *
   * @param id        the call's id; empty when the client gave none (only with {@code needIds} false)
   * @param name      the function's name
   * @param arguments the arguments as an object (empty when the client sent none)
   */
  public record Call(String id, String name, ObjectNode arguments) {
  }

  /**
   * An assistant message's {@code tool_calls}; empty when absent. The arguments must be a
   * JSON-encoded object, blank for none (an object is taken as it is).
   *
   * @param message the assistant message
   * @param where   the message's place, for errors, e.g. {@code messages[2]}
   * @param needIds whether every call must have an id (for providers that pair results by id)
   */
  public static List<Call> read(JsonNode message, String where, boolean needIds) throws GatewayException {
    JsonNode calls = message.get("tool_calls");
    if (calls == null || calls.isNull()) {
      return List.of();
    }
    if (!calls.isArray()) {
      throw GatewayException.badRequest(where + ".tool_calls must be an array");
    }
    List<Call> out = new ArrayList<>();
    for (int i = 0; i < calls.size(); i++) {
      JsonNode call = calls.get(i);
      String at = where + ".tool_calls[" + i + "]";
      String id = call.path("id").asText("");
      String name = call.path("function").path("name").asText("");
      if (name.isEmpty() || needIds && id.isEmpty()) {
        throw GatewayException.badRequest(at + (needIds ? " needs an id and a function.name" : ".function.name is required"));
      }
      out.add(new Call(id, name, arguments(call.path("function").path("arguments"), at + ".function.arguments")));
    }
    return List.copyOf(out);
  }

  /** A tool message's {@code tool_call_id}, which is required. */
  public static String resultId(JsonNode message, String where) throws GatewayException {
    String id = message.path("tool_call_id").asText("");
    if (id.isEmpty()) {
      throw GatewayException.badRequest(where + ".tool_call_id is required for tool messages");
    }
    return id;
  }

  private static ObjectNode arguments(JsonNode args, String at) throws GatewayException {
    if (args.isObject()) {
      return (ObjectNode) args.deepCopy();
    }
    if (args.isMissingNode() || args.isNull() || args.isTextual() && args.asText().isBlank()) {
      return JsonSupport.object();
    }
    JsonNode parsed = args.isTextual() ? JsonSupport.tryParse(args.asText()) : null;
    if (parsed == null || !parsed.isObject()) {
      throw GatewayException.badRequest(at + " must be a JSON object encoded as a string");
    }
    return (ObjectNode) parsed;
  }
}
