package dev.tollgate.toolkit.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.GatewayException;

/**
 * Typed readers of the numeric fields of an OpenAI chat completions request that translators to
 * other providers carry over: the token limit, whole-number counts such as {@code n}, and sampling
 * numbers ({@code temperature}, {@code top_p}, penalties). Absent and null are the same; a value
 * of the wrong kind is a 400 {@link GatewayException} naming the field.
 */
public final class ChatRequestNumbers {
  private ChatRequestNumbers() {
  }

  /** The token limit: {@code max_completion_tokens}, else the older {@code max_tokens}; null when neither is set. */
  public static Integer maxTokens(JsonNode request) throws GatewayException {
    Integer max = positiveInt(request, "max_completion_tokens");
    return max != null ? max : positiveInt(request, "max_tokens");
  }

  /** A positive whole number that fits an int ({@code 2.0} is 2), e.g. {@code n}; null when absent. */
  public static Integer positiveInt(JsonNode request, String field) throws GatewayException {
    JsonNode v = request.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isNumber() || !v.canConvertToInt() || v.asDouble() != v.asInt() || v.asInt() < 1) {
      throw GatewayException.badRequest(field + " must be a positive whole number");
    }
    return v.asInt();
  }

  /** A number, e.g. {@code temperature}; null when absent. */
  public static JsonNode number(JsonNode request, String field) throws GatewayException {
    JsonNode v = request.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isNumber()) {
      throw GatewayException.badRequest(field + " must be a number");
    }
    return v;
  }

  /** Copies the number {@code field}, when the client set it, to {@code out} under the provider's name {@code as}. */
  public static void copyNumber(JsonNode request, String field, ObjectNode out, String as) throws GatewayException {
    JsonNode v = number(request, field);
    if (v != null) {
      out.set(as, v);
    }
  }
}
