package dev.tollgate.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.controller.envoy.EnvoyConfigBuilder;
import dev.tollgate.controller.envoy.EnvoySettings;
import dev.tollgate.controller.envoy.EnvoyYaml;
import dev.tollgate.controller.ratelimit.Budget;
import dev.tollgate.controller.translate.GatewaySettings;
import dev.tollgate.controller.translate.Translation;
import dev.tollgate.core.config.GatewayConfig;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.route.v3.RateLimit;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consumers become the gateway config's consumers (a Secret's key hashed); each TokenBudget a
 * global cost, Envoy's rate-limit filter, cluster and route rate limits, and the rate-limit
 * service's descriptors.
 */
class BudgetTranslationTest {
  private static final String NS = "io.envoy.ai_gateway";

  @TempDir
  Path dir;

  private Translation translate() throws Exception {
    return translate(GatewaySettings.defaults());
  }

  private Translation translate(GatewaySettings settings) throws Exception {
    return TestPlugins.translate(settings, TestPlugins.withPriceTable(), dir);
  }

  private static HttpConnectionManager hcm(Bootstrap b) throws Exception {
    return b.getStaticResources().getListeners(0).getFilterChains(0).getFilters(0).getTypedConfig()
        .unpack(HttpConnectionManager.class);
  }

  private static Cluster cluster(Bootstrap b, String name) {
    return b.getStaticResources().getClustersList().stream().filter(c -> c.getName().equals(name)).findFirst()
        .orElse(null);
  }

  @Test
  void consumersBecomeTheGatewayConfigsConsumersWithTheSecretsKeyHashed() throws Exception {
    BudgetFixtures.writeAll(dir);
    Translation t = translate();
    GatewayConfig config = t.gatewayConfig();
    assertThat(config.consumers()).extracting(GatewayConfig.Consumer::name)
        .containsExactly("batch-app", "ops", "research-app");
    GatewayConfig.Consumer research = config.consumers().get(2);
    assertThat(research.metadata()).containsExactly(Map.entry("team", "research"), Map.entry("tier", "gold"));
    assertThat(research.models()).containsExactly("gpt-4o-mini", "claude-*");
    assertThat(research.keys()).containsExactly(new GatewayConfig.ClientKey(BudgetFixtures.sha256(BudgetFixtures.RESEARCH_KEY),
        Optional.of(Instant.parse("2027-01-01T00:00:00Z"))));
    assertThat(config.consumers().get(0).keys()).containsExactly(
        new GatewayConfig.ClientKey(BudgetFixtures.sha256(BudgetFixtures.BATCH_KEY), Optional.empty()));
    assertThat(config.consumers().get(1).keys().get(0).sha256()).as("a hash given in upper case is written lower-case")
        .isEqualTo(BudgetFixtures.sha256("tg-ops-key"));
    assertThat(config.consumers().get(1).metadata()).isEmpty();
    assertThat(config.requiresClientKeys()).isTrue();
    assertThat(t.containsSecrets()).as("hashes are not secrets: the config stays a ConfigMap").isFalse();
    assertThat(t.gatewayConfigYaml()).contains("consumers:", BudgetFixtures.sha256(BudgetFixtures.RESEARCH_KEY))
        .doesNotContain(BudgetFixtures.RESEARCH_KEY);
  }

  @Test
  void eachBudgetIsAGlobalCostOfItsTokenTypeOrOfThePriceTable() throws Exception {
    BudgetFixtures.writeAll(dir);
    GatewayConfig config = translate().gatewayConfig();
    assertThat(config.costs()).extracting(GatewayConfig.CostSpec::metadataKey)
        .containsExactly("tollgate_budget_hourly", "tollgate_budget_research-daily", "tollgate_budget_spend");
    assertThat(config.costs()).extracting(GatewayConfig.CostSpec::type)
        .containsExactly("TotalToken", "OutputToken", "PriceTable");
    assertThat(config.costs().get(0).settings().asMap()).isEmpty();
    assertThat(config.costs().get(2).settings().asMap()).isEqualTo(Map.of("prices", Map.of(
        "gpt-4o-mini", Map.of("input", 0.15, "output", 0.60, "cachedInput", 0.075),
        "claude-*", Map.of("input", 3.0, "output", 15.0, "cachedInput", 0.30, "cacheCreation", 3.75),
        "*", Map.of("input", 1.0, "output", 1.0))));
  }

