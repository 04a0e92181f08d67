package dev.tollgate.controller.translate;

import dev.tollgate.api.Settings;
import dev.tollgate.controller.resource.LocalRef;
import dev.tollgate.controller.resource.Problem;
import dev.tollgate.controller.resource.PromptPolicySpec;
import dev.tollgate.controller.resource.Resource;
import dev.tollgate.core.config.GatewayConfig.EnricherSpec;
import dev.tollgate.core.config.GatewayConfig.GuardSpec;
import dev.tollgate.core.config.GatewayConfig.Policy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns one {@code PromptPolicy} into a {@link Policy} of the gateway config: the
 * emitted rule names of its target routes, the backends it is limited to, its guards and its
 * enrichment. Checked here: the references and the resource's shape (which block belongs to which
 * type). The guard and enrichment settings are the plugins' to judge: {@link PluginCheck} compiles
 * them with the installed plugins and reports their errors at the resource's fields.
 */
final class PromptPolicyTranslator {
  /** The guard types that have a block of their own in the resource, and that block. */
  static final Map<String, String> BUILTIN_GUARDS = Map.of("Regex", "regex", "Webhook", "webhook",
      "Moderation", "moderation");
  private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");

  private final List<Problem> problems;
  private boolean containsSecrets;

  PromptPolicyTranslator(List<Problem> problems) {
    this.problems = problems;
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
   * @param origins         where the policy's guards and enrichment are noted, as the entry at {@code at}
   */
  PolicyOutput translate(Resource<PromptPolicySpec> p, Map<String, List<String>> rulesByRoute,
                         Map<String, Set<String>> backendsByRoute, ConfigOrigins origins, String at) {
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
    List<GuardSpec> guardSpecs = new ArrayList<>();
    for (int i = 0; i < guards.size(); i++) {
      String f = "spec.guards[" + i + "]";
      String place = at + ".guards[" + guardSpecs.size() + "]";
      GuardSpec g = guard(p, f, guards.get(i), place);
      if (g != null) {
        String block = BUILTIN_GUARDS.getOrDefault(guards.get(i).type(), "settings");
        origins.addWithSettings(place, p.origin(), f, Set.of("type", "on"), f + "." + block);
        guardSpecs.add(g);
      }
    }
    List<EnricherSpec> enrichment = s.enrichment() == null ? List.of()
        : List.of(enrichment(s.enrichment(), at + ".enrichment[0]"));
    if (problems.size() != before) {
      return null;
    }
    if (!enrichment.isEmpty()) {
      origins.add(at + ".enrichment[0]", p.origin(), "spec.enrichment");
    }
    Policy policy = new Policy(p.name(), rules, new LinkedHashSet<>(backends), guardSpecs, enrichment);
    return new PolicyOutput(policy, new PromptPolicyBinding(p.name(), routes, new ArrayList<>(rules), s));
  }

  /** A translated policy: the {@code policies} entry and what it was bound to. */
  record PolicyOutput(Policy policy, PromptPolicyBinding binding) {
  }

  /** The guard, its settings at {@code place} of the gateway config. */
  private GuardSpec guard(Resource<?> p, String f, PromptPolicySpec.Guard g, String place) {
    int before = problems.size();
    if (g.type() == null || g.type().isBlank()) {
      problem(p, f + ".type", "is missing; use Regex, Webhook, Moderation or a guard type an installed plugin provides");
      return null;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    List<String> on = on(p, f + ".on", g.on());
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
      case "Moderation" -> moderation(g.moderation(), out);
      default -> { // whether an installed plugin provides the type, and what it takes, is the plugins' to say
        Map<String, Object> settings = g.settings() == null ? Map.of() : g.settings();
        for (String key : settings.keySet()) {
          if (key.equals("type") || key.equals("on")) {
            problem(p, f + ".settings." + key, "is set outside settings already");
          } else {
            out.put(key, settings.get(key));
          }
        }
      }
    }
    return problems.size() == before
        ? new GuardSpec(g.type(), on.contains("Request"), on.contains("Response"), Settings.of(place, out)) : null;
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
    put(out, "builtins", r.builtins() == null || r.builtins().isEmpty() ? null : r.builtins());
    List<PromptPolicySpec.NamedPattern> patterns = r.patterns() == null ? List.of() : r.patterns();
    List<Map<String, Object>> patternBlocks = new ArrayList<>();
    for (PromptPolicySpec.NamedPattern np : patterns) {
      Map<String, Object> block = new LinkedHashMap<>();
      put(block, "name", np.name());
      put(block, "regex", np.regex());
      patternBlocks.add(block);
    }
    put(out, "patterns", patternBlocks.isEmpty() ? null : patternBlocks);
    put(out, "action", r.action());
    put(out, "status", r.status());
    put(out, "message", r.message());
    put(out, "replacement", r.replacement());
    put(out, "streamWindow", r.streamWindow());
  }

  private void webhook(Resource<?> p, String f, PromptPolicySpec.Webhook w, Map<String, Object> out) {
    if (w == null || w.url() == null) {
      problem(p, f + ".url", "is required for type Webhook");
      return;
    }
    Map<String, String> headers = w.headers() == null ? Map.of() : w.headers();
    for (Map.Entry<String, String> h : headers.entrySet()) {
      // the Webhook plugin does not check these yet; a bad one would fail every call it makes
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

  private static void moderation(PromptPolicySpec.Moderation m, Map<String, Object> out) {
    if (m == null) {
      return; // all defaults: OpenAI's moderation endpoint without a key
    }
    put(out, "url", m.url());
    put(out, "model", m.model());
    put(out, "apiKeyFile", m.apiKeyFile());
    put(out, "apiKeyEnv", m.apiKeyEnv());
    put(out, "status", m.status());
    put(out, "timeout", m.timeout());
    put(out, "failOpen", m.failOpen());
  }

  private static EnricherSpec enrichment(PromptPolicySpec.Enrichment e, String place) {
    Map<String, Object> out = new LinkedHashMap<>();
    put(out, "prepend", messages(e.prepend()));
    put(out, "append", messages(e.append()));
    put(out, "defaults", e.defaults() == null || e.defaults().isEmpty() ? null : e.defaults());
    put(out, "overrides", e.overrides() == null || e.overrides().isEmpty() ? null : e.overrides());
    return new EnricherSpec("PromptEnrichment", Settings.of(place, out));
  }

  private static List<Map<String, Object>> messages(List<PromptPolicySpec.Message> messages) {
    if (messages == null || messages.isEmpty()) {
      return null;
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (PromptPolicySpec.Message m : messages) {
      Map<String, Object> block = new LinkedHashMap<>();
      put(block, "role", m.role());
      put(block, "content", m.content());
      out.add(block);
    }
    return out;
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
