package dev.tollgate.core.clientapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.toolkit.JsonSupport;
import java.io.IOException;

/**
 * A client's request body, parsed once: the JSON object (request policies change it in place)
 * and the model it names.
 */
public record ParsedRequest(ObjectNode json, String model) {
  /** Whether the client asks for a streamed answer; read from the body as it is now (after enrichment). */
  public boolean stream() {
    return json.path("stream").asBoolean(false);
  }

  /** Whether the body still names the model it was parsed with. */
  public boolean keepsModel() {
    JsonNode m = json.get("model");
    return m != null && m.asText().equals(model);
  }

  /**
   * A JSON object with a non-blank string {@code model} that can travel in a header value (Envoy's
   * route takes it from one); a 400 that says what is wrong otherwise.
   */
  static ParsedRequest parse(byte[] body) throws GatewayException {
    ObjectNode json = object(body);
    JsonNode model = json.get("model");
    if (model == null || !model.isTextual() || model.asText().isBlank()) {
      throw GatewayException.badRequest("the request body has no model; set \"model\" to one of the gateway's models");
    }
    String name = model.asText();
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      // a header value holds no control character but the tab (RFC 9110 field-value); Envoy refuses
      // a header mutation with one, which the client would see as an empty 500
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        throw GatewayException.badRequest(String.format("the model name has a control character (U+%04X at %d);"
            + " set \"model\" to one of the gateway's models", (int) c, i));
      }
    }
    return new ParsedRequest(json, name);
  }

  private static ObjectNode object(byte[] body) throws GatewayException {
    if (body.length == 0) {
      throw GatewayException.badRequest("the request body is empty; send a JSON object with a model");
    }
    try {
      JsonNode node = JsonSupport.MAPPER.readTree(body);
      if (node == null || !node.isObject()) {
        throw GatewayException.badRequest("the request body must be a JSON object");
      }
      return (ObjectNode) node;
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
          + e.getLocation().getColumnNr();
      throw GatewayException.badRequest("the request body is not valid JSON" + where);
    } catch (IOException e) {
      throw GatewayException.badRequest("the request body cannot be read as JSON");
    }
  }
}
