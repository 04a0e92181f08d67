package dev.tollgate.toolkit.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.toolkit.PivotExtensions;

/**
 * The prompt-cache marker of a chat request's content part, message or tool: the extension field
 * {@code cache_control} (see {@link PivotExtensions}), {@code {"type":"ephemeral"}} with an
 * optional {@code ttl} string.
 */
public final class ChatCacheControl {
  private ChatCacheControl() {
  }

  /**
   * The marker of {@code node}, a copy safe to put in another body; null when it has none.
   *
   * @param at where {@code node} is, for the error (e.g. {@code messages[2].content[0]})
   * @throws GatewayException 400 when the marker is not an ephemeral cache control
   */
  public static ObjectNode of(JsonNode node, String at) throws GatewayException {
    JsonNode cc = node == null ? null : node.get(PivotExtensions.CACHE_CONTROL);
    if (cc == null || cc.isNull()) {
      return null;
    }
    if (!cc.isObject() || !"ephemeral".equals(cc.path("type").asText())) {
      throw GatewayException.badRequest(at + ".cache_control must be {\"type\":\"ephemeral\"}");
    }
    if (cc.has("ttl") && !cc.get("ttl").isTextual()) {
      throw GatewayException.badRequest(at + ".cache_control.ttl must be a string such as \"5m\" or \"1h\"");
    }
    return ((ObjectNode) cc).deepCopy();
  }
}
