package dev.tollgate.controller.translate;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.controller.resource.Problem;
import dev.tollgate.core.config.ConfigCompiler;
import dev.tollgate.core.config.GatewayConfig;
import dev.tollgate.core.plugin.PluginRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Compiles the generated gateway config with the installed plugins, as the gateway does when it
 * loads it, so that the plugins themselves judge their schemas, cost types, guard types and
 * settings (a third-party one too), and names the resource file, object and field of each error.
 *
 * <p>Each backend, cost, guard and enrichment is compiled on its own, so that every wrong one is
 * reported at once. Backends are compiled without their auth: the controller checks
 * BackendSecurityPolicies itself, and what the auth plugins find beyond that (a key file that is
 * not there, an environment variable that is not set) concerns the machine the gateway runs on.
 * Where the gateway runs here ({@code run --resources}, {@code up}), each backend is compiled once
 * more with its auth, and what that finds is a problem of the policy.
 */
final class PluginCheck {
  /**
   * What a plugin reports about a secret file or environment variable it reads where the gateway
   * runs (PlatformServices.readSecretFile, System.getenv); the controller may run elsewhere, so
   * such an error here is a warning and the gateway checks it when it loads the config.
   */
  private static final Pattern GATEWAY_ENVIRONMENT =
      Pattern.compile("secret file .+|environment variable \\S+ is not set");

  private final ConfigCompiler compiler;
  private final boolean gatewayRunsHere;

  /** @param gatewayRunsHere the gateway runs on this machine: its files and environment are this one's */
  PluginCheck(PluginRegistry plugins, boolean gatewayRunsHere) {
    this.compiler = new ConfigCompiler(plugins);
    this.gatewayRunsHere = gatewayRunsHere;
  }

  /** The problems the plugins find in {@code config}; warnings go to {@code warnings}. */
  List<Problem> check(GatewayConfig config, ConfigOrigins origins, List<String> warnings) {
    List<Problem> problems = new ArrayList<>();
    Run run = new Run(config, origins, problems, warnings);
    for (int i = 0; i < config.backends().size(); i++) {
      GatewayConfig.Backend b = config.backends().get(i);
      run.part(List.of(new GatewayConfig.Backend(b.name(), b.schema(), b.schemaVersion(), b.modelNameOverride(),
          b.provider(), Optional.empty())), List.of(), List.of(), "backends[0]", "backends[" + i + "]");
      if (gatewayRunsHere && b.auth().isPresent()) {
        run.auth(b, "backends[" + i + "]");
      }
    }
    for (int i = 0; i < config.costs().size(); i++) {
      run.part(List.of(), List.of(config.costs().get(i)), List.of(), "costs[0]", "costs[" + i + "]");
    }
    for (int r = 0; r < config.rules().size(); r++) {
      List<GatewayConfig.CostSpec> costs = config.rules().get(r).costs();
      for (int i = 0; i < costs.size(); i++) {
        run.part(List.of(), List.of(costs.get(i)), List.of(), "costs[0]", "rules[" + r + "].costs[" + i + "]");
      }
    }
    for (int i = 0; i < config.policies().size(); i++) {
      GatewayConfig.Policy p = config.policies().get(i);
      for (int g = 0; g < p.guards().size(); g++) {
        run.part(List.of(), List.of(), List.of(new GatewayConfig.Policy(p.name(), Set.of(), Set.of(),
            List.of(p.guards().get(g)), List.of())), "policies[0].guards[0]", "policies[" + i + "].guards[" + g + "]");
      }
      for (int e = 0; e < p.enrichment().size(); e++) {
        run.part(List.of(), List.of(), List.of(new GatewayConfig.Policy(p.name(), Set.of(), Set.of(), List.of(),
            List.of(p.enrichment().get(e)))), "policies[0].enrichment[0]", "policies[" + i + "].enrichment[" + e + "]");
      }
    }
    return problems;
  }

  private final class Run {
    private final GatewayConfig config;
    private final ConfigOrigins origins;
    private final List<Problem> problems;
    private final List<String> warnings;

    Run(GatewayConfig config, ConfigOrigins origins, List<Problem> problems, List<String> warnings) {
      this.config = config;
      this.origins = origins;
      this.problems = problems;
      this.warnings = warnings;
    }

    /**
     * Compiles a config of just these parts and reports what the plugins find as a warning or a
     * problem of the resource that made the part.
     */
    void part(List<GatewayConfig.Backend> backends, List<GatewayConfig.CostSpec> costs,
              List<GatewayConfig.Policy> policies, String compiledAs, String at) {
      compile(backends, costs, policies, compiledAs, at).ifPresent(found -> {
        Problem p = found.problem();
        if (GATEWAY_ENVIRONMENT.matcher(found.reason()).matches() && !gatewayRunsHere) {
          warnings.add(p.origin() + ": " + p.field() + ": not checked here, where the controller runs: " + p.message()
              + "; the gateway checks it when it loads the config");
        } else {
          problems.add(p);
        }
      });
    }

    /**
     * Compiles backend {@code b}, at {@code at} of the whole config, with its auth; reports only
     * what the auth plugin finds (the rest of the backend was checked without it), once per
     * policy however many backends use it.
     */
    void auth(GatewayConfig.Backend b, String at) {
      compile(List.of(b), List.of(), List.of(), "backends[0]", at)
          .filter(f -> under(at + ".auth", f.field())) // the rest was reported by the check without auth
          .map(Found::problem)
          .filter(p -> !problems.contains(p))
          .ifPresent(problems::add);
    }

    /** What the compiler found: {@code reason} at {@code field} of the whole gateway config, as a problem of a resource. */
    private record Found(String field, String reason, Problem problem) {
    }

    /**
     * Compiles a config of just these parts; the error, if any, as a problem of the resource that
     * made that part. The compiler names the parts by their place in this small config
     * ({@code compiledAs}); their settings still carry the place they have in the whole config
     * ({@code at}), which is what the error is reported at.
     */
    private Optional<Found> compile(List<GatewayConfig.Backend> backends, List<GatewayConfig.CostSpec> costs,
                                    List<GatewayConfig.Policy> policies, String compiledAs, String at) {
      GatewayConfig part = new GatewayConfig(config.uuid(), config.clientSchema(), config.modelHeader(),
          config.selectedBackendHeader(), config.metadataNamespace(), config.unknownPaths(),
          config.maxRequestBodyBytes(), config.maxDecodedResponseBytes(), Optional.empty(), costs, List.of(),
          backends, policies);
      try {
        compiler.compile(part);
        return Optional.empty();
      } catch (InvalidConfigException e) {
        String field = under(compiledAs, e.field()) ? at + e.field().substring(compiledAs.length()) : e.field();
        String reason = reason(e);
        return Optional.of(new Found(field, reason, origins.problem(field, reason).orElseGet(() -> new Problem(
            "(generated gateway config)", field, reason + " (no resource made this part of the config: please report this)"))));
      }
    }
  }

  /** Whether {@code field} is {@code prefix} or a field under it. */
  static boolean under(String prefix, String field) {
    return field.equals(prefix) || field.startsWith(prefix + ".") || field.startsWith(prefix + "[");
  }

  /** The message without the field it starts with. */
  static String reason(InvalidConfigException e) {
    String prefix = e.field() + ": ";
    String m = e.getMessage();
    return m != null && m.startsWith(prefix) ? m.substring(prefix.length()) : String.valueOf(m);
  }
}
