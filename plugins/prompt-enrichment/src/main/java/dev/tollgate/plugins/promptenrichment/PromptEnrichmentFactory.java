package dev.tollgate.plugins.promptenrichment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.toolkit.JsonSupport;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;
import dev.tollgate.api.spi.NonBlocking;
import dev.tollgate.api.spi.RequestEnricher;
import dev.tollgate.api.spi.RequestEnricherFactory;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pf4j.Extension;

/**
 * Enrichment type {@code PromptEnrichment}, for chat completions, OpenAI responses and Anthropic
 * messages:
 * <pre>
 * - type: PromptEnrichment
 *   prepend: [{role: system, content: "Answer in French."}]
 *   append:  [{role: user, content: "Be brief."}]
 *   defaults:  {temperature: 0.2, stream_options: {include_usage: true}}   # set when absent
 *   overrides: {max_tokens: 512}                                          # always set
 * </pre>
 * For Anthropic messages a {@code system} message goes into the top-level {@code system}
 * (joined with what is there); for OpenAI responses a {@code system} or {@code developer} message
 * goes into {@code instructions} (joined likewise) and the others become input messages (a string
 * {@code input} becoming the user message it stands for). Defaults merge into objects the client sent, field by field; the
 * model cannot be set here (routing has already used it). A default or override is set only on
 * requests that accept it ({@link FieldFit}): {@code stream_options} only on streamed OpenAI
 * requests, fields of one client API only on its requests, none on embeddings.
 */
@NonBlocking
@Extension
public final class PromptEnrichmentFactory implements RequestEnricherFactory {
  private static final ObjectMapper JSON = JsonSupport.MAPPER;

  /** A message to add. */
  record Message(String role, String content) {
  }

  @Override
  public String type() {
    return "PromptEnrichment";
  }

  @Override
  public RequestEnricher create(Settings s) throws InvalidConfigException {
    s.allowOnly(Set.of("prepend", "append", "defaults", "overrides"));
    List<Message> prepend = messages(s, "prepend");
    List<Message> append = messages(s, "append");
    ObjectNode defaults = fields(s, "defaults");
    ObjectNode overrides = fields(s, "overrides");
    if (prepend.isEmpty() && append.isEmpty() && defaults.isEmpty() && overrides.isEmpty()) {
      throw new InvalidConfigException(s.path(), "set at least one of prepend, append, defaults, overrides");
    }
    return (endpoint, body) -> {
      if (endpoint == Endpoint.CHAT_COMPLETIONS) {
        addOpenAi(body, prepend, append);
      } else if (endpoint == Endpoint.MESSAGES) {
        addAnthropic(body, prepend, append);
      } else if (endpoint == Endpoint.RESPONSES) {
        addResponses(body, prepend, append);
      }
      mergeDefaults(body, fitting(defaults, endpoint, body));
      fitting(overrides, endpoint, body).fields()
          .forEachRemaining(e -> body.set(e.getKey(), e.getValue().deepCopy()));
      return body;
    };
  }

  private static List<Message> messages(Settings s, String key) throws InvalidConfigException {
    List<Message> out = new ArrayList<>();
    for (Settings m : s.children(key)) {
      m.allowOnly(Set.of("role", "content"));
      String role = m.string("role");
      if (!Set.of("system", "developer", "user", "assistant").contains(role)) {
        throw new InvalidConfigException(m.field("role"), "must be system, developer, user or assistant");
      }
      out.add(new Message(role, m.string("content")));
    }
    return List.copyOf(out);
  }

  private static ObjectNode fields(Settings s, String key) throws InvalidConfigException {
    Settings block = s.child(key);
    if (block.has("model")) {
      throw new InvalidConfigException(block.field("model"), "the model cannot be changed by enrichment; use a backend's modelNameOverride");
    }
    return JSON.valueToTree(block.asMap());
  }

