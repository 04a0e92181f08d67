package dev.tollgate.api.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Endpoint;

/**
 * Changes a client's request body before it is translated for the backend: adds messages, sets
 * defaults or overrides fields. Thread-safe.
 */
@FunctionalInterface
public interface RequestEnricher {
  /**
   * @param endpoint the client endpoint; an enricher leaves bodies of endpoints it does not know alone
   * @param body     a private copy of the client's body in the client's own schema, free to change
   * @return the body to use (usually {@code body} itself)
   */
  ObjectNode enrich(Endpoint endpoint, ObjectNode body);
}
