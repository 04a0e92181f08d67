package dev.tollgate.plugins.gcpvertex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Converts a JSON Schema (as OpenAI tools and {@code response_format} carry it) into Gemini's
 * {@code Schema}, the OpenAPI subset Vertex AI accepts. Keywords Gemini knows are kept; local
 * {@code $ref}s ({@code #/$defs/..}, {@code #/definitions/..}) are inlined; {@code oneOf} becomes
 * {@code anyOf}; {@code const} becomes a one-value {@code enum}; {@code type: [x, "null"]} becomes
 * {@code type: x, nullable: true}. Every other keyword ({@code $schema}, {@code additionalProperties},
 * {@code allOf}, {@code not}, {@code patternProperties}, unsupported {@code format}s, …) is dropped.
 */
final class GeminiSchemas {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Set<String> COPIED = Set.of("title", "description", "nullable", "minItems", "maxItems",
      "minProperties", "maxProperties", "minLength", "maxLength", "pattern", "minimum", "maximum", "default",
      "example", "propertyOrdering");
  private static final Set<String> FORMATS = Set.of("enum", "date-time", "int32", "int64", "float", "double");
  private static final int MAX_DEPTH = 32;

  private GeminiSchemas() {
  }

  static ObjectNode toGemini(JsonNode schema) {
    return convert(schema, schema, 0);
  }

  private static ObjectNode convert(JsonNode s, JsonNode root, int depth) {
    ObjectNode out = NODES.objectNode();
    if (!s.isObject() || depth > MAX_DEPTH) {
      return out;
    }
    if (s.has("$ref")) {
      JsonNode target = resolve(s.get("$ref").asText(""), root);
      ObjectNode resolved = target == null ? out : convert(target, root, depth + 1);
      if (s.hasNonNull("description")) {
        resolved.put("description", s.get("description").asText());
      }
      return resolved;
    }
    JsonNode type = s.get("type");
    if (type != null && type.isTextual()) {
      out.put("type", type.asText().toUpperCase(Locale.ROOT));
    } else if (type != null && type.isArray()) {
      String single = null;
      for (JsonNode t : type) {
        if (t.asText().equals("null")) {
          out.put("nullable", true);
        } else if (single == null) {
          single = t.asText();
        }
      }
      if (single != null) {
        out.put("type", single.toUpperCase(Locale.ROOT));
      }
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = s.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (COPIED.contains(e.getKey())) {
        out.set(e.getKey(), e.getValue());
      }
    }
    if (s.hasNonNull("format") && FORMATS.contains(s.get("format").asText())) {
      out.put("format", s.get("format").asText());
    }
    JsonNode values = s.has("enum") ? s.get("enum") : s.has("const") ? NODES.arrayNode().add(s.get("const")) : null;
    if (values != null && values.isArray()) {
      ArrayNode e = NODES.arrayNode();
      boolean allText = true;
      for (JsonNode v : values) {
        allText &= v.isTextual();
        e.add(v.asText());
      }
      // Gemini enums are strings: a non-string enum is left to the type and description.
      if (allText && !e.isEmpty()) {
        out.set("enum", e);
        if (!out.has("type")) {
          out.put("type", "STRING");
        }
      }
    }
    if (s.get("properties") instanceof ObjectNode props) {
      ObjectNode p = out.putObject("properties");
      props.fields().forEachRemaining(e -> p.set(e.getKey(), convert(e.getValue(), root, depth + 1)));
      if (!out.has("type")) {
        out.put("type", "OBJECT");
      }
    }
    if (s.get("required") instanceof ArrayNode req && !req.isEmpty()) {
      out.set("required", req);
    }
    if (s.has("items") && s.get("items").isObject()) {
      out.set("items", convert(s.get("items"), root, depth + 1));
    }
    JsonNode any = s.has("anyOf") ? s.get("anyOf") : s.get("oneOf");
    if (any != null && any.isArray()) {
      ArrayNode a = NODES.arrayNode();
      for (JsonNode option : any) {
        if (option.path("type").asText().equals("null")) {
          out.put("nullable", true);
        } else {
          a.add(convert(option, root, depth + 1));
        }
      }
      if (a.size() == 1 && !out.has("type")) {
        ObjectNode only = (ObjectNode) a.get(0);
        only.setAll(out);
        return only;
      }
      if (!a.isEmpty()) {
        out.set("anyOf", a);
      }
    }
    return out;
  }

  private static JsonNode resolve(String ref, JsonNode root) {
    if (!ref.startsWith("#/")) {
      return null;
    }
    JsonNode node = root.at(ref.substring(1));
    return node.isMissingNode() ? null : node;
  }
}