  @Test
  void routeCostsComeFirstAndBudgetsAfterThem() throws Exception {
    BudgetFixtures.writeAll(dir);
    Files.writeString(dir.resolve("backends.yaml"), BudgetFixtures.BACKENDS + """
          llmRequestCosts:
            - {metadataKey: llm_total_token, type: TotalToken, scope: Global}
            - {metadataKey: llm_input_token, type: InputToken}
        """);
    GatewayConfig config = translate().gatewayConfig();
    assertThat(config.costs()).extracting(GatewayConfig.CostSpec::metadataKey).containsExactly("llm_total_token",
        "tollgate_budget_hourly", "tollgate_budget_research-daily", "tollgate_budget_spend");
    assertThat(config.rules().get(0).costs()).extracting(GatewayConfig.CostSpec::metadataKey)
        .containsExactly("llm_input_token");
  }

  @Test
  void envoyRunsTheRateLimitFilterBetweenTollgateAndTheRouterAgainstTheRateLimitCluster() throws Exception {
    BudgetFixtures.writeAll(dir);
    Translation t = translate();
    Bootstrap b = EnvoyYaml.parseBootstrap(t.envoyBootstrapYaml());
    HttpConnectionManager hcm = hcm(b);
    assertThat(hcm.getHttpFiltersList()).extracting(HttpFilter::getName)
        .containsExactly("envoy.filters.http.ext_proc", "envoy.filters.http.ratelimit", "envoy.filters.http.router");
    var filter = hcm.getHttpFilters(1).getTypedConfig()
        .unpack(io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimit.class);
    assertThat(filter.getDomain()).isEqualTo("tollgate");
    assertThat(filter.getTimeout().getSeconds()).isEqualTo(1);
    assertThat(filter.getFailureModeDeny()).isFalse();
    assertThat(filter.getEnableXRatelimitHeaders()).isEqualTo(
        io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimit.XRateLimitHeadersRFCVersion.DRAFT_VERSION_03);
    assertThat(filter.getRateLimitService().getGrpcService().getEnvoyGrpc().getClusterName())
        .isEqualTo("tollgate-ratelimit");
    assertThat(filter.getRateLimitService().getTransportApiVersion()).isEqualTo(ApiVersion.V3);

    Cluster rl = cluster(b, EnvoyConfigBuilder.RATELIMIT_CLUSTER);
    assertThat(rl).isNotNull();
    assertThat(rl.getType()).as("an IP address").isEqualTo(Cluster.DiscoveryType.STATIC);
    var address = rl.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress().getSocketAddress();
    assertThat(address.getAddress()).isEqualTo("127.0.0.1");
    assertThat(address.getPortValue()).isEqualTo(8081);
    assertThat(rl.getTypedExtensionProtocolOptionsMap().get("envoy.extensions.upstreams.http.v3.HttpProtocolOptions")
        .unpack(HttpProtocolOptions.class).getExplicitHttpConfig().hasHttp2ProtocolOptions()).isTrue();
    assertThat(t.envoy().clusters()).as("the xDS form has it too").contains(rl);
    assertThat(t.envoy().xdsListeners().get(0).getFilterChains(0).getFilters(0).getTypedConfig()
        .unpack(HttpConnectionManager.class).getHttpFiltersList()).extracting(HttpFilter::getName)
        .containsExactly("envoy.filters.http.ext_proc", "envoy.filters.http.ratelimit", "envoy.filters.http.router");
  }

