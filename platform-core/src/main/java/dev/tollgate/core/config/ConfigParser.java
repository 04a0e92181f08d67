package dev.tollgate.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;
import dev.tollgate.core.config.GatewayConfig.AuthSpec;
import dev.tollgate.core.config.GatewayConfig.Backend;
import dev.tollgate.core.config.GatewayConfig.ClientKey;
import dev.tollgate.core.config.GatewayConfig.Consumer;
import dev.tollgate.core.config.GatewayConfig.CostSpec;
import dev.tollgate.core.config.GatewayConfig.EnricherSpec;
import dev.tollgate.core.config.GatewayConfig.GuardSpec;
import dev.tollgate.core.config.GatewayConfig.Policy;
import dev.tollgate.core.config.GatewayConfig.HeaderMatch;
import dev.tollgate.core.config.GatewayConfig.MatchType;
import dev.tollgate.core.config.GatewayConfig.Placement;
import dev.tollgate.core.config.GatewayConfig.RoutingHeader;
import dev.tollgate.core.config.GatewayConfig.Rule;
import dev.tollgate.core.config.GatewayConfig.UnknownPaths;
import dev.tollgate.core.config.GatewayConfig.WeightedBackend;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Turns the YAML text of a gateway config into a {@link GatewayConfig}, checking everything that
 * does not need the plugins (those checks are in {@link ConfigCompiler}). Unknown fields are
 * errors, so that a typo is reported instead of silently ignored.
 */
