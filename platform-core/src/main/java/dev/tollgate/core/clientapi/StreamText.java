package dev.tollgate.core.clientapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The text one event of a streamed answer carries for a choice (OpenAI) or a content block
 * (Anthropic): {@code parent.holder.field}, or {@code parent.field} when {@code holder} is null.
 *
 * @param index    the choice or block
 * @param parent   the JSON object inside the event that holds the text or its holder
 * @param holder   the field of {@code parent} holding the text (OpenAI chat's {@code delta}), or null
 * @param field    the text's field
 * @param finishes whether this event ends the choice (OpenAI's {@code finish_reason}), with or without text
 */
public record StreamText(int index, ObjectNode parent, String holder, String field, boolean finishes) {
  public boolean hasText() {
    JsonNode h = holderNode();
    return h != null && h.path(field).isTextual();
  }

  public String text() {
    JsonNode h = holderNode();
    return h == null ? "" : h.path(field).asText();
  }

  /** Writes the text, making the holder when the event had none. */
  public void set(String value) {
    JsonNode h = holderNode();
    (h instanceof ObjectNode o ? o : parent.putObject(holder)).put(field, value);
  }

  private JsonNode holderNode() {
    return holder == null ? parent : parent.get(holder);
  }
}
