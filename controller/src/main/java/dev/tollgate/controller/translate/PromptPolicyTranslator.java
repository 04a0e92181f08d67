package dev.tollgate.controller.translate;

import dev.tollgate.controller.resource.LocalRef;
import dev.tollgate.controller.resource.Problem;
import dev.tollgate.controller.resource.PromptPolicySpec;
import dev.tollgate.controller.resource.Resource;
import java.net.URI;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Turns one {@code PromptPolicy} into an entry of the gateway config's {@code policies}: the
 * emitted rule names of its target routes, the backends it is limited to, its guards and its
 * enrichment. The built-in guard and enrichment types are checked here as their plugins
 * (plugins/prompt-guards, plugins/prompt-enrichment) check them at load, so that a mistake is
 * reported with the resource's file and field instead of as a refused gateway config.
 */
final class PromptPolicyTranslator {
  /** The built-in guard types and the settings block each reads. */
  static final Map<String, String> BUILTIN_GUARDS = Map.of("Regex", "regex", "Webhook", "webhook",
      "Moderation", "moderation");
  /** RegexGuardFactory.BUILTINS. */
  static final Set<String> REGEX_BUILTINS = Set.of("creditCard", "ssn", "email", "phone");
  /** PromptEnrichmentFactory: the roles a message may have. */
  static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");
  private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");

  private final List<Problem> problems;
  private final List<String> warnings;
  private boolean containsSecrets;

  PromptPolicyTranslator(List<Problem> problems, List<String> warnings) {
    this.problems = problems;
    this.warnings = warnings;
  }

  /** True once a translated policy carried a value that belongs in a Secret (webhook headers). */
  boolean containsSecrets() {
    return containsSecrets;
  }

  /**
   * The policy as a {@code policies} entry, or null when it has problems (added to the list).
   *
   * @param rulesByRoute    the emitted rule names of each route
   * @param backendsByRoute every backend each route references (all priorities)
   */
  PolicyOutput translate(Resource<PromptPolicySpec> p, Map<String, List<String>> rulesByRoute,
                         Map<String, Set<String>> backendsByRoute) {
    PromptPolicySpec s = p.spec();
    int before = problems.size();
    List<String> routes = new ArrayList<>();
    Set<String> rules = new LinkedHashSet<>();
    Set<String> reachable = new LinkedHashSet<>();
    if (s.targetRefs() == null || s.targetRefs().isEmpty()) {
      problem(p, "spec.targetRefs", "name at least one AIGatewayRoute");
    } else {
      for (int i = 0; i < s.targetRefs().size(); i++) {
        String name = s.targetRefs().get(i).name();
        if (!rulesByRoute.containsKey(name)) {
          problem(p, "spec.targetRefs[" + i + "].name", "AIGatewayRoute '" + name + "' is not defined");
        } else if (!routes.contains(name)) {
          routes.add(name);
          rules.addAll(rulesByRoute.get(name));
          reachable.addAll(backendsByRoute.getOrDefault(name, Set.of()));
        }
      }
    }
    boolean targetsOk = problems.size() == before; // else the reachable backends are incomplete
    List<String> backends = new ArrayList<>();
    List<LocalRef> backendRefs = s.backendRefs() == null ? List.of() : s.backendRefs();
    for (int i = 0; i < backendRefs.size(); i++) {
      String name = backendRefs.get(i).name();
      if (!reachable.contains(name)) {
        if (targetsOk) {
          problem(p, "spec.backendRefs[" + i + "].name", "AIServiceBackend '" + name
              + "' is not a backend of the target routes " + routes + ", so the policy would never apply to it");
        }
      } else if (!backends.contains(name)) {
        backends.add(name);
      }
    }
    List<PromptPolicySpec.Guard> guards = s.guards() == null ? List.of() : s.guards();
    if (guards.isEmpty() && s.enrichment() == null) {
      problem(p, "spec", "set guards, enrichment or both; this policy does nothing");
    }
    List<Map<String, Object>> guardBlocks = new ArrayList<>();
    for (int i = 0; i < guards.size(); i++) {
      Map<String, Object> g = guard(p, "spec.guards[" + i + "]", guards.get(i));
      if (g != null) {
        guardBlocks.add(g);
      }
    }
    Map<String, Object> enrichment = s.enrichment() == null ? null : enrichment(p, s.enrichment());
    if (problems.size() != before) {
      return null;
    }
    Map<String, Object> policy = new LinkedHashMap<>();
    policy.put("name", p.name());
    policy.put("rules", new ArrayList<>(rules));
    if (!backends.isEmpty()) {
      policy.put("backends", backends);
    }
    if (!guardBlocks.isEmpty()) {
      policy.put("guards", guardBlocks);
    }
    if (enrichment != null) {
      policy.put("enrichment", List.of(enrichment));
    }
    return new PolicyOutput(policy, new PromptPolicyBinding(p.name(), routes, new ArrayList<>(rules), s));
  }

