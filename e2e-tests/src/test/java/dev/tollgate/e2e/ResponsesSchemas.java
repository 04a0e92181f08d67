package dev.tollgate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * OpenAI's Responses API schemas (its OpenAPI document's {@code components.schemas}, OpenAPI 3.1,
 * i.e. JSON Schema 2020-12), for checking Responses answers and events.
 */
final class ResponsesSchemas {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNode COMPONENTS = load();
  private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
  private static final Map<String, Schema> SCHEMAS = new ConcurrentHashMap<>();
  /** The schema of each streamed event type used here. */
  private static final Map<String, String> EVENTS = Map.ofEntries(
      Map.entry("response.created", "ResponseCreatedEvent"),
      Map.entry("response.in_progress", "ResponseInProgressEvent"),
      Map.entry("response.output_item.added", "ResponseOutputItemAddedEvent"),
      Map.entry("response.content_part.added", "ResponseContentPartAddedEvent"),
      Map.entry("response.output_text.delta", "ResponseTextDeltaEvent"),
      Map.entry("response.output_text.done", "ResponseTextDoneEvent"),
      Map.entry("response.content_part.done", "ResponseContentPartDoneEvent"),
      Map.entry("response.output_item.done", "ResponseOutputItemDoneEvent"),
      Map.entry("response.completed", "ResponseCompletedEvent"),
      Map.entry("error", "ResponseErrorEvent"));

  private ResponsesSchemas() {
  }

  /** What is wrong with {@code json} as an instance of schema {@code name}; empty when it conforms. */
  static List<String> problems(String name, JsonNode json) {
    Schema schema = SCHEMAS.computeIfAbsent(name, ResponsesSchemas::compile);
    return schema.validate(json.toString(), InputFormat.JSON).stream().map(Error::toString).toList();
  }

  /** What is wrong with a streamed event, by the schema of its {@code type}. */
  static List<String> eventProblems(JsonNode event) {
    String schema = EVENTS.get(event.path("type").asText());
    return schema == null ? List.of("no schema here for event type '" + event.path("type").asText() + "'")
        : problems(schema, event);
  }

  private static Schema compile(String name) {
    if (!COMPONENTS.path("schemas").has(name)) {
      throw new IllegalArgumentException("the Responses API schemas have no " + name);
    }
    ObjectNode doc = JSON.createObjectNode();
    doc.put("$ref", "#/components/schemas/" + name);
    doc.set("components", COMPONENTS);
    return REGISTRY.getSchema(doc.toString(), InputFormat.JSON);
  }

  private static JsonNode load() {
    try (InputStream in = ResponsesSchemas.class.getResourceAsStream("/openai-responses-api-schemas.json")) {
      return JSON.readTree(in).get("components");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
