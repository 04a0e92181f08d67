package dev.tollgate.core.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tollgate.api.Endpoint;
import java.util.ArrayList;
import java.util.List;

/**
 * The places in a client-schema body that hold prompt or answer text, so that guards can read
 * them and masks can be written back in place. One instance per body.
 */
final class PromptTexts {
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

  private PromptTexts() {
  }

  /** The prompt texts of a request body: message contents, completion prompts, embedding inputs. */
  static PromptTexts ofRequest(Endpoint endpoint, ObjectNode body) {
    PromptTexts t = new PromptTexts();
    switch (endpoint) {
      case CHAT_COMPLETIONS -> {
        for (JsonNode m : body.path("messages")) {
          t.content(m, "content", "text");
        }
      }
      case COMPLETIONS -> t.stringOrStrings(body, "prompt");
      case EMBEDDINGS -> t.stringOrStrings(body, "input");
      case MESSAGES -> {
        t.content(body, "system", "text");
        for (JsonNode m : body.path("messages")) {
          t.content(m, "content", "text");
        }
      }
      default -> { }
    }
    return t;
  }

  /** The answer texts of a whole response body in the client's schema. */
  static PromptTexts ofResponse(Endpoint endpoint, ObjectNode body) {
    PromptTexts t = new PromptTexts();
    switch (endpoint) {
      case CHAT_COMPLETIONS -> {
        for (JsonNode c : body.path("choices")) {
          t.content(c.path("message"), "content", "text");
        }
      }
      case COMPLETIONS -> {
        for (JsonNode c : body.path("choices")) {
          if (c.path("text").isTextual()) {
            t.slots.add(new Slot(c, "text", -1));
          }
        }
      }
      case MESSAGES -> t.content(body, "content", "text");
      default -> { }
    }
    return t;
  }

  /** The text delta of one streamed event in the client's schema, or null when it carries none. */
  static Delta streamDelta(Endpoint endpoint, JsonNode event) {
    switch (endpoint) {
      case CHAT_COMPLETIONS, COMPLETIONS -> {
        String field = endpoint == Endpoint.CHAT_COMPLETIONS ? "content" : "text";
        for (JsonNode c : event.path("choices")) {
          JsonNode holder = endpoint == Endpoint.CHAT_COMPLETIONS ? c.path("delta") : c;
          if (holder.path(field).isTextual()) {
            return new Delta(c.path("index").asInt(0), holder, field);
          }
        }
        return null;
      }
      case MESSAGES -> {
        JsonNode d = event.path("delta");
        if ("content_block_delta".equals(event.path("type").asText()) && "text_delta".equals(d.path("type").asText())) {
          return new Delta(event.path("index").asInt(0), d, "text");
        }
        return null;
      }
      default -> {
        return null;
      }
    }
  }

  /** A streamed event's text, at {@code holder.field}, belonging to choice or block {@code index}. */
  record Delta(int index, JsonNode holder, String field) {
    String text() {
      return holder.path(field).asText();
    }

    void set(String value) {
      ((ObjectNode) holder).put(field, value);
    }
  }

  private void content(JsonNode parent, String field, String partField) {
    JsonNode c = parent.get(field);
    if (c == null) {
      return;
    }
    if (c.isTextual()) {
      slots.add(new Slot(parent, field, -1));
    } else if (c.isArray()) {
      for (JsonNode part : c) {
        if (part.path(partField).isTextual() && ("text".equals(part.path("type").asText()) || !part.has("type"))) {
          slots.add(new Slot(part, partField, -1));
        }
      }
    }
  }

  private void stringOrStrings(ObjectNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null) {
      return;
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
  }

  /** Plain texts (e.g. the joined deltas of a stream) as slots of a private array. */
  static PromptTexts ofStrings(List<String> texts) {
    PromptTexts t = new PromptTexts();
    ArrayNode array = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
    texts.forEach(array::add);
    for (int i = 0; i < texts.size(); i++) {
      t.slots.add(new Slot(array, null, i));
    }
    return t;
  }

  boolean isEmpty() {
    return slots.isEmpty();
  }

  List<String> texts() {
    List<String> out = new ArrayList<>(slots.size());
    slots.forEach(s -> out.add(s.get()));
    return out;
  }

  /** Writes masked texts back; the guard must return as many texts as it was given. */
  void replace(List<String> texts) {
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
  boolean changed() {
    return changed;
  }
}