  /** A translated policy: the {@code policies} entry and what it was bound to. */
  record PolicyOutput(Map<String, Object> block, PromptPolicyBinding binding) {
  }

  private Map<String, Object> guard(Resource<?> p, String f, PromptPolicySpec.Guard g) {
    int before = problems.size();
    if (g.type() == null || g.type().isBlank()) {
      problem(p, f + ".type", "is missing; use Regex, Webhook, Moderation or a guard type of a plugin");
      return null;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("type", g.type());
    out.put("on", on(p, f + ".on", g.on()));
    int shape = problems.size();
    Map<String, Object> blocks = new LinkedHashMap<>();
    blocks.put("regex", g.regex());
    blocks.put("webhook", g.webhook());
    blocks.put("moderation", g.moderation());
    String own = BUILTIN_GUARDS.get(g.type());
    for (Map.Entry<String, Object> e : blocks.entrySet()) {
      if (e.getValue() != null && !e.getKey().equals(own)) {
        problem(p, f + "." + e.getKey(), "does not belong to type " + g.type() + "; remove it or change the type");
      }
    }
    if (own != null && g.settings() != null) {
      problem(p, f + ".settings", "is for guard types of other plugins; put the settings of " + g.type()
          + " under " + f + "." + own);
    }
    if (problems.size() != shape) {
      return null;
    }
    switch (g.type()) {
      case "Regex" -> regex(p, f + ".regex", g.regex(), out);
      case "Webhook" -> webhook(p, f + ".webhook", g.webhook(), out);
      case "Moderation" -> moderation(p, f + ".moderation", g.moderation(), out);
      default -> {
        Map<String, Object> settings = g.settings() == null ? Map.of() : g.settings();
        for (String key : settings.keySet()) {
          if (key.equals("type") || key.equals("on")) {
            problem(p, f + ".settings." + key, "is set outside settings already");
          } else {
            out.put(key, settings.get(key));
          }
        }
        warnings.add(p.origin() + ": " + f + ": guard type '" + g.type() + "' is not built in (Regex, Webhook,"
            + " Moderation); extproc-server needs a plugin that provides it");
      }
    }
    return problems.size() == before ? out : null;
  }

  private List<String> on(Resource<?> p, String f, List<String> on) {
    if (on == null) {
      return List.of("Request", "Response");
    }
    if (on.isEmpty()) {
      problem(p, f, "name Request, Response or both (leave it out for both)");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < on.size(); i++) {
      String v = on.get(i);
      if (!"Request".equals(v) && !"Response".equals(v)) {
        problem(p, f + "[" + i + "]", "must be Request or Response, not '" + v + "'");
      } else if (out.contains(v)) {
        problem(p, f + "[" + i + "]", "names " + v + " twice");
      } else {
        out.add(v);
      }
    }
    return out;
  }

  private void regex(Resource<?> p, String f, PromptPolicySpec.Regex r, Map<String, Object> out) {
    if (r == null) {
      problem(p, f, "is required for type Regex: name builtins, patterns or both");
      return;
    }
    List<String> builtins = r.builtins() == null ? List.of() : r.builtins();
    for (int i = 0; i < builtins.size(); i++) {
      if (!REGEX_BUILTINS.contains(builtins.get(i))) {
        problem(p, f + ".builtins[" + i + "]", "unknown builtin '" + builtins.get(i) + "'; known: "
            + new java.util.TreeSet<>(REGEX_BUILTINS));
      }
    }
    List<PromptPolicySpec.NamedPattern> patterns = r.patterns() == null ? List.of() : r.patterns();
    List<Map<String, Object>> patternBlocks = new ArrayList<>();
    for (int i = 0; i < patterns.size(); i++) {
      PromptPolicySpec.NamedPattern np = patterns.get(i);
      String pf = f + ".patterns[" + i + "]";
      if (np.name() == null || np.name().isBlank()) {
        problem(p, pf + ".name", "is missing (it names the finding in messages and masks)");
      }
      if (np.regex() == null) {
        problem(p, pf + ".regex", "is missing");
        continue;
      }
      try {
        Pattern.compile(np.regex());
      } catch (PatternSyntaxException e) {
        problem(p, pf + ".regex", "is not a valid regular expression (" + e.getDescription() + ")");
      }
      Map<String, Object> block = new LinkedHashMap<>();
      block.put("name", np.name());
      block.put("regex", np.regex());
      patternBlocks.add(block);
    }
    if (builtins.isEmpty() && patterns.isEmpty()) {
      problem(p, f, "name at least one of builtins or patterns");
    }
    String action = r.action() == null ? "Reject" : r.action();
    if (!action.equals("Reject") && !action.equals("Mask")) {
      problem(p, f + ".action", "must be Reject or Mask, not '" + action + "'");
    }
    if (action.equals("Mask") && (r.status() != null || r.message() != null)) {
      problem(p, f + (r.status() != null ? ".status" : ".message"), "only applies to action Reject");
    }
    if (action.equals("Reject") && r.replacement() != null) {
      problem(p, f + ".replacement", "only applies to action Mask");
    }
    status(p, f + ".status", r.status());
    put(out, "builtins", builtins.isEmpty() ? null : builtins);
    put(out, "patterns", patternBlocks.isEmpty() ? null : patternBlocks);
    put(out, "action", r.action());
    put(out, "status", r.status());
    put(out, "message", r.message());
    put(out, "replacement", r.replacement());
  }

  private void webhook(Resource<?> p, String f, PromptPolicySpec.Webhook w, Map<String, Object> out) {
    if (w == null || w.url() == null) {
      problem(p, f + ".url", "is required for type Webhook");
      return;
    }
    url(p, f + ".url", w.url());
    timeout(p, f + ".timeout", w.timeout());
    Map<String, String> headers = w.headers() == null ? Map.of() : w.headers();
    for (Map.Entry<String, String> h : headers.entrySet()) {
      if (!HEADER_NAME.matcher(h.getKey()).matches()) {
        problem(p, f + ".headers." + h.getKey(), "is not an HTTP header name");
      } else if (h.getValue() == null) {
        problem(p, f + ".headers." + h.getKey(), "has no value");
      }
    }
    put(out, "url", w.url());
    put(out, "timeout", w.timeout());
    put(out, "failOpen", w.failOpen());
    if (!headers.isEmpty()) {
      out.put("headers", new LinkedHashMap<>(headers));
      containsSecrets = true; // e.g. an authorization header: keep the gateway config in a Secret
    }
  }

  private void moderation(Resource<?> p, String f, PromptPolicySpec.Moderation m, Map<String, Object> out) {
    if (m == null) {
      return; // all defaults: OpenAI's moderation endpoint without a key
    }
    if (m.url() != null) {
      url(p, f + ".url", m.url());
    }
    if (m.model() != null && m.model().isBlank()) {
      problem(p, f + ".model", "must not be empty");
    }
    if (m.apiKeyFile() != null && m.apiKeyEnv() != null) {
      problem(p, f + ".apiKeyEnv", "set apiKeyFile or apiKeyEnv, not both");
    }
    status(p, f + ".status", m.status());
    timeout(p, f + ".timeout", m.timeout());
    put(out, "url", m.url());
    put(out, "model", m.model());
    put(out, "apiKeyFile", m.apiKeyFile());
    put(out, "apiKeyEnv", m.apiKeyEnv());
    put(out, "status", m.status());
    put(out, "timeout", m.timeout());
    put(out, "failOpen", m.failOpen());
  }

  private Map<String, Object> enrichment(Resource<?> p, PromptPolicySpec.Enrichment e) {
    String f = "spec.enrichment";
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("type", "PromptEnrichment");
    List<Map<String, Object>> prepend = messages(p, f + ".prepend", e.prepend());
    List<Map<String, Object>> append = messages(p, f + ".append", e.append());
    Map<String, Object> defaults = e.defaults() == null ? Map.of() : e.defaults();
    Map<String, Object> overrides = e.overrides() == null ? Map.of() : e.overrides();
    if (defaults.containsKey("model")) {
      problem(p, f + ".defaults.model", "the model cannot be changed by enrichment; use a backend's modelNameOverride");
    }
    if (overrides.containsKey("model")) {
      problem(p, f + ".overrides.model", "the model cannot be changed by enrichment; use a backend's modelNameOverride");
    }
    if (prepend.isEmpty() && append.isEmpty() && defaults.isEmpty() && overrides.isEmpty()) {
      problem(p, f, "set at least one of prepend, append, defaults, overrides");
    }
    put(out, "prepend", prepend.isEmpty() ? null : prepend);
    put(out, "append", append.isEmpty() ? null : append);
    put(out, "defaults", defaults.isEmpty() ? null : defaults);
    put(out, "overrides", overrides.isEmpty() ? null : overrides);
    return out;
  }

  private List<Map<String, Object>> messages(Resource<?> p, String f, List<PromptPolicySpec.Message> messages) {
    List<Map<String, Object>> out = new ArrayList<>();
    if (messages == null) {
      return out;
    }
    for (int i = 0; i < messages.size(); i++) {
      PromptPolicySpec.Message m = messages.get(i);
      if (m.role() == null || !ROLES.contains(m.role())) {
        problem(p, f + "[" + i + "].role", "must be system, developer, user or assistant, not '" + m.role() + "'");
      }
      if (m.content() == null) {
        problem(p, f + "[" + i + "].content", "is missing");
      }
      Map<String, Object> block = new LinkedHashMap<>();
      block.put("role", m.role());
      block.put("content", m.content());
      out.add(block);
    }
    return out;
  }

  private void url(Resource<?> p, String f, String url) {
    try {
      URI uri = URI.create(url);
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
        problem(p, f, "'" + url + "' must be an http or https URL with a host");
      }
    } catch (IllegalArgumentException e) {
      problem(p, f, "'" + url + "' is not a URL");
    }
  }

  private void timeout(Resource<?> p, String f, String timeout) {
    if (timeout == null) {
      return;
    }
    try {
      Duration d = Duration.parse(timeout);
      if (d.isNegative() || d.isZero()) {
        problem(p, f, "must be positive");
      }
    } catch (DateTimeParseException e) {
      problem(p, f, "'" + timeout + "' must be an ISO-8601 duration such as PT0.5S or PT2S");
    }
  }

  private void status(Resource<?> p, String f, Integer status) {
    if (status != null && (status < 400 || status > 599)) {
      problem(p, f, "must be an HTTP error status (400-599)");
    }
  }

  private void problem(Resource<?> p, String field, String message) {
    problems.add(new Problem(p.origin(), field, message));
  }

  private static void put(Map<String, Object> out, String key, Object value) {
    if (value != null) {
      out.put(key, value);
    }
  }
}