  private static void addOpenAi(ObjectNode body, List<Message> prepend, List<Message> append) {
    if (prepend.isEmpty() && append.isEmpty()) {
      return;
    }
    ArrayNode old = body.path("messages").isArray() ? (ArrayNode) body.get("messages") : JSON.createArrayNode();
    ArrayNode messages = JSON.createArrayNode();
    prepend.forEach(m -> messages.addObject().put("role", m.role()).put("content", m.content()));
    messages.addAll(old);
    append.forEach(m -> messages.addObject().put("role", m.role()).put("content", m.content()));
    body.set("messages", messages);
  }

  private static void addResponses(ObjectNode body, List<Message> prepend, List<Message> append) {
    if (prepend.isEmpty() && append.isEmpty()) {
      return;
    }
    StringBuilder before = new StringBuilder();
    StringBuilder after = new StringBuilder();
    ArrayNode input = JSON.createArrayNode();
    for (Message m : prepend) {
      if (m.role().equals("system") || m.role().equals("developer")) {
        before.append(m.content()).append("\n\n");
      } else {
        input.addObject().put("role", m.role()).put("content", m.content());
      }
    }
    JsonNode old = body.get("input");
    if (old != null && old.isTextual()) {
      input.addObject().put("role", "user").put("content", old.asText());
    } else if (old != null && old.isArray()) {
      input.addAll((ArrayNode) old);
    }
    for (Message m : append) {
      if (m.role().equals("system") || m.role().equals("developer")) {
        after.append("\n\n").append(m.content());
      } else {
        input.addObject().put("role", m.role()).put("content", m.content());
      }
    }
    body.set("input", input);
    if (before.length() > 0 || after.length() > 0) {
      String existing = body.path("instructions").isTextual() ? body.get("instructions").asText() : "";
      body.put("instructions", (before + existing + after).strip());
    }
  }

  private static void addAnthropic(ObjectNode body, List<Message> prepend, List<Message> append) {
    StringBuilder systemBefore = new StringBuilder();
    StringBuilder systemAfter = new StringBuilder();
    ArrayNode messages = JSON.createArrayNode();
    for (Message m : prepend) {
      if (m.role().equals("system") || m.role().equals("developer")) {
        systemBefore.append(m.content()).append("\n\n");
      } else {
        messages.addObject().put("role", m.role()).put("content", m.content());
      }
    }
    if (body.path("messages").isArray()) {
      messages.addAll((ArrayNode) body.get("messages"));
    }
    for (Message m : append) {
      if (m.role().equals("system") || m.role().equals("developer")) {
        systemAfter.append("\n\n").append(m.content());
      } else {
        messages.addObject().put("role", m.role()).put("content", m.content());
      }
    }
    body.set("messages", messages);
    if (systemBefore.length() > 0 || systemAfter.length() > 0) {
      JsonNode system = body.get("system");
      if (system != null && system.isArray()) {
        ArrayNode blocks = JSON.createArrayNode();
        if (systemBefore.length() > 0) {
          blocks.addObject().put("type", "text").put("text", systemBefore.toString().strip());
        }
        blocks.addAll((ArrayNode) system);
        if (systemAfter.length() > 0) {
          blocks.addObject().put("type", "text").put("text", systemAfter.toString().strip());
        }
        body.set("system", blocks);
      } else {
        String existing = system == null ? "" : system.asText();
        body.put("system", (systemBefore + existing + systemAfter).strip());
      }
    }
  }

  /** The fields of {@code fields} that {@code request}, a request to {@code endpoint}, accepts. */
  private static ObjectNode fitting(ObjectNode fields, Endpoint endpoint, ObjectNode request) {
    ObjectNode out = JSON.createObjectNode();
    fields.fields().forEachRemaining(e -> {
      if (FieldFit.of(e.getKey()).fits(endpoint, request)) {
        out.set(e.getKey(), e.getValue());
      }
    });
    return out;
  }

  private static void mergeDefaults(ObjectNode target, ObjectNode defaults) {
    for (Iterator<Map.Entry<String, JsonNode>> it = defaults.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode current = target.get(e.getKey());
      if (current == null || current.isNull()) {
        target.set(e.getKey(), e.getValue().deepCopy());
      } else if (current.isObject() && e.getValue().isObject()) {
        mergeDefaults((ObjectNode) current, (ObjectNode) e.getValue());
      }
    }
  }
}
