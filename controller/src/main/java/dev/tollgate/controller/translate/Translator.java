package dev.tollgate.controller.translate;

import dev.tollgate.api.ClientApi;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;
import dev.tollgate.controller.envoy.EnvoyCluster;
import dev.tollgate.controller.envoy.EnvoyConfigBuilder;
import dev.tollgate.controller.envoy.EnvoyResources;
import dev.tollgate.controller.envoy.EnvoyRule;
import dev.tollgate.controller.ratelimit.Budget;
import dev.tollgate.controller.ratelimit.RateLimitServiceConfig;
import dev.tollgate.controller.resource.AIGatewayRouteSpec;
import dev.tollgate.controller.resource.AIServiceBackendSpec;
import dev.tollgate.controller.resource.BackendSecurityPolicySpec;
import dev.tollgate.controller.resource.InvalidResourcesException;
import dev.tollgate.controller.resource.Problem;
import dev.tollgate.controller.resource.PromptPolicySpec;
import dev.tollgate.controller.resource.Resource;
import dev.tollgate.controller.resource.ResourceSet;
import dev.tollgate.controller.resource.SecretData;
import dev.tollgate.controller.resource.SecretKeyRef;
import dev.tollgate.core.config.ConfigParser;
import dev.tollgate.core.config.Durations;
import dev.tollgate.core.config.GatewayConfig;
import dev.tollgate.core.config.GatewayConfig.AuthSpec;
import dev.tollgate.core.config.GatewayConfig.Backend;
import dev.tollgate.core.config.GatewayConfig.CostSpec;
import dev.tollgate.core.config.GatewayConfig.HeaderMatch;
import dev.tollgate.core.config.GatewayConfig.Placement;
import dev.tollgate.core.config.GatewayConfig.Policy;
import dev.tollgate.core.config.GatewayConfig.Rule;
import dev.tollgate.core.config.GatewayConfig.WeightedBackend;
import dev.tollgate.core.config.GatewayConfigWriter;
import dev.tollgate.core.plugin.PluginRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Turns the global view of the resources into the gateway config, the Envoy configuration and the
 * rate-limit service's configuration (TokenBudgets, see {@link BudgetTranslator}). Checks
 * every reference between resources, then has the installed plugins judge what they will run
 * (schemas, cost and guard types and their settings) by compiling the generated gateway config
 * as the gateway does; any problem fails the whole translation (the caller keeps its last good
 * output), named by the resource file, object and field it comes from. The gateway config is built
 * as a {@link GatewayConfig}, each plugin's settings at the place the gateway's parser would give
 * them, and written with {@link GatewayConfigWriter}.
 */
public final class Translator {
  /** The client APIs of the core (ConfigParser), by the name resources give them. */
  private static final Map<String, ClientApi> CLIENT_SCHEMAS = Map.of("OpenAI", ClientApi.OPENAI,
      "Anthropic", ClientApi.ANTHROPIC);
  /** A cost's fields of its own, which its plugin settings may not reuse. */
  private static final Set<String> COST_FIELDS = Set.of("metadataKey", "type", "scope");
  private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");
  /** As the AWSCredentials plugin checks it. */
  private static final Pattern AWS_REGION = Pattern.compile("[a-z0-9-]+");
  private static final Pattern BARE_HOST = Pattern.compile("[A-Za-z0-9.-]+");
  /** More attempts than this multiply an outage's cost rather than ride it out. */
  static final int MAX_ATTEMPTS = 10;
  /** The field of a BackendSecurityPolicy's spec that holds the block of each type. */
  private static final Map<String, String> AUTH_BLOCKS = Map.of("APIKey", "apiKey", "AWSCredentials", "awsCredentials",
      "AzureCredentials", "azureCredentials", "GCPCredentials", "gcpCredentials");

  private final GatewaySettings settings;
  private final PluginCheck plugins;

  /** @param plugins the plugins the gateway runs with (see {@link GatewayPlugins}) */
  public Translator(GatewaySettings settings, PluginRegistry plugins) {
    this(settings, plugins, false);
  }

  /**
   * @param plugins the plugins the gateway runs with (see {@link GatewayPlugins})
   * @param gatewayRunsHere whether the gateway runs on this machine, with this environment: then a
   *     secret file or environment variable a resource names and this machine lacks is a problem of
   *     that resource, not a warning
   */
  public Translator(GatewaySettings settings, PluginRegistry plugins, boolean gatewayRunsHere) {
    this.settings = settings;
    this.plugins = new PluginCheck(plugins, gatewayRunsHere);
  }

  /** Translates; throws with every problem found. */
  public Translation translate(ResourceSet set) throws InvalidResourcesException {
    Run run = new Run(set);
    return run.translate();
  }

  private final class Run {
    private final ResourceSet set;
    private final List<Problem> problems = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private boolean containsSecrets;
    private final Set<String> secretPolicies = new HashSet<>();
    private final ConfigOrigins origins = new ConfigOrigins();
    /** The Envoy side of each rule of placement UPSTREAM, by rule name. */
    private final Map<String, EnvoyRule> envoyRules = new HashMap<>();

    Run(ResourceSet set) {
      this.set = set;
    }