  @Test
  void theRateLimitServiceByNameIsResolvedByDns() throws Exception {
    BudgetFixtures.writeAll(dir);
    Translation t = translate(GatewaySettings.defaults().withEnvoy(EnvoySettings.defaults()
        .withRateLimitAddress("ratelimit.tollgate.svc:9000")));
    Cluster rl = cluster(EnvoyYaml.parseBootstrap(t.envoyBootstrapYaml()), EnvoyConfigBuilder.RATELIMIT_CLUSTER);
    assertThat(rl.getType()).isEqualTo(Cluster.DiscoveryType.STRICT_DNS);
    var address = rl.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress().getSocketAddress();
    assertThat(address.getAddress()).isEqualTo("ratelimit.tollgate.svc");
    assertThat(address.getPortValue()).isEqualTo(9000);
    assertThat(EnvoySettings.defaults().withRateLimitAddress("[::1]:8081").rateLimitHost()).isEqualTo("::1");
    assertThat(EnvoySettings.defaults().withRateLimitAddress("[::1]:8081").rateLimitOnIpAddress()).isTrue();
  }

  @Test
  void everyRouteChecksEachBudgetWhenTheRequestArrivesAndChargesItWhenTheStreamEnds() throws Exception {
    BudgetFixtures.writeAll(dir);
    Bootstrap b = EnvoyYaml.parseBootstrap(translate().envoyBootstrapYaml());
    List<Route> routes = hcm(b).getRouteConfig().getVirtualHosts(0).getRoutesList();
    assertThat(routes).extracting(Route::getName).as("two backend routes and the fallback rule's route")
        .containsExactly("local", "openai", "rule:fallback");
    for (Route r : routes) {
      assertThat(r.getRoute().getRateLimitsList()).as("not the route's own rate_limits, whose hits_addend Envoy"
          + " 1.40 ignores").isEmpty();
      assertThat(perRoute(r).getRateLimitsList()).as(r.getName()).hasSize(6);
    }
    List<RateLimit> limits = perRoute(routes.get(0)).getRateLimitsList();
    assertThat(perRoute(routes.get(2)).getRateLimitsList()).isEqualTo(limits);

    // hourly: per consumer, no model or backend
    RateLimit check = limits.get(0);
    RateLimit charge = limits.get(1);
    assertThat(check.getActionsList()).isEqualTo(charge.getActionsList());
    assertThat(check.getActionsList()).hasSize(2);
    assertThat(check.getActions(0).getGenericKey().getDescriptorKey()).isEqualTo("budget");
    assertThat(check.getActions(0).getGenericKey().getDescriptorValue()).isEqualTo("hourly");
    RateLimit.Action.MetaData subject = check.getActions(1).getMetadata();
    assertThat(subject.getDescriptorKey()).isEqualTo("consumer");
    assertThat(subject.getMetadataKey().getKey()).isEqualTo(NS);
    assertThat(subject.getMetadataKey().getPathList()).extracting(p -> p.getKey()).containsExactly("consumer");
    assertThat(subject.getSource()).as("the default, so the YAML leaves it out").isEqualTo(
        RateLimit.Action.MetaData.Source.DYNAMIC);
    assertThat(subject.getSkipIfAbsent()).isTrue();
    assertThat(check.getHitsAddend().hasNumber()).isTrue();
    assertThat(check.getHitsAddend().getNumber().getValue()).isZero();
    assertThat(check.getApplyOnStreamDone()).isFalse();
    assertThat(charge.getApplyOnStreamDone()).isTrue();
    assertThat(charge.getHitsAddend().getFormat()).isEqualTo("%DYNAMIC_METADATA(" + NS + ":tollgate_budget_hourly)%");

    // research-daily: per team
    RateLimit.Action.MetaData team = limits.get(2).getActions(1).getMetadata();
    assertThat(team.getDescriptorKey()).isEqualTo("consumer_team");
    assertThat(team.getMetadataKey().getPathList()).extracting(p -> p.getKey()).containsExactly("consumer_team");
    assertThat(limits.get(3).getHitsAddend().getFormat())
        .isEqualTo("%DYNAMIC_METADATA(" + NS + ":tollgate_budget_research-daily)%");

    // spend: per consumer, model and backend
    List<RateLimit.Action> spend = limits.get(4).getActionsList();
    assertThat(spend).hasSize(4);
    assertThat(spend.get(2).getRequestHeaders().getHeaderName()).isEqualTo("x-ai-eg-model");
    assertThat(spend.get(2).getRequestHeaders().getDescriptorKey()).isEqualTo("model");
    assertThat(spend.get(3).getRequestHeaders().getHeaderName()).isEqualTo("x-ai-eg-selected-backend");
    assertThat(spend.get(3).getRequestHeaders().getDescriptorKey()).isEqualTo("backend");
    assertThat(limits.get(5).getActionsList()).isEqualTo(spend);
    assertThat(limits.get(5).getApplyOnStreamDone()).isTrue();

    String yaml = translate().envoyBootstrapYaml();
    assertThat(yaml).as("the proto3 JSON names Envoy reads").contains("hits_addend:", "apply_on_stream_done: true",
        "skip_if_absent: true", "descriptor_key: budget", "descriptor_value: hourly",
        "format: '%DYNAMIC_METADATA(io.envoy.ai_gateway:tollgate_budget_spend)%'", "header_name: x-ai-eg-model");
  }

