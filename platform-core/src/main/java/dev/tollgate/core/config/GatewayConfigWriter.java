package dev.tollgate.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.tollgate.api.Settings;
import dev.tollgate.core.config.GatewayConfig.Backend;
import dev.tollgate.core.config.GatewayConfig.CostSpec;
import dev.tollgate.core.config.GatewayConfig.EnricherSpec;
import dev.tollgate.core.config.GatewayConfig.GuardSpec;
import dev.tollgate.core.config.GatewayConfig.HeaderMatch;
import dev.tollgate.core.config.GatewayConfig.Policy;
import dev.tollgate.core.config.GatewayConfig.Rule;
import dev.tollgate.core.config.GatewayConfig.WeightedBackend;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link GatewayConfig} as the YAML document {@link ConfigParser} reads:
 * {@code ConfigParser.parse(write(c))} gives back {@code c}, the settings blocks at the same paths.
 *
 * <p>{@code uuid}, the client schema, the header keys, the namespace and the {@code costs},
 * {@code rules} and {@code backends} lists are always written; any other field only when it is not
 * what the parser takes for it when it is left out. A plugin's settings follow the platform's own
 * keys of their block ({@code type}, ...) in their own order.
 */
public final class GatewayConfigWriter {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)); // "1" stays a string

  private GatewayConfigWriter() {
  }

  /**
   * The config as YAML.
   *
   * @throws IllegalArgumentException when a settings block uses a key of the platform's own in its
   *                                  block (e.g. a cost's {@code type}): that could not be read back
   */
  public static String write(GatewayConfig c) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("uuid", c.uuid());
    root.put("schema", Map.of("name", switch (c.clientSchema()) {
      case OPENAI -> "OpenAI";
      case ANTHROPIC -> "Anthropic";
    }));
    root.put("modelNameHeaderKey", c.modelHeader());
    root.put("selectedBackendHeaderKey", c.selectedBackendHeader());
    root.put("metadataNamespace", c.metadataNamespace());
    if (c.unknownPaths() == GatewayConfig.UnknownPaths.PASSTHROUGH) {
      root.put("unknownPaths", "PassThrough");
    }
    if (c.maxRequestBodyBytes() != GatewayConfig.DEFAULT_MAX_REQUEST_BODY_BYTES) {
      root.put("maxRequestBodyBytes", c.maxRequestBodyBytes());
    }
    if (c.maxDecodedResponseBytes() != GatewayConfig.DEFAULT_MAX_DECODED_RESPONSE_BYTES) {
      root.put("maxDecodedResponseBytes", c.maxDecodedResponseBytes());
    }
    c.routingHeader().ifPresent(h -> {
      Map<String, Object> block = new LinkedHashMap<>();
      block.put("name", h.name());
      putNonEmpty(block, "allowedBackends", h.allowed());
      root.put("routingHeader", block);
    });
    root.put("costs", costs(c.costs()));
    root.put("rules", c.rules().stream().map(GatewayConfigWriter::rule).toList());
    root.put("backends", c.backends().stream().map(GatewayConfigWriter::backend).toList());
    putNonEmpty(root, "policies", c.policies().stream().map(GatewayConfigWriter::policy).toList());
    putNonEmpty(root, "consumers", c.consumers().stream().map(GatewayConfigWriter::consumer).toList());
    try {
      return YAML.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the gateway config cannot be written as YAML", e);
    }
  }

  private static List<Map<String, Object>> costs(List<CostSpec> costs) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (CostSpec cost : costs) {
      Map<String, Object> block = new LinkedHashMap<>();
      block.put("metadataKey", cost.metadataKey());
      block.put("type", cost.type());
      out.add(withSettings(block, cost.settings()));
    }
    return out;
  }

  private static Map<String, Object> consumer(GatewayConfig.Consumer c) {
    Map<String, Object> block = new LinkedHashMap<>();
    block.put("name", c.name());
    putNonEmpty(block, "metadata", c.metadata());
    putNonEmpty(block, "models", c.models());
    List<Map<String, Object>> keys = new ArrayList<>();
    for (GatewayConfig.ClientKey k : c.keys()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("sha256", k.sha256());
      k.expires().ifPresent(e -> m.put("expires", e.toString()));
      keys.add(m);
    }
    block.put("keys", keys);
    return block;
  }

  private static Map<String, Object> rule(Rule r) {
    Map<String, Object> block = new LinkedHashMap<>();
    block.put("name", r.name());
    List<Map<String, Object>> headers = new ArrayList<>();
    for (HeaderMatch h : r.matches()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", h.header());
      m.put("type", h.type() == GatewayConfig.MatchType.EXACT ? "Exact" : "RegularExpression");
      m.put("value", h.value());
      headers.add(m);
    }
    putNonEmpty(block, "headers", headers);
    List<Map<String, Object>> backends = new ArrayList<>();
    for (WeightedBackend b : r.backends()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", b.backend());
      m.put("weight", b.weight());
      if (b.priority() != 0) {
        m.put("priority", b.priority());
      }
      backends.add(m);
    }
    block.put("backends", backends);
    if (r.placement() == GatewayConfig.Placement.UPSTREAM) {
      block.put("placement", "Upstream");
    }
    putNonEmpty(block, "costs", costs(r.costs()));
    putNonEmpty(block, "models", r.models());
    return block;
  }

  private static Map<String, Object> backend(Backend b) {
    Map<String, Object> block = new LinkedHashMap<>();
    block.put("name", b.name());
    Map<String, Object> schema = new LinkedHashMap<>();
    schema.put("name", b.schema());
    if (!b.schemaVersion().isEmpty()) {
      schema.put("version", b.schemaVersion());
    }
    block.put("schema", schema);
    if (!b.modelNameOverride().isEmpty()) {
      block.put("modelNameOverride", b.modelNameOverride());
    }
    putNonEmpty(block, "provider", b.provider().asMap());
    b.auth().ifPresent(a -> {
      Map<String, Object> auth = new LinkedHashMap<>();
      auth.put("type", a.type());
      block.put("auth", withSettings(auth, a.settings()));
    });
    return block;
  }

  private static Map<String, Object> policy(Policy p) {
    Map<String, Object> block = new LinkedHashMap<>();
    block.put("name", p.name());
    putNonEmpty(block, "rules", List.copyOf(p.rules()));
    putNonEmpty(block, "backends", List.copyOf(p.backends()));
    List<Map<String, Object>> guards = new ArrayList<>();
    for (GuardSpec g : p.guards()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("type", g.type());
      List<String> on = new ArrayList<>();
      if (g.onRequest()) {
        on.add("Request");
      }
      if (g.onResponse()) {
        on.add("Response");
      }
      m.put("on", on);
      guards.add(withSettings(m, g.settings()));
    }
    putNonEmpty(block, "guards", guards);
    List<Map<String, Object>> enrichment = new ArrayList<>();
    for (EnricherSpec e : p.enrichment()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("type", e.type());
      enrichment.add(withSettings(m, e.settings()));
    }
    putNonEmpty(block, "enrichment", enrichment);
    return block;
  }

  /** The platform's keys of a block followed by the plugin's settings. */
  private static Map<String, Object> withSettings(Map<String, Object> own, Settings settings) {
    for (Map.Entry<String, Object> e : settings.asMap().entrySet()) {
      if (own.containsKey(e.getKey())) {
        throw new IllegalArgumentException(settings.field(e.getKey()) + ": is a field of the platform's own in "
            + settings.path() + ", not a setting of the " + own.get("type") + " plugin");
      }
      own.put(e.getKey(), e.getValue());
    }
    return own;
  }

  private static void putNonEmpty(Map<String, Object> block, String key, Object value) {
    boolean empty = value instanceof Collection<?> c ? c.isEmpty() : ((Map<?, ?>) value).isEmpty();
    if (!empty) {
      block.put(key, value);
    }
  }
}