    Translation translate() throws InvalidResourcesException {
      Map<String, Resource<BackendSecurityPolicySpec>> policies = new HashMap<>();
      Map<String, AuthSpec> auths = new HashMap<>();
      for (Resource<BackendSecurityPolicySpec> p : set.securityPolicies()) {
        policies.put(p.name(), p);
        containsSecrets = false;
        AuthSpec auth = auth(p); // every policy is checked, referenced or not
        if (auth != null) {
          auths.put(p.name(), auth);
          if (containsSecrets) {
            secretPolicies.add(p.name());
          }
        }
      }
      containsSecrets = false;
      Map<String, Resource<AIServiceBackendSpec>> backendsByName = new HashMap<>();
      set.backends().forEach(b -> backendsByName.put(b.name(), b));

      List<Backend> backends = new ArrayList<>();
      List<EnvoyCluster> clusters = new ArrayList<>();
      for (Resource<AIServiceBackendSpec> b : set.backends()) {
        backend(b, policies, auths, backends, clusters);
      }

      ClientApi clientSchema = null;
      String clientSchemaFrom = null;
      List<Rule> rules = new ArrayList<>();
      Map<String, List<String>> rulesByRoute = new LinkedHashMap<>();
      Map<String, List<Integer>> ruleIndexesByRoute = new LinkedHashMap<>();
      Map<String, Set<String>> backendsByRoute = new HashMap<>();
      Map<String, CostSpec> costs = new LinkedHashMap<>();
      Map<String, String> costOrigin = new HashMap<>();
      Map<String, String> costField = new HashMap<>();
      Map<Resource<AIGatewayRouteSpec>, Map<Integer, CostSpec>> routeCosts = new LinkedHashMap<>();
      Set<String> ruleNames = new HashSet<>();
      for (Resource<AIGatewayRouteSpec> route : set.routes()) {
        AIGatewayRouteSpec spec = route.spec();
        if (spec.schema() != null) {
          String name = spec.schema().name();
          ClientApi api = name == null ? null : CLIENT_SCHEMAS.get(name);
          if (api == null) {
            problems.add(new Problem(route.origin(), "spec.schema.name", "must be OpenAI or Anthropic, not '" + name + "'"));
          } else if (clientSchema != null && clientSchema != api) {
            problems.add(new Problem(route.origin(), "spec.schema.name", "is " + name + " but " + clientSchemaFrom
                + " says " + schemaName(clientSchema) + "; all routes of one gateway serve the same client API"));
          } else {
            clientSchema = api;
            clientSchemaFrom = route.origin();
          }
        }
        if (spec.rules() == null || spec.rules().isEmpty()) {
          problems.add(new Problem(route.origin(), "spec.rules", "a route needs at least one rule"));
          continue;
        }
        List<String> names = new ArrayList<>();
        List<Integer> indexes = new ArrayList<>();
        Set<String> referenced = new HashSet<>();
        for (int i = 0; i < spec.rules().size(); i++) {
          AIGatewayRouteSpec.Rule r = spec.rules().get(i);
          if (r.backendRefs() != null) {
            r.backendRefs().forEach(ref -> referenced.add(ref.name()));
          }
          Rule rule = rule(route, i, r, backendsByName, ruleNames);
          if (rule != null) {
            indexes.add(rules.size());
            rules.add(rule);
            names.add(rule.name());
          }
        }
        rulesByRoute.put(route.name(), names);
        ruleIndexesByRoute.put(route.name(), indexes);
        backendsByRoute.put(route.name(), referenced);
        List<AIGatewayRouteSpec.Cost> declared = spec.llmRequestCosts() == null ? List.of() : spec.llmRequestCosts();
        Map<Integer, CostSpec> own = new LinkedHashMap<>();
        for (int i = 0; i < declared.size(); i++) {
          cost(route, i, declared.get(i), costs, costOrigin, costField, own);
        }
        routeCosts.put(route, own);
      }
      // a route's own costs go on each of its rules; they may not reuse a global key (ConfigParser refuses that)
      for (Map.Entry<Resource<AIGatewayRouteSpec>, Map<Integer, CostSpec>> e : routeCosts.entrySet()) {
        Resource<AIGatewayRouteSpec> route = e.getKey();
        List<CostSpec> own = new ArrayList<>();
        List<Integer> ownIndex = new ArrayList<>();
        for (Map.Entry<Integer, CostSpec> c : e.getValue().entrySet()) {
          String key = c.getValue().metadataKey();
          if (costs.containsKey(key)) {
            problems.add(new Problem(route.origin(), "spec.llmRequestCosts[" + c.getKey() + "].metadataKey", "'" + key
                + "' is a global cost (scope: Global in " + costOrigin.get(key) + "); use another key for this route's"
                + " own cost, or make this one global too with the same definition"));
          } else {
            own.add(c.getValue());
            ownIndex.add(c.getKey());
          }
        }
        if (own.isEmpty()) {
          continue;
        }
        for (int r : ruleIndexesByRoute.getOrDefault(route.name(), List.of())) {
          List<CostSpec> placed = new ArrayList<>();
          for (int c = 0; c < own.size(); c++) {
            String at = "rules[" + r + "].costs[" + c + "]";
            CostSpec cost = own.get(c);
            placed.add(new CostSpec(cost.metadataKey(), cost.type(), Settings.of(at, cost.settings().asMap())));
            costOrigin(route.origin(), at, "spec.llmRequestCosts[" + ownIndex.get(c) + "]");
          }
          Rule rule = rules.get(r);
          rules.set(r, rule.withCosts(placed));
        }
      }
      List<String> globalKeys = new ArrayList<>(costs.keySet());
      for (int c = 0; c < globalKeys.size(); c++) {
        costOrigin(costOrigin.get(globalKeys.get(c)), "costs[" + c + "]", costField.get(globalKeys.get(c)));
      }
      // consumers, and each TokenBudget's global cost after the routes' global costs
      BudgetTranslator budgetTranslator = new BudgetTranslator(set, problems, warnings);
      List<GatewayConfig.Consumer> consumers = budgetTranslator.consumers();
      Map<String, Map<String, Object>> priceTables = budgetTranslator.priceTables();
      List<Budget> budgets = new ArrayList<>();
      for (BudgetTranslator.BudgetOutput b : budgetTranslator.budgets(consumers, priceTables, costs.size(), origins)) {
        costs.put(b.cost().metadataKey(), b.cost());
        budgets.add(b.budget());
      }

      List<PromptPolicyBinding> promptPolicies = new ArrayList<>();
      List<Policy> policyBlocks = new ArrayList<>();
      PromptPolicyTranslator policyTranslator = new PromptPolicyTranslator(problems);
      for (Resource<PromptPolicySpec> p : set.promptPolicies()) { // in name order: that is the order they apply in
        PromptPolicyTranslator.PolicyOutput out = policyTranslator.translate(p, rulesByRoute, backendsByRoute,
            origins, "policies[" + policyBlocks.size() + "]");
        if (out != null) {
          promptPolicies.add(out.binding());
          policyBlocks.add(out.policy());
        }
      }
      containsSecrets |= policyTranslator.containsSecrets();
      if (!problems.isEmpty()) {
        throw new InvalidResourcesException(problems);
      }

      GatewayConfig unnamed = new GatewayConfig("", clientSchema == null ? ClientApi.OPENAI : clientSchema,
          settings.modelHeader(), settings.selectedBackendHeader(), settings.metadataNamespace(),
          GatewayConfig.UnknownPaths.REJECT, GatewayConfig.DEFAULT_MAX_REQUEST_BODY_BYTES,
          GatewayConfig.DEFAULT_MAX_DECODED_RESPONSE_BYTES, Optional.empty(), List.copyOf(costs.values()), rules,
          backends, policyBlocks).withConsumers(consumers);
      String uuid = UUID.nameUUIDFromBytes(GatewayConfigWriter.write(unnamed).getBytes(StandardCharsets.UTF_8)).toString();
      GatewayConfig config = unnamed.withUuid(uuid);
      String yaml = GatewayConfigWriter.write(config);
      try {
        ConfigParser.parse(yaml); // what the gateway reads: it must take it as the controller does
      } catch (InvalidConfigException e) {
        String reason = PluginCheck.reason(e);
        throw new InvalidResourcesException(List.of(origins.problem(e.field(), reason).orElseGet(() ->
            new Problem("(generated gateway config)", e.field(),
                reason + " (the resources passed the controller's checks: please report this)"))));
      }
      problems.addAll(plugins.check(config, origins, warnings));
      if (!problems.isEmpty()) {
        throw new InvalidResourcesException(problems);
      }
      List<EnvoyRule> upstreamRules = rules.stream().filter(r -> r.placement() == Placement.UPSTREAM)
          .map(r -> envoyRules.get(r.name())).toList();
      EnvoyResources envoy = new EnvoyConfigBuilder(settings.envoy()).build(clusters, upstreamRules, budgets,
          settings.modelHeader(), settings.selectedBackendHeader(), settings.metadataNamespace());
      String rateLimitConfig = RateLimitServiceConfig.yaml(budgets);
      String version = UUID.nameUUIDFromBytes((yaml + envoy.bootstrap() + envoy.xdsListeners() + envoy.xdsRoutes())
          .getBytes(StandardCharsets.UTF_8)).toString();
      return new Translation(config, yaml, uuid, version, containsSecrets, envoy, promptPolicies, warnings, budgets,
          rateLimitConfig);
    }