  @Test
  void withoutBudgetsThereIsNoRateLimitFilterClusterOrRouteLimitEvenWithConsumers() throws Exception {
    Files.writeString(dir.resolve("backends.yaml"), BudgetFixtures.BACKENDS);
    Files.writeString(dir.resolve("consumers.yaml"), BudgetFixtures.CONSUMERS);
    Translation t = translate();
    assertThat(t.hasBudgets()).isFalse();
    assertThat(t.gatewayConfig().consumers()).hasSize(3);
    assertThat(t.gatewayConfig().costs()).isEmpty();
    Bootstrap b = EnvoyYaml.parseBootstrap(t.envoyBootstrapYaml());
    assertThat(hcm(b).getHttpFiltersList()).extracting(HttpFilter::getName)
        .containsExactly("envoy.filters.http.ext_proc", "envoy.filters.http.router");
    assertThat(cluster(b, EnvoyConfigBuilder.RATELIMIT_CLUSTER)).isNull();
    assertThat(t.envoyBootstrapYaml()).doesNotContain("rate_limits", "ratelimit");
    assertThat(t.rateLimitConfigYaml()).isEqualTo("domain: tollgate\ndescriptors: []\n");

    // the same Envoy configuration as with no consumer at all
    Files.delete(dir.resolve("consumers.yaml"));
    assertThat(translate().envoyBootstrapYaml()).isEqualTo(t.envoyBootstrapYaml());
  }

  @Test
  void theShippedBootstrapIsStillWhatTheShippedResourcesTranslateTo() throws Exception {
    Path resources = Path.of("../distribution/src/main/config/resources");
    String shipped = Files.readString(Path.of("../distribution/src/main/config/envoy.yaml")).lines()
        .filter(l -> !l.startsWith("#")).reduce("", (a, c) -> a + c + "\n");
    Translation t = TestPlugins.translate(resources);
    assertThat(t.envoyBootstrapYaml()).isEqualTo(shipped);
    assertThat(t.hasBudgets()).isFalse();
  }

  @Test
  void theBudgetsDescribeThemselvesForEnvoyAndTheService() throws Exception {
    BudgetFixtures.writeAll(dir);
    List<Budget> budgets = translate().budgets();
    assertThat(budgets).containsExactly(
        new Budget("hourly", "consumer", List.of(), false, false, Budget.Unit.HOUR, 100_000),
        new Budget("research-daily", "consumer_team", List.of("research"), false, false, Budget.Unit.DAY, 2_000_000),
        new Budget("spend", "consumer", List.of(), true, true, Budget.Unit.DAY, 2_500_000));
  }

  private static io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimitPerRoute perRoute(Route r)
      throws Exception {
    return r.getTypedPerFilterConfigOrThrow("envoy.filters.http.ratelimit")
        .unpack(io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimitPerRoute.class);
  }
}
