package dev.tollgate.core.clientapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The places in a client-schema body that hold prompt or answer text, so that guards can read
 * them and masks can be written back in place. One instance per body; an endpoint's
 * {@link EndpointSpec} says where its texts are.
 */
public final class PromptTexts {
  /** A text field inside a JSON tree. */
  private record Slot(JsonNode container, String field, int index) {
    String get() {
      JsonNode v = field != null ? container.get(field) : container.get(index);
      return v == null ? "" : v.asText();
    }

    void set(String value) {
      if (field != null) {
        ((ObjectNode) container).put(field, value);
      } else {
        ((ArrayNode) container).set(index, TextNode.valueOf(value));
      }
    }
  }

  private final List<Slot> slots = new ArrayList<>();
  private boolean changed;

  PromptTexts() {
  }

  /** Plain texts (e.g. the joined deltas of a stream) as slots of a private array. */
  public static PromptTexts ofStrings(List<String> texts) {
    PromptTexts t = new PromptTexts();
    ArrayNode array = JsonNodeFactory.instance.arrayNode();
    texts.forEach(array::add);
    for (int i = 0; i < texts.size(); i++) {
      t.slots.add(new Slot(array, null, i));
    }
    return t;
  }

  /**
   * {@code parent.field} as a string, or the {@code partField} of each text part when it is an
   * array of content parts (those typed {@code text}, or untyped).
   */
  PromptTexts content(JsonNode parent, String field, String partField) {
    return content(parent, field, partField, TEXT_PARTS);
  }

  private static final java.util.Set<String> TEXT_PARTS = java.util.Set.of("text");

  /**
   * {@code parent.field} as a string, or the {@code partField} of each part of one of
   * {@code partTypes} (or untyped) when it is an array of content parts.
   */
  PromptTexts content(JsonNode parent, String field, String partField, java.util.Set<String> partTypes) {
    JsonNode c = parent.get(field);
    if (c == null) {
      return this;
    }
    if (c.isTextual()) {
      slots.add(new Slot(parent, field, -1));
    } else if (c.isArray()) {
      for (JsonNode part : c) {
        if (part.path(partField).isTextual() && (partTypes.contains(part.path("type").asText()) || !part.has("type"))) {
          slots.add(new Slot(part, partField, -1));
        }
      }
    }
    return this;
  }

  /** The {@code content} of each message in {@code parent.messages}. */
  PromptTexts messageContents(JsonNode parent) {
    for (JsonNode m : parent.path("messages")) {
      content(m, "content", "text");
    }
    return this;
  }

  /** {@code body.field} as a string, or each string of it when it is an array. */
  PromptTexts stringOrStrings(ObjectNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null) {
      return this;
    }
    if (v.isTextual()) {
      slots.add(new Slot(body, field, -1));
    } else if (v.isArray()) {
      for (int i = 0; i < v.size(); i++) {
        if (v.get(i).isTextual()) {
          slots.add(new Slot(v, null, i));
        }
      }
    }
    return this;
  }

  /** {@code container.field} when it is a string. */
  PromptTexts string(JsonNode container, String field) {
    if (container.path(field).isTextual()) {
      slots.add(new Slot(container, field, -1));
    }
    return this;
  }

  public boolean isEmpty() {
    return slots.isEmpty();
  }

  public List<String> texts() {
    List<String> out = new ArrayList<>(slots.size());
    slots.forEach(s -> out.add(s.get()));
    return out;
  }

  /** Writes masked texts back; the guard must return as many texts as it was given. */
  public void replace(List<String> texts) {
    if (texts.size() != slots.size()) {
      throw new IllegalArgumentException("a guard returned " + texts.size() + " texts for " + slots.size());
    }
    for (int i = 0; i < slots.size(); i++) {
      Slot slot = slots.get(i);
      if (!slot.get().equals(texts.get(i))) {
        slot.set(texts.get(i));
        changed = true;
      }
    }
  }

  /** Whether a mask changed any text. */
  public boolean changed() {
    return changed;
  }
}