    private void backend(Resource<AIServiceBackendSpec> b, Map<String, Resource<BackendSecurityPolicySpec>> policies,
                         Map<String, AuthSpec> auths, List<Backend> out, List<EnvoyCluster> clusters) {
      AIServiceBackendSpec spec = b.spec();
      int before = problems.size();
      String at = "backends[" + out.size() + "]";
      String schema = spec.schema() == null ? null : spec.schema().name();
      if (schema == null || schema.isBlank()) {
        problems.add(new Problem(b.origin(), "spec.schema.name", "is missing: name the backend's API schema, e.g."
            + " OpenAI, AWSBedrock or a schema an installed plugin provides"));
      }
      EnvoyCluster cluster = endpoint(b);
      Optional<AuthSpec> backendAuth = Optional.empty();
      if (spec.backendSecurityPolicyRef() != null) {
        String ref = spec.backendSecurityPolicyRef().name();
        Resource<BackendSecurityPolicySpec> policy = ref == null ? null : policies.get(ref);
        if (policy == null) {
          problems.add(new Problem(b.origin(), "spec.backendSecurityPolicyRef.name",
              "BackendSecurityPolicy '" + ref + "' is not defined"));
        } else if (auths.containsKey(ref)) {
          AuthSpec auth = auths.get(ref);
          Map<String, Object> authSettings = new LinkedHashMap<>(auth.settings().asMap());
          if ("APIKey".equals(auth.type()) && !authSettings.containsKey("header") && "Anthropic".equals(schema)) {
            // Anthropic's API takes the key in x-api-key, not as a bearer token
            authSettings.put("header", "x-api-key");
          }
          backendAuth = Optional.of(new AuthSpec(auth.type(), Settings.of(at + ".auth", authSettings)));
          origins.add(at + ".auth", policy.origin(), "spec." + AUTH_BLOCKS.get(auth.type()));
          containsSecrets |= secretPolicies.contains(ref);
          if ("AWSCredentials".equals(auth.type()) && cluster != null) {
            // SigV4 signs the Host and the plugin sets :authority to it; the route must send the same
            String signed = (String) authSettings.get("host");
            if (!signed.equalsIgnoreCase(cluster.host())) {
              warnings.add(b.origin() + ": spec.endpoint.host: Envoy connects to " + cluster.host() + " but sends Host "
                  + signed + ", the host the request is signed for (BackendSecurityPolicy " + ref
                  + " awsCredentials.host); make them agree unless the endpoint forwards to " + signed);
            }
            cluster = cluster.withHostHeader(signed);
          }
        } else {
          return; // the policy's own problems are reported
        }
      }
      if (problems.size() == before) {
        String version = spec.schema().version() == null ? "" : spec.schema().version().trim();
        String override = spec.modelNameOverride() == null || spec.modelNameOverride().isBlank() ? ""
            : spec.modelNameOverride();
        Map<String, Object> provider = spec.provider() == null ? Map.of() : spec.provider();
        origins.add(at, b.origin(), "spec");
        // whether an installed plugin provides the schema, and what it takes, is the plugins' to say (PluginCheck)
        out.add(new Backend(b.name(), schema, version, override, Settings.of(at + ".provider", provider), backendAuth));
        clusters.add(cluster);
      }
    }

