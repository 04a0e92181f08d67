package dev.tollgate.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The client's request after parsing: which endpoint, its headers, the raw body and the parsed
 * JSON. The parsed tree is shared with the platform and must be treated as read-only:
 * {@link #json()} hands out a private copy for a translator that wants to change it.
 *
 * @param endpoint the client endpoint
 * @param headers  the client's request headers (pseudo-headers included)
 * @param body     the raw body bytes as the client sent them (after request-side policies)
 * @param parsed   the body as JSON; read-only (see {@link #json()})
 * @param model    the model the client asked for
 * @param stream   whether the client asked for a streamed answer
 */
public record ClientRequest(Endpoint endpoint, Headers headers, byte[] body, ObjectNode parsed, String model,
                            boolean stream) {
  /** A private copy of the parsed body. */
  public ObjectNode json() {
    return parsed.deepCopy();
  }

  /** A field of the parsed body without copying; do not modify it. */
  public JsonNode field(String name) {
    return parsed.get(name);
  }
}