public final class ConfigParser {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern HEADER_NAME = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]+");

  private ConfigParser() {
  }

  public static GatewayConfig parse(String yaml) throws InvalidConfigException {
    Map<String, Object> root;
    try {
      Object tree = YAML.readValue(yaml, Object.class);
      if (tree == null) {
        throw new InvalidConfigException("(document)", "is empty");
      }
      if (!(tree instanceof Map<?, ?>)) {
        throw new InvalidConfigException("(document)", "must be a mapping with fields such as rules and backends");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) tree;
      root = m;
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()
          + ", column " + e.getLocation().getColumnNr();
      throw new InvalidConfigException("(document)", "is not valid YAML" + where + ": " + e.getOriginalMessage());
    }
    java.util.Optional<YamlAliases.Alias> alias = YamlAliases.first(yaml);
    if (alias.isPresent()) {
      throw new InvalidConfigException(alias.get().field().isEmpty() ? "(document)" : alias.get().field(),
          alias.get().message());
    }
    return parse(Settings.of("", root));
  }

  static GatewayConfig parse(Settings s) throws InvalidConfigException {
    s.allowOnly(Set.of("uuid", "schema", "modelNameHeaderKey", "selectedBackendHeaderKey", "metadataNamespace",
        "unknownPaths", "maxRequestBodyBytes", "maxDecodedResponseBytes", "routingHeader", "costs", "rules", "backends", "policies",
        "consumers"));
    String uuid = s.string("uuid", "unset");
    ClientApi clientSchema = clientSchema(s);
    String modelHeader = headerName(s, "modelNameHeaderKey", GatewayConfig.DEFAULT_MODEL_HEADER);
    String selectedHeader = headerName(s, "selectedBackendHeaderKey", GatewayConfig.DEFAULT_SELECTED_BACKEND_HEADER);
    String namespace = s.string("metadataNamespace", GatewayConfig.DEFAULT_METADATA_NAMESPACE);
    UnknownPaths unknownPaths = switch (s.string("unknownPaths", "Reject")) {
      case "Reject" -> UnknownPaths.REJECT;
      case "PassThrough" -> UnknownPaths.PASSTHROUGH;
      default -> throw new InvalidConfigException(s.field("unknownPaths"), "must be Reject or PassThrough");
    };
    long maxBody = s.longValue("maxRequestBodyBytes", 4L * 1024 * 1024);
    if (maxBody <= 0) {
      throw new InvalidConfigException(s.field("maxRequestBodyBytes"), "must be positive");
    }
    long maxDecoded = s.longValue("maxDecodedResponseBytes", 16L * 1024 * 1024);
    if (maxDecoded <= 0) {
      throw new InvalidConfigException(s.field("maxDecodedResponseBytes"), "must be positive");
    }

    List<Backend> backends = new ArrayList<>();
    Set<String> backendNames = new HashSet<>();
    for (Settings b : s.children("backends")) {
      Backend backend = backend(b);
      if (!backendNames.add(backend.name())) {
        throw new InvalidConfigException(b.field("name"), "backend '" + backend.name() + "' is defined twice");
      }
      backends.add(backend);
    }

    List<Rule> rules = new ArrayList<>();
    List<Settings> ruleSettings = s.children("rules");
    for (int i = 0; i < ruleSettings.size(); i++) {
      rules.add(rule(ruleSettings.get(i), i, backendNames, modelHeader));
    }

    Optional<RoutingHeader> routingHeader = Optional.empty();
    Settings rh = s.child("routingHeader");
    if (!rh.keys().isEmpty()) {
      rh.allowOnly(Set.of("enabled", "name", "allowedBackends"));
      if (rh.bool("enabled", true)) {
        List<String> allowed = rh.strings("allowedBackends");
        for (int i = 0; i < allowed.size(); i++) {
          if (!backendNames.contains(allowed.get(i))) {
            throw new InvalidConfigException(rh.field("allowedBackends") + "[" + i + "]",
                "backend '" + allowed.get(i) + "' is not defined under backends");
          }
        }
        String name = headerName(rh, "name", "x-ai-eg-backend");
        if (name.equals(selectedHeader) || name.equals(modelHeader)) {
          throw new InvalidConfigException(rh.field("name"), "'" + name + "' is the gateway's own "
              + (name.equals(selectedHeader) ? "selectedBackendHeaderKey" : "modelNameHeaderKey")
              + ", which clients may not set; pick another header name");
        }
        routingHeader = Optional.of(new RoutingHeader(name, allowed));
      }
    }

    List<CostSpec> costs = costs(s.children("costs"), new HashSet<>());
    Set<String> globalKeys = new HashSet<>();
    costs.forEach(c -> globalKeys.add(c.metadataKey()));
    for (int i = 0; i < rules.size(); i++) {
      Settings r = ruleSettings.get(i);
      for (Settings c : r.children("costs")) {
        if (globalKeys.contains(c.string("metadataKey"))) {
          throw new InvalidConfigException(c.field("metadataKey"), "'" + c.string("metadataKey")
              + "' is already a global cost; a rule's costs add new keys");
        }
      }
    }
    Set<String> ruleNames = new HashSet<>();
    for (int i = 0; i < rules.size(); i++) {
      if (!ruleNames.add(rules.get(i).name())) {
        throw new InvalidConfigException(ruleSettings.get(i).field("name"), "rule '" + rules.get(i).name() + "' is defined twice");
      }
    }
    List<Policy> policies = new ArrayList<>();
    for (Settings p : s.children("policies")) {
      policies.add(policy(p, ruleNames, backendNames));
    }
    return new GatewayConfig(uuid, clientSchema, modelHeader, selectedHeader, namespace, unknownPaths, maxBody,
        maxDecoded, routingHeader, costs, rules, backends, policies, consumers(s.children("consumers")));
  }

  private static final Pattern CONSUMER_NAME = Pattern.compile("[A-Za-z0-9._-]+");
  private static final Pattern METADATA_KEY = Pattern.compile("[a-z][a-z0-9_]*");
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  private static List<Consumer> consumers(List<Settings> list) throws InvalidConfigException {
    List<Consumer> consumers = new ArrayList<>();
    Set<String> names = new HashSet<>();
    Map<String, String> keyOwners = new HashMap<>();
    for (Settings c : list) {
      c.allowOnly(Set.of("name", "metadata", "models", "keys"));
      String name = c.string("name");
      if (!CONSUMER_NAME.matcher(name).matches()) {
        throw new InvalidConfigException(c.field("name"), "'" + name + "' may use letters, digits, '.', '_' and '-' only");
      }
      if (!names.add(name)) {
        throw new InvalidConfigException(c.field("name"), "consumer '" + name + "' is defined twice");
      }
      Map<String, String> metadata = new LinkedHashMap<>();
      Settings m = c.child("metadata");
      for (String k : m.keys()) {
        if (!METADATA_KEY.matcher(k).matches()) {
          throw new InvalidConfigException(m.field(k), "metadata keys are lower-case letters, digits and '_',"
              + " starting with a letter (they become rate-limit descriptor keys)");
        }
        metadata.put(k, m.string(k));
      }
      List<String> models = c.strings("models");
      for (int i = 0; i < models.size(); i++) {
        if (models.get(i).isBlank()) {
          throw new InvalidConfigException(c.field("models") + "[" + i + "]", "is empty");
        }
      }
      List<ClientKey> keys = new ArrayList<>();
      List<Settings> keyList = c.children("keys");
      if (keyList.isEmpty()) {
        throw new InvalidConfigException(c.field("keys"), "a consumer needs at least one key (its SHA-256;"
            + " `tollgate new-key` makes one)");
      }
      for (Settings k : keyList) {
        k.allowOnly(Set.of("sha256", "expires"));
        String hash = k.string("sha256").toLowerCase(Locale.ROOT);
        if (!SHA256_HEX.matcher(hash).matches()) {
          throw new InvalidConfigException(k.field("sha256"), "must be the 64 hex digits of the key's SHA-256"
              + " (e.g. printf %s \"$KEY\" | sha256sum), never the key itself");
        }
        String owner = keyOwners.putIfAbsent(hash, name);
        if (owner != null) {
          throw new InvalidConfigException(k.field("sha256"), "this key is already one of consumer '" + owner
              + "''s keys; a key identifies exactly one consumer");
        }
        Optional<Instant> expires = Optional.empty();
        if (k.has("expires")) {
          try {
            expires = Optional.of(Instant.parse(k.string("expires")));
          } catch (DateTimeParseException e) {
            throw new InvalidConfigException(k.field("expires"), "must be an instant such as 2027-01-31T00:00:00Z, not '"
                + k.string("expires") + "'");
          }
        }
        keys.add(new ClientKey(hash, expires));
      }
      consumers.add(new Consumer(name, metadata, models, keys));
    }
    return consumers;
  }

  private static List<CostSpec> costs(List<Settings> list, Set<String> keys) throws InvalidConfigException {
    List<CostSpec> costs = new ArrayList<>();
    for (Settings c : list) {
      String key = c.string("metadataKey");
      if (!keys.add(key)) {
        throw new InvalidConfigException(c.field("metadataKey"), "'" + key + "' is used by two costs");
      }
      costs.add(new CostSpec(key, c.string("type"), without(c, "metadataKey", "type")));
    }
    return costs;
  }

  /** The block without the platform's own keys: what the plugin gets. */
  private static Settings without(Settings s, String... keys) {
    Map<String, Object> rest = new LinkedHashMap<>(s.asMap());
    for (String k : keys) {
      rest.remove(k);
    }
    return Settings.of(s.path(), rest);
  }

  private static Policy policy(Settings p, Set<String> ruleNames, Set<String> backendNames) throws InvalidConfigException {
    p.allowOnly(Set.of("name", "rules", "backends", "guards", "enrichment"));
    String name = p.string("name");
    List<String> rules = p.strings("rules");
    for (int i = 0; i < rules.size(); i++) {
      if (!ruleNames.contains(rules.get(i))) {
        throw new InvalidConfigException(p.field("rules") + "[" + i + "]", "rule '" + rules.get(i) + "' is not defined under rules");
      }
    }
    List<String> backends = p.strings("backends");
    for (int i = 0; i < backends.size(); i++) {
      if (!backendNames.contains(backends.get(i))) {
        throw new InvalidConfigException(p.field("backends") + "[" + i + "]", "backend '" + backends.get(i) + "' is not defined under backends");
      }
    }
    List<GuardSpec> guards = new ArrayList<>();
    for (Settings g : p.children("guards")) {
      List<String> on = g.has("on") ? g.strings("on") : List.of("Request", "Response");
      boolean req = false;
      boolean resp = false;
      for (int i = 0; i < on.size(); i++) {
        switch (on.get(i)) {
          case "Request" -> req = true;
          case "Response" -> resp = true;
          default -> throw new InvalidConfigException(g.field("on") + "[" + i + "]", "must be Request or Response, not '" + on.get(i) + "'");
        }
      }
      if (!req && !resp) {
        throw new InvalidConfigException(g.field("on"), "name Request, Response or both");
      }
      guards.add(new GuardSpec(g.string("type"), req, resp, without(g, "type", "on")));
    }
    List<EnricherSpec> enrichment = new ArrayList<>();
    for (Settings e : p.children("enrichment")) {
      enrichment.add(new EnricherSpec(e.string("type"), without(e, "type")));
    }
    return new Policy(name, Set.copyOf(rules), Set.copyOf(backends), guards, enrichment);
  }

  private static ClientApi clientSchema(Settings s) throws InvalidConfigException {
    Settings schema = s.child("schema");
    schema.allowOnly(Set.of("name"));
    String name = schema.string("name", "OpenAI");
    return switch (name) {
      case "OpenAI" -> ClientApi.OPENAI;
      case "Anthropic" -> ClientApi.ANTHROPIC;
      default -> throw new InvalidConfigException(schema.field("name"), "must be OpenAI or Anthropic, not '" + name + "'");
    };
  }

  private static String headerName(Settings s, String key, String def) throws InvalidConfigException {
    String v = s.string(key, def);
    if (!HEADER_NAME.matcher(v).matches()) {
      throw new InvalidConfigException(s.field(key), "'" + v + "' is not a lower-case HTTP header name");
    }
    return v;
  }

  private static Backend backend(Settings b) throws InvalidConfigException {
    b.allowOnly(Set.of("name", "schema", "auth", "modelNameOverride", "provider"));
    String name = b.string("name");
    Settings schema = b.child("schema");
    schema.allowOnly(Set.of("name", "version"));
    String schemaName = schema.string("name");
    String version = schema.string("version", "");
    String override = b.string("modelNameOverride", "");
    Optional<AuthSpec> auth = Optional.empty();
    if (b.has("auth")) {
      Settings a = b.child("auth");
      auth = Optional.of(new AuthSpec(a.string("type"), without(a, "type")));
    }
    return new Backend(name, schemaName, version, override, b.child("provider"), auth);
  }

  private static Rule rule(Settings r, int index, Set<String> backendNames, String modelHeader)
      throws InvalidConfigException {
    r.allowOnly(Set.of("name", "headers", "backends", "costs", "placement", "models"));
    String name = r.string("name", "rule-" + index);
    List<HeaderMatch> matches = new ArrayList<>();
    for (Settings h : r.children("headers")) {
      h.allowOnly(Set.of("name", "type", "value"));
      String header = h.string("name").toLowerCase(Locale.ROOT);
      String type = h.string("type", "Exact");
      String value = h.string("value");
      switch (type) {
        case "Exact" -> matches.add(new HeaderMatch(header, MatchType.EXACT, value, null));
        case "RegularExpression" -> {
          try {
            matches.add(new HeaderMatch(header, MatchType.REGULAR_EXPRESSION, value, Pattern.compile(value)));
          } catch (PatternSyntaxException e) {
            throw new InvalidConfigException(h.field("value"),
                "is not a valid regular expression (" + e.getDescription() + " near index " + e.getIndex() + ")");
          }
        }
        default -> throw new InvalidConfigException(h.field("type"), "must be Exact or RegularExpression, not '" + type + "'");
      }
    }
    List<WeightedBackend> refs = new ArrayList<>();
    List<Settings> backendRefs = r.children("backends");
    if (backendRefs.isEmpty()) {
      throw new InvalidConfigException(r.field("backends"), "a rule needs at least one backend");
    }
    for (Settings ref : backendRefs) {
      ref.allowOnly(Set.of("name", "weight", "priority"));
      String backend = ref.string("name");
      if (!backendNames.contains(backend)) {
        throw new InvalidConfigException(ref.field("name"), "backend '" + backend + "' is not defined under backends");
      }
      long weight = ref.longValue("weight", 1);
      if (weight < 0 || weight > 1_000_000) {
        throw new InvalidConfigException(ref.field("weight"), "must be between 0 and 1000000");
      }
      long priority = ref.longValue("priority", 0);
      if (priority < 0 || priority > 127) {
        throw new InvalidConfigException(ref.field("priority"), "must be between 0 (primary) and 127");
      }
      refs.add(new WeightedBackend(backend, (int) weight, (int) priority));
    }
    int best = refs.stream().mapToInt(WeightedBackend::priority).min().orElseThrow();
    if (refs.stream().filter(b -> b.priority() == best).mapToLong(WeightedBackend::weight).sum() == 0) {
      throw new InvalidConfigException(r.field("backends"), "at least one backend of priority " + best
          + " needs a weight above 0");
    }
    Placement placement = switch (r.string("placement", "Router")) {
      case "Router" -> Placement.ROUTER;
      case "Upstream" -> Placement.UPSTREAM;
      default -> throw new InvalidConfigException(r.field("placement"), "must be Router (translate in the router phase"
          + " for the backend picked there) or Upstream (translate each attempt in Envoy's upstream filter chain)");
    };
    if (placement == Placement.ROUTER && refs.stream().anyMatch(b -> b.priority() != best)) {
      throw new InvalidConfigException(r.field("placement"), "backends of a lower priority are fallbacks, and only"
          + " placement: Upstream can fall back to them (Envoy retries each attempt through the rule's cluster);"
          + " set placement: Upstream, or give every backend the same priority");
    }
    return new Rule(name, matches, refs, costs(r.children("costs"), new HashSet<>()), placement, models(r, matches, modelHeader));
  }

  /**
   * A rule's {@code models}: the model names it declares for {@code GET /v1/models} (those its
   * RegularExpression matches or a rule without a model match serves), each non-blank and once.
   */
  private static List<String> models(Settings r, List<HeaderMatch> matches, String modelHeader)
      throws InvalidConfigException {
    List<String> models = r.strings("models");
    List<HeaderMatch> onModel = matches.stream().filter(m -> m.header().equals(modelHeader)).toList();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < models.size(); i++) {
      String m = models.get(i);
      if (m.isBlank()) {
        throw new InvalidConfigException(r.field("models") + "[" + i + "]", "must be a model name, not blank");
      }
      if (!m.equals(m.strip())) {
        throw new InvalidConfigException(r.field("models") + "[" + i + "]", "'" + m
            + "' has leading or trailing spaces; write the model name as clients send it");
      }
      if (!seen.add(m)) {
        throw new InvalidConfigException(r.field("models") + "[" + i + "]", "'" + m + "' is listed twice");
      }
      for (HeaderMatch match : onModel) {
        if (!match.matches(m)) {
          throw new InvalidConfigException(r.field("models") + "[" + i + "]", "'" + m + "' does not match the rule's "
              + (match.type() == MatchType.EXACT ? "Exact" : "RegularExpression") + " match '" + match.value()
              + "' on " + modelHeader + ", so this rule would not serve it; list only models the rule serves");
        }
      }
    }
    return models;
  }
}