    /** A cost of the gateway config at {@code at} is the route's cost at {@code field} (its settings under settings). */
    private void costOrigin(String origin, String at, String field) {
      origins.addWithSettings(at, origin, field, Set.of("metadataKey", "type"), field + ".settings");
    }

    private EnvoyCluster endpoint(Resource<AIServiceBackendSpec> b) {
      AIServiceBackendSpec.Endpoint e = b.spec().endpoint();
      if (e == null || e.host() == null || e.host().isBlank()) {
        problems.add(new Problem(b.origin(), "spec.endpoint.host", "is missing"));
        return null;
      }
      if (e.host().contains("/") || e.host().contains(":") && !e.host().startsWith("[")) {
        problems.add(new Problem(b.origin(), "spec.endpoint.host",
            "'" + e.host() + "' must be a bare host name or IP address (put the port under endpoint.port, no scheme)"));
        return null;
      }
      boolean tls = e.tls() == null || e.tls();
      int port = e.port() == null ? (tls ? 443 : 80) : e.port();
      if (port < 1 || port > 65535) {
        problems.add(new Problem(b.origin(), "spec.endpoint.port", "must be between 1 and 65535"));
        return null;
      }
      String sni = e.sni() == null || e.sni().isBlank() ? e.host() : e.sni();
      String caFile = e.caFile() == null || e.caFile().isBlank() ? null : e.caFile();
      if (caFile != null && !tls) {
        problems.add(new Problem(b.origin(), "spec.endpoint.caFile", "is only used with TLS (endpoint.tls is false)"));
        return null;
      }
      return new EnvoyCluster(b.name(), e.host(), port, tls, sni, e.host(), caFile);
    }

    /** The policy's auth block; its settings are placed at each backend that uses it. */
    private AuthSpec auth(Resource<BackendSecurityPolicySpec> p) {
      BackendSecurityPolicySpec s = p.spec();
      Map<String, Object> auth = new LinkedHashMap<>();
      String type = s.type();
      Map<String, Object> blocks = new LinkedHashMap<>();
      blocks.put("APIKey", s.apiKey());
      blocks.put("AWSCredentials", s.awsCredentials());
      blocks.put("AzureCredentials", s.azureCredentials());
      blocks.put("GCPCredentials", s.gcpCredentials());
      Map<String, String> field = AUTH_BLOCKS;
      if (type == null || !blocks.containsKey(type)) {
        problems.add(new Problem(p.origin(), "spec.type",
            "must be one of APIKey, AWSCredentials, AzureCredentials or GCPCredentials, not '" + type + "'"));
        return null;
      }
      boolean ok = true;
      for (Map.Entry<String, Object> e : blocks.entrySet()) {
        if (e.getKey().equals(type) && e.getValue() == null) {
          problems.add(new Problem(p.origin(), "spec." + field.get(type), "is required for type " + type));
          ok = false;
        } else if (!e.getKey().equals(type) && e.getValue() != null) {
          problems.add(new Problem(p.origin(), "spec." + field.get(e.getKey()),
              "does not belong to type " + type + "; remove it or change spec.type"));
          ok = false;
        }
      }
      if (!ok) {
        return null;
      }
      int before = problems.size();
      switch (type) {
        case "APIKey" -> apiKey(p, s.apiKey(), auth);
        case "AWSCredentials" -> aws(p, s.awsCredentials(), auth);
        case "AzureCredentials" -> azure(p, s.azureCredentials(), auth);
        default -> gcp(p, s.gcpCredentials(), auth);
      }
      return problems.size() == before ? new AuthSpec(type, Settings.of("", auth)) : null;
    }

    private void apiKey(Resource<?> p, BackendSecurityPolicySpec.ApiKey k, Map<String, Object> auth) {
      String f = "spec.apiKey";
      boolean passthrough = Boolean.TRUE.equals(k.passthrough());
      int sources = count(k.secretRef(), k.file(), k.env(), k.inline()) + (passthrough ? 1 : 0);
      if (sources != 1) {
        problems.add(new Problem(p.origin(), f, "set exactly one of secretRef, file, env, inline or passthrough: true"));
        return;
      }
      if (k.secretRef() != null) {
        secret(p, f + ".secretRef", k.secretRef(), "apiKey").ifPresent(v -> secretValue(auth, "key", v));
      } else if (k.file() != null) {
        auth.put("file", nonBlank(p, f + ".file", k.file()));
      } else if (k.env() != null) {
        auth.put("env", nonBlank(p, f + ".env", k.env()));
      } else if (k.inline() != null) {
        secretValue(auth, "key", nonBlank(p, f + ".inline", k.inline()));
      } else {
        auth.put("passthrough", true);
      }
      if (k.header() != null) {
        if (!HEADER_NAME.matcher(k.header()).matches()) {
          problems.add(new Problem(p.origin(), f + ".header", "'" + k.header() + "' is not an HTTP header name"));
        } else {
          auth.put("header", k.header().toLowerCase(java.util.Locale.ROOT));
        }
      }
    }

