package dev.tollgate.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.tollgate.toolkit.JsonSupport;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * OpenAI's own response schemas (its OpenAPI document, {@code components.schemas}), as JSON
 * Schema 2020-12 validators. OpenAPI's {@code nullable: true} is rewritten to its JSON Schema
 * meaning (the type, or null) before the schemas are compiled.
 */
final class OpenAiSchemas {
  private static final String RESOURCE = "openai-response-schemas.json";
  private static final ObjectNode COMPONENTS = load();
  private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
  private static final Map<String, Schema> SCHEMAS = new ConcurrentHashMap<>();

  private OpenAiSchemas() {
  }

  /** What is wrong with {@code json} as an instance of OpenAI's schema {@code name}; empty when it conforms. */
  static List<String> problems(String name, JsonNode json) {
    Schema schema = SCHEMAS.computeIfAbsent(name, OpenAiSchemas::compile);
    return schema.validate(JsonSupport.string(json), InputFormat.JSON).stream().map(Error::toString).toList();
  }

  private static Schema compile(String name) {
    if (!COMPONENTS.path("schemas").has(name)) {
      throw new IllegalArgumentException("OpenAI's schemas have no " + name);
    }
    ObjectNode doc = JsonSupport.object();
    doc.put("$ref", "#/components/schemas/" + name);
    doc.set("components", COMPONENTS);
    return REGISTRY.getSchema(JsonSupport.string(doc), InputFormat.JSON);
  }

  private static ObjectNode load() {
    try (InputStream in = OpenAiSchemas.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the conformance kit");
      }
      ObjectNode root = (ObjectNode) JsonSupport.MAPPER.readTree(in);
      ObjectNode components = (ObjectNode) root.get("components");
      nullable(components);
      return components;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code nullable: true} → {@code type: [t, "null"]} (and null among an enum), or {@code anyOf} with null for a reference. */
  private static void nullable(JsonNode node) {
    if (node instanceof ArrayNode array) {
      array.forEach(OpenAiSchemas::nullable);
      return;
    }
    if (!(node instanceof ObjectNode o)) {
      return;
    }
    o.forEach(OpenAiSchemas::nullable);
    if (!o.path("nullable").asBoolean(false)) {
      return;
    }
    o.remove("nullable");
    JsonNode type = o.get("type");
    if (type != null && type.isTextual()) {
      o.putArray("type").add(type.asText()).add("null");
      if (o.get("enum") instanceof ArrayNode values) {
        values.addNull();
      }
    } else if (o.has("$ref") || o.has("anyOf") || o.has("oneOf") || o.has("allOf")) {
      ObjectNode copy = o.deepCopy();
      o.removeAll();
      ArrayNode any = o.putArray("anyOf");
      any.add(copy);
      any.addObject().put("type", "null");
    }
  }
}
