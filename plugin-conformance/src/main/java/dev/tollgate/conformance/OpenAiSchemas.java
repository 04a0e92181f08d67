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
 * OpenAI's own response schemas (its OpenAPI documents, {@code components.schemas}), as JSON
 * Schema 2020-12 validators: chat completions, embeddings, models and errors in one document, the
 * Responses API ({@code Response}, {@code ResponseStreamEvent}) in another (an OpenAPI 3.1 one,
 * whose nulls are already JSON Schema's). OpenAPI 3.0's {@code nullable: true} is rewritten to its
 * JSON Schema meaning (the type, or null) before the schemas are compiled.
 */
final class OpenAiSchemas {
  private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
  private static final OpenAiSchemas CHAT = new OpenAiSchemas("openai-response-schemas.json");
  private static final OpenAiSchemas RESPONSES = new OpenAiSchemas("openai-responses-api-schemas.json");

  private final String resource;
  private final ObjectNode components;
  private final Map<String, Schema> schemas = new ConcurrentHashMap<>();

  private OpenAiSchemas(String resource) {
    this.resource = resource;
    this.components = load(resource);
  }

  /** What is wrong with {@code json} as an instance of OpenAI's schema {@code name}; empty when it conforms. */
  static List<String> problems(String name, JsonNode json) {
    return CHAT.check(name, json);
  }

  /** {@link #problems} for a schema of the Responses API ({@code Response}, {@code ResponseStreamEvent}, …). */
  static List<String> responsesProblems(String name, JsonNode json) {
    return RESPONSES.check(name, json);
  }

  /**
   * The Responses API schema of the stream event of {@code type} (e.g. {@code ResponseTextDeltaEvent}
   * for {@code response.output_text.delta}): the member of {@code ResponseStreamEvent} whose
   * {@code type} is that; null for a type OpenAI does not stream.
   */
  static String responsesEventSchema(String type) {
    for (JsonNode member : RESPONSES.components.path("schemas").path("ResponseStreamEvent").path("anyOf")) {
      String name = member.path("$ref").asText().replace("#/components/schemas/", "");
      JsonNode values = RESPONSES.components.path("schemas").path(name).path("properties").path("type").path("enum");
      for (JsonNode v : values) {
        if (v.asText().equals(type)) {
          return name;
        }
      }
    }
    return null;
  }

  private List<String> check(String name, JsonNode json) {
    Schema schema = schemas.computeIfAbsent(name, this::compile);
    return schema.validate(JsonSupport.string(json), InputFormat.JSON).stream().map(Error::toString).toList();
  }

  private Schema compile(String name) {
    if (!components.path("schemas").has(name)) {
      throw new IllegalArgumentException("OpenAI's schemas (" + resource + ") have no " + name);
    }
    ObjectNode doc = JsonSupport.object();
    doc.put("$ref", "#/components/schemas/" + name);
    doc.set("components", components);
    return REGISTRY.getSchema(JsonSupport.string(doc), InputFormat.JSON);
  }

  private static ObjectNode load(String resource) {
    try (InputStream in = OpenAiSchemas.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is missing from the conformance kit");
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