    private void aws(Resource<?> p, BackendSecurityPolicySpec.AwsCredentials a, Map<String, Object> auth) {
      String f = "spec.awsCredentials";
      if (a.region() == null || a.region().isBlank()) {
        problems.add(new Problem(p.origin(), f + ".region", "is missing, e.g. us-east-1"));
        return;
      }
      if (!AWS_REGION.matcher(a.region()).matches()) {
        problems.add(new Problem(p.origin(), f + ".region", "'" + a.region() + "' is not an AWS region name such as us-east-1"));
        return;
      }
      auth.put("region", a.region());
      if (a.service() != null) {
        auth.put("service", nonBlank(p, f + ".service", a.service()));
      }
      // always written out: Envoy's route rewrites the Host to exactly what the signer signs
      String host = a.host() == null ? awsHost(a.region()) : a.host();
      if (host.isBlank() || !BARE_HOST.matcher(host).matches()) {
        problems.add(new Problem(p.origin(), f + ".host", "'" + host + "' must be a bare host name (no scheme, port or path)"));
        return;
      }
      auth.put("host", host);
      boolean env = Boolean.TRUE.equals(a.fromEnvironment());
      if (count(a.credentialsFile(), a.secretRef()) + (env ? 1 : 0) != 1) {
        problems.add(new Problem(p.origin(), f, "set exactly one of credentialsFile, secretRef or fromEnvironment: true"));
        return;
      }
      if (a.profile() != null && a.credentialsFile() == null) {
        problems.add(new Problem(p.origin(), f + ".profile", "only applies together with credentialsFile"));
        return;
      }
      if (a.credentialsFile() != null) {
        auth.put("credentialsFile", nonBlank(p, f + ".credentialsFile", a.credentialsFile()));
        if (a.profile() != null) {
          auth.put("profile", nonBlank(p, f + ".profile", a.profile()));
        }
      } else if (env) {
        auth.put("env", true);
      } else {
        SecretKeyRef ref = a.secretRef();
        if (ref.key() != null) {
          problems.add(new Problem(p.origin(), f + ".secretRef.key",
              "is not used here: the Secret must hold the keys accessKeyId and secretAccessKey (and optionally sessionToken)"));
          return;
        }
        secret(p, f + ".secretRef", ref, "accessKeyId").ifPresent(v -> secretValue(auth, "accessKeyId", v));
        secret(p, f + ".secretRef", ref, "secretAccessKey").ifPresent(v -> secretValue(auth, "secretAccessKey", v));
        SecretData data = set.secrets().get(ref.name());
        if (data != null && data.data().containsKey("sessionToken")) {
          secretValue(auth, "sessionToken", data.data().get("sessionToken"));
        }
      }
    }

    private void azure(Resource<?> p, BackendSecurityPolicySpec.AzureCredentials a, Map<String, Object> auth) {
      String f = "spec.azureCredentials";
      if (count(a.apiKey(), a.tokenFile()) != 1) {
        problems.add(new Problem(p.origin(), f, "set exactly one of apiKey or tokenFile"));
        return;
      }
      if (a.tokenFile() != null) {
        auth.put("tokenFile", nonBlank(p, f + ".tokenFile", a.tokenFile()));
        return;
      }
      BackendSecurityPolicySpec.KeySource k = a.apiKey();
      if (count(k.secretRef(), k.file(), k.env(), k.inline()) != 1) {
        problems.add(new Problem(p.origin(), f + ".apiKey", "set exactly one of secretRef, file, env or inline"));
        return;
      }
      Map<String, Object> key = new LinkedHashMap<>();
      if (k.secretRef() != null) {
        secret(p, f + ".apiKey.secretRef", k.secretRef(), "apiKey").ifPresent(v -> secretValue(key, "key", v));
      } else if (k.file() != null) {
        key.put("file", nonBlank(p, f + ".apiKey.file", k.file()));
      } else if (k.env() != null) {
        key.put("env", nonBlank(p, f + ".apiKey.env", k.env()));
      } else {
        secretValue(key, "key", nonBlank(p, f + ".apiKey.inline", k.inline()));
      }
      auth.put("apiKey", key);
    }

    private void gcp(Resource<?> p, BackendSecurityPolicySpec.GcpCredentials g, Map<String, Object> auth) {
      String f = "spec.gcpCredentials";
      if (count(g.tokenFile(), g.serviceAccountKeyFile()) != 1) {
        problems.add(new Problem(p.origin(), f, "set exactly one of tokenFile or serviceAccountKeyFile"));
        return;
      }
      if (g.tokenFile() != null) {
        if (g.scope() != null || g.tokenUri() != null) {
          problems.add(new Problem(p.origin(), f + (g.scope() != null ? ".scope" : ".tokenUri"),
              "only applies with serviceAccountKeyFile (a token file holds a finished token)"));
          return;
        }
        auth.put("tokenFile", nonBlank(p, f + ".tokenFile", g.tokenFile()));
        return;
      }
      auth.put("serviceAccountKeyFile", nonBlank(p, f + ".serviceAccountKeyFile", g.serviceAccountKeyFile()));
      if (g.scope() != null) {
        auth.put("scope", nonBlank(p, f + ".scope", g.scope()));
      }
      if (g.tokenUri() != null) {
        java.net.URI uri = null;
        try {
          uri = java.net.URI.create(g.tokenUri());
        } catch (IllegalArgumentException e) {
          // reported below
        }
        if (uri == null || !"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme()) || uri.getHost() == null) {
          problems.add(new Problem(p.origin(), f + ".tokenUri", "'" + g.tokenUri() + "' must be an http(s) URI"));
          return;
        }
        auth.put("tokenUri", g.tokenUri());
      }
    }

    private void secretValue(Map<String, Object> target, String key, String value) {
      if (value != null) {
        target.put(key, value);
        containsSecrets = true;
      }
    }

    private java.util.Optional<String> secret(Resource<?> p, String field, SecretKeyRef ref, String defaultKey) {
      String key = ref.key() == null ? defaultKey : ref.key();
      SecretData data = ref.name() == null ? null : set.secrets().get(ref.name());
      if (data == null) {
        problems.add(new Problem(p.origin(), field + ".name", "Secret '" + ref.name() + "' is not defined"));
        return java.util.Optional.empty();
      }
      String value = data.data().get(key);
      if (value == null || value.isBlank()) {
        problems.add(new Problem(p.origin(), field + (ref.key() == null ? "" : ".key"),
            "Secret '" + ref.name() + "' has no key '" + key + "'"));
        return java.util.Optional.empty();
      }
      return java.util.Optional.of(value.trim());
    }

    private String nonBlank(Resource<?> p, String field, String value) {
      if (value.isBlank()) {
        problems.add(new Problem(p.origin(), field, "must not be empty"));
      }
      return value;
    }

    /** The rule without its costs (the route's own costs are added when every global one is known). */
    private Rule rule(Resource<AIGatewayRouteSpec> route, int index, AIGatewayRouteSpec.Rule r,
                      Map<String, Resource<AIServiceBackendSpec>> backends, Set<String> ruleNames) {
      String f = "spec.rules[" + index + "]";
      int before = problems.size();
      String name = r.name() == null || r.name().isBlank() ? route.name() + "-" + index : r.name();
      if (!ruleNames.add(name)) {
        problems.add(new Problem(route.origin(), f + ".name", "rule name '" + name + "' is used twice"));
      }
      List<HeaderMatch> headers = new ArrayList<>();
      if (r.model() != null && r.modelPattern() != null) {
        problems.add(new Problem(route.origin(), f + ".modelPattern", "set model or modelPattern, not both"));
      } else if (r.model() != null) {
        headers.add(HeaderMatch.exact(settings.modelHeader(), r.model()));
      } else if (r.modelPattern() != null && regex(route, f + ".modelPattern", r.modelPattern())) {
        headers.add(HeaderMatch.regularExpression(settings.modelHeader(), r.modelPattern()));
      }
      List<AIGatewayRouteSpec.HeaderMatch> hs = r.headers() == null ? List.of() : r.headers();
      for (int i = 0; i < hs.size(); i++) {
        AIGatewayRouteSpec.HeaderMatch h = hs.get(i);
        String hf = f + ".headers[" + i + "]";
        if (h.name() == null || !HEADER_NAME.matcher(h.name()).matches()) {
          problems.add(new Problem(route.origin(), hf + ".name", "'" + h.name() + "' is not an HTTP header name"));
          continue;
        }
        if (h.value() == null) {
          problems.add(new Problem(route.origin(), hf + ".value", "is missing"));
          continue;
        }
        String type = h.type() == null ? "Exact" : h.type();
        if (!type.equals("Exact") && !type.equals("RegularExpression")) {
          problems.add(new Problem(route.origin(), hf + ".type", "must be Exact or RegularExpression, not '" + type + "'"));
          continue;
        }
        if (type.equals("RegularExpression") && !regex(route, hf + ".value", h.value())) {
          continue;
        }
        String header = h.name().toLowerCase(java.util.Locale.ROOT);
        headers.add(type.equals("Exact") ? HeaderMatch.exact(header, h.value())
            : HeaderMatch.regularExpression(header, h.value()));
      }
      List<String> models = models(route, f + ".models", r);
      List<AIGatewayRouteSpec.BackendRef> refs = r.backendRefs() == null ? List.of() : r.backendRefs();
      if (refs.isEmpty()) {
        problems.add(new Problem(route.origin(), f + ".backendRefs", "a rule needs at least one backend"));
        return null;
      }
      int best = Integer.MAX_VALUE;
      for (int i = 0; i < refs.size(); i++) {
        AIGatewayRouteSpec.BackendRef ref = refs.get(i);
        String rf = f + ".backendRefs[" + i + "]";
        if (ref.name() == null || !backends.containsKey(ref.name())) {
          problems.add(new Problem(route.origin(), rf + ".name", "AIServiceBackend '" + ref.name() + "' is not defined"));
        }
        int weight = ref.weight() == null ? 1 : ref.weight();
        if (weight < 0 || weight > 1_000_000) {
          problems.add(new Problem(route.origin(), rf + ".weight", "must be between 0 and 1000000"));
        }
        int priority = ref.priority() == null ? 0 : ref.priority();
        if (priority < 0) {
          problems.add(new Problem(route.origin(), rf + ".priority", "must be 0 (primary) or more (fallback)"));
        }
        best = Math.min(best, priority);
      }
      // Envoy's priorities are contiguous: the resource's priorities become their rank (0, 1, 2, ...)
      List<Integer> priorities = new ArrayList<>(new TreeSet<>(refs.stream()
          .map(ref -> ref.priority() == null ? 0 : ref.priority()).toList()));
      Set<Integer> tiersWithTraffic = new HashSet<>();
      List<WeightedBackend> out = new ArrayList<>();
      List<EnvoyRule.Member> members = new ArrayList<>();
      long total = 0;
      for (AIGatewayRouteSpec.BackendRef ref : refs) {
        int rank = priorities.indexOf(ref.priority() == null ? 0 : ref.priority());
        int weight = ref.weight() == null ? 1 : ref.weight();
        if (rank == 0) {
          total += weight;
        }
        if (weight > 0) {
          tiersWithTraffic.add(rank);
        }
        out.add(new WeightedBackend(ref.name(), weight, rank));
        members.add(new EnvoyRule.Member(ref.name(), weight, rank));
      }
      if (total == 0 && problems.size() == before) {
        problems.add(new Problem(route.origin(), f + ".backendRefs",
            "at least one backend of priority " + best + " needs a weight above 0"));
      }
      boolean upstream = priorities.size() > 1 || r.retries() != null;
      EnvoyRule.Retries retries = retries(route, f + ".retries", r.retries(), tiersWithTraffic.size());
      EnvoyRule.OutlierDetection outlier = outlierDetection(route, f + ".outlierDetection", r.outlierDetection());
      if (problems.size() != before) {
        return null;
      }
      if (!upstream) {
        if (r.outlierDetection() != null) {
          warnings.add(route.origin() + ": " + f + ".outlierDetection: has no effect: it applies to the cluster of"
              + " a rule with retries or with backends of several priorities");
        }
        return new Rule(name, headers, out, List.of(), Placement.ROUTER, models);
      }
      if (retries.attempts() == 1 && r.retries() != null) {
        warnings.add(route.origin() + ": " + f + ".retries: " + (r.retries().attempts() == null
            ? "the rule has one priority tier, so attempts defaults to 1 and nothing is retried; set attempts"
            : "attempts is 1, so nothing is retried"));
      }
      Rule rule = new Rule(name, headers, out, List.of(), Placement.UPSTREAM, models);
      envoyRules.put(name, new EnvoyRule(name, rule.routeTarget(), members, retries, outlier));
      return rule;
    }

    /** A rule's {@code models}: each a model name, once, that the rule's model match routes to it. */
    private List<String> models(Resource<AIGatewayRouteSpec> route, String f, AIGatewayRouteSpec.Rule r) {
      List<String> models = r.models() == null ? List.of() : r.models();
      java.util.regex.Pattern pattern = null;
      if (r.modelPattern() != null) {
        try {
          pattern = java.util.regex.Pattern.compile(r.modelPattern());
        } catch (java.util.regex.PatternSyntaxException e) {
          // reported for modelPattern
        }
      }
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < models.size(); i++) {
        String m = models.get(i);
        String at = f + "[" + i + "]";
        if (m == null || m.isBlank() || !m.equals(m.strip())) {
          problems.add(new Problem(route.origin(), at, "must be a model name as clients send it, without spaces"
              + " around it"));
        } else if (!seen.add(m)) {
          problems.add(new Problem(route.origin(), at, "'" + m + "' is listed twice"));
        } else if (r.model() != null && !r.model().equals(m)) {
          problems.add(new Problem(route.origin(), at, "'" + m + "' is not the rule's model '" + r.model()
              + "', so this rule would not serve it"));
        } else if (pattern != null && !pattern.matcher(m).matches()) {
          problems.add(new Problem(route.origin(), at, "'" + m + "' does not match the rule's modelPattern '"
              + r.modelPattern() + "', so this rule would not serve it"));
        }
      }
      return models;
    }

    /** The rule's retries with their defaults; null after adding the problems found. */
    private EnvoyRule.Retries retries(Resource<?> route, String f, AIGatewayRouteSpec.Retries r, int tiers) {
      int before = problems.size();
      int attempts = Math.max(1, tiers);
      List<String> retryOn = EnvoyRule.Retries.DEFAULT_RETRY_ON;
      List<Integer> codes = EnvoyRule.Retries.DEFAULT_RETRIABLE_STATUS_CODES;
      Duration perTryTimeout = Duration.ZERO;
      Duration perTryIdleTimeout = EnvoyRule.Retries.DEFAULT_PER_TRY_IDLE_TIMEOUT;
      Duration base = EnvoyRule.Retries.DEFAULT_BASE_INTERVAL;
      Duration max = EnvoyRule.Retries.DEFAULT_MAX_INTERVAL;
      Duration retryAfter = EnvoyRule.Retries.DEFAULT_RETRY_AFTER_LIMIT;
      if (r != null) {
        if (r.attempts() != null) {
          if (r.attempts() < 1 || r.attempts() > MAX_ATTEMPTS) {
            problems.add(new Problem(route.origin(), f + ".attempts", "must be between 1 and " + MAX_ATTEMPTS
                + " (the first attempt included), not " + r.attempts()));
          }
          attempts = r.attempts();
        }
        if (r.retryOn() != null) {
          List<String> on = new ArrayList<>();
          for (int i = 0; i < r.retryOn().size(); i++) {
            String v = r.retryOn().get(i);
            if (!EnvoyRule.Retries.RETRY_ON_VALUES.contains(v)) {
              problems.add(new Problem(route.origin(), f + ".retryOn[" + i + "]", "must be one of "
                  + String.join(", ", EnvoyRule.Retries.RETRY_ON_VALUES) + ", not '" + v + "'"));
            } else if (!on.contains(v)) {
              on.add(v);
            }
          }
          retryOn = on;
        }
        if (r.retriableStatusCodes() != null) {
          List<Integer> statuses = new ArrayList<>();
          for (int i = 0; i < r.retriableStatusCodes().size(); i++) {
            Integer code = r.retriableStatusCodes().get(i);
            if (code == null || code < 400 || code > 599) {
              problems.add(new Problem(route.origin(), f + ".retriableStatusCodes[" + i + "]",
                  "must be an HTTP status between 400 and 599, not " + code));
            } else if (!statuses.contains(code)) {
              statuses.add(code);
            }
          }
          codes = statuses;
        }
        if (r.retryOn() != null && r.retryOn().isEmpty() && codes.isEmpty()) {
          problems.add(new Problem(route.origin(), f + ".retryOn", "is empty and so are the retriable status codes:"
              + " no failure would be retried"));
        }
        perTryTimeout = duration(route, f + ".perTryTimeout", r.perTryTimeout(), perTryTimeout, true);
        perTryIdleTimeout = duration(route, f + ".perTryIdleTimeout", r.perTryIdleTimeout(), perTryIdleTimeout, true);
        if (r.backOff() != null) {
          base = duration(route, f + ".backOff.baseInterval", r.backOff().baseInterval(), base, false);
          max = duration(route, f + ".backOff.maxInterval", r.backOff().maxInterval(), max, false);
          if (problems.size() == before && max.compareTo(base) < 0) {
            problems.add(new Problem(route.origin(), f + ".backOff.maxInterval", "is shorter than baseInterval ("
                + r.backOff().maxInterval() + " < " + (r.backOff().baseInterval() == null ? "the default 100ms"
                : r.backOff().baseInterval()) + ")"));
          }
        }
        retryAfter = duration(route, f + ".retryAfterLimit", r.retryAfterLimit(), retryAfter, true);
      }
      return problems.size() == before ? new EnvoyRule.Retries(attempts, retryOn, codes, perTryTimeout,
          perTryIdleTimeout, base, max, retryAfter) : null;
    }

    private EnvoyRule.OutlierDetection outlierDetection(Resource<?> route, String f, AIGatewayRouteSpec.OutlierDetection o) {
      if (o == null) {
        return EnvoyRule.OutlierDetection.defaults();
      }
      int consecutive = EnvoyRule.OutlierDetection.DEFAULT_CONSECUTIVE_5XX;
      if (o.consecutive5xx() != null) {
        if (o.consecutive5xx() < 0) {
          problems.add(new Problem(route.origin(), f + ".consecutive5xx", "must be 0 (off) or more, not "
              + o.consecutive5xx()));
        }
        consecutive = o.consecutive5xx();
      }
      Duration ejection = duration(route, f + ".baseEjectionTime", o.baseEjectionTime(),
          EnvoyRule.OutlierDetection.DEFAULT_BASE_EJECTION_TIME, false);
      return new EnvoyRule.OutlierDetection(consecutive, ejection);
    }

    /**
     * A duration field ({@code 100ms}, {@code 1s}, {@code 2m}, {@code 1h}): {@code fallback} when
     * absent; Envoy counts in milliseconds, so a shorter non-zero one is refused, as is 0 unless
     * {@code zeroAllowed} (it then means none).
     */
    private Duration duration(Resource<?> r, String field, String text, Duration fallback, boolean zeroAllowed) {
      if (text == null) {
        return fallback;
      }
      Duration d;
      try {
        d = Durations.parse(text);
      } catch (IllegalArgumentException e) {
        problems.add(new Problem(r.origin(), field, e.getMessage()));
        return fallback;
      }
      if (d.isNegative() || d.isZero() && !zeroAllowed || !d.isZero() && d.compareTo(Duration.ofMillis(1)) < 0) {
        problems.add(new Problem(r.origin(), field, "'" + text + "' must be " + (zeroAllowed ? "0 (none) or " : "")
            + "at least 1ms"));
        return fallback;
      }
      return d;
    }

    private boolean regex(Resource<?> r, String field, String value) {
      try {
        Pattern.compile(value);
        return true;
      } catch (PatternSyntaxException e) {
        problems.add(new Problem(r.origin(), field, "is not a valid regular expression (" + e.getDescription() + ")"));
        return false;
      }
    }

    /**
     * Checks one of a route's costs. A {@code Global} one joins {@code global} (the same key may be
     * declared global by several routes only with the same definition); a route's own one joins
     * {@code own}, by its index.
     */
    private void cost(Resource<AIGatewayRouteSpec> route, int i, AIGatewayRouteSpec.Cost c,
                      Map<String, CostSpec> global, Map<String, String> origin,
                      Map<String, String> globalField, Map<Integer, CostSpec> own) {
      String f = "spec.llmRequestCosts[" + i + "]";
      if (c.metadataKey() == null || c.metadataKey().isBlank()) {
        problems.add(new Problem(route.origin(), f + ".metadataKey", "is missing"));
        return;
      }
      if (c.metadataKey().startsWith(Budget.COST_PREFIX)) {
        problems.add(new Problem(route.origin(), f + ".metadataKey", "'" + c.metadataKey() + "': keys starting with "
            + Budget.COST_PREFIX + " are the TokenBudgets' costs; use another key"));
        return;
      }
      if (c.type() == null || c.type().isBlank()) {
        problems.add(new Problem(route.origin(), f + ".type", "is missing, e.g. InputToken, OutputToken, TotalToken, CEL"));
        return;
      }
      String scope = c.scope() == null ? "Route" : c.scope();
      if (!scope.equals("Route") && !scope.equals("Global")) {
        problems.add(new Problem(route.origin(), f + ".scope", "must be Route (the default: this route's requests)"
            + " or Global (every request), not '" + scope + "'"));
        return;
      }
      Map<String, Object> settings = c.settings() == null ? Map.of() : c.settings();
      for (String key : settings.keySet()) {
        if (COST_FIELDS.contains(key)) {
          problems.add(new Problem(route.origin(), f + ".settings." + key, "is set outside settings already"));
          return;
        }
      }
      // the type and its settings are the cost plugin's to judge (PluginCheck)
      if (scope.equals("Route")) {
        for (Map.Entry<Integer, CostSpec> e : own.entrySet()) {
          if (e.getValue().metadataKey().equals(c.metadataKey())) {
            problems.add(new Problem(route.origin(), f + ".metadataKey", "'" + c.metadataKey()
                + "' is already used by spec.llmRequestCosts[" + e.getKey() + "]"));
            return;
          }
        }
        own.put(i, new CostSpec(c.metadataKey(), c.type(), Settings.of("", settings))); // placed on the rules later
        return;
      }
      CostSpec existing = global.get(c.metadataKey());
      if (existing != null && !(existing.type().equals(c.type()) && existing.settings().asMap().equals(settings))) {
        problems.add(new Problem(route.origin(), f + ".metadataKey", "'" + c.metadataKey()
            + "' is a global cost defined differently by " + origin.get(c.metadataKey())
            + "; use another key, or leave out scope: Global to make it this route's own"));
        return;
      }
      if (existing == null) {
        global.put(c.metadataKey(), new CostSpec(c.metadataKey(), c.type(),
            Settings.of("costs[" + global.size() + "]", settings)));
      }
      origin.putIfAbsent(c.metadataKey(), route.origin());
      globalField.putIfAbsent(c.metadataKey(), f);
    }
  }

  private static String schemaName(ClientApi api) {
    return CLIENT_SCHEMAS.entrySet().stream().filter(e -> e.getValue() == api).findFirst().orElseThrow().getKey();
  }

  /** The host the AWSCredentials plugin signs by default. */
  static String awsHost(String region) {
    return "bedrock-runtime." + region + ".amazonaws.com";
  }

  private static int count(Object... values) {
    int n = 0;
    for (Object v : values) {
      if (v != null) {
        n++;
      }
    }
    return n;
  }
}
