package dev.tollgate.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.tollgate.controller.envoy.EnvoyYaml;
import dev.tollgate.controller.resource.InvalidResourcesException;
import dev.tollgate.controller.resource.Problem;
import dev.tollgate.controller.translate.Translation;
import dev.tollgate.core.config.ConfigParser;
import dev.tollgate.core.config.GatewayConfig;
import dev.tollgate.core.config.GatewayConfig.Placement;
import dev.tollgate.core.config.GatewayConfig.WeightedBackend;
import dev.tollgate.core.pipeline.UpstreamPlacement;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rules that fall back across backends or retry: their gateway-config placement and priorities, and
 * the Envoy route and cluster of their own (retry policy, endpoints per tier, upstream ext_proc).
 */
class FallbackTest {
  private static final String BACKENDS = """
      apiVersion: aigateway.tollgate.dev/v1alpha1
      kind: BackendSecurityPolicy
      metadata: {name: key}
      spec:
        type: APIKey
        apiKey: {env: OPENAI_API_KEY}
      ---
      apiVersion: aigateway.tollgate.dev/v1alpha1
      kind: BackendSecurityPolicy
      metadata: {name: aws}
      spec:
        type: AWSCredentials
        awsCredentials: {region: us-east-1, fromEnvironment: true}
      ---
      apiVersion: aigateway.tollgate.dev/v1alpha1
      kind: AIServiceBackend
      metadata: {name: openai}
      spec:
        schema: {name: OpenAI}
        endpoint: {host: api.openai.com, caFile: /etc/openai-ca.pem}
        backendSecurityPolicyRef: {name: key}
      ---
      apiVersion: aigateway.tollgate.dev/v1alpha1
      kind: AIServiceBackend
      metadata: {name: openai-eu}
      spec:
        schema: {name: OpenAI}
        endpoint: {host: eu.api.openai.com}
        backendSecurityPolicyRef: {name: key}
      ---
      apiVersion: aigateway.tollgate.dev/v1alpha1
      kind: AIServiceBackend
      metadata: {name: bedrock}
      spec:
        schema: {name: AWSBedrock}
        endpoint: {host: bedrock-proxy.internal, port: 8443}
        backendSecurityPolicyRef: {name: aws}
      ---
      apiVersion: aigateway.tollgate.dev/v1alpha1
      kind: AIServiceBackend
      metadata: {name: local}
      spec:
        schema: {name: OpenAI}
        endpoint: {host: 127.0.0.1, port: 8080, tls: false}
      ---
      apiVersion: aigateway.tollgate.dev/v1alpha1
      kind: AIServiceBackend
      metadata: {name: spare}
      spec:
        schema: {name: OpenAI}
        endpoint: {host: 127.0.0.1, port: 8081, tls: false}
      """;

  @TempDir
  Path dir;

  private Translation translate(String rules) throws Exception {
    write(rules);
    return TestPlugins.translate(dir);
  }

  private List<Problem> problems(String rules) throws Exception {
    write(rules);
    InvalidResourcesException e = catchThrowableOfType(InvalidResourcesException.class, () -> TestPlugins.translate(dir));
    assertThat(e).as("expected the resources to be rejected").isNotNull();
    return e.problems();
  }

  private void write(String rules) throws Exception {
    Files.writeString(dir.resolve("backends.yaml"), BACKENDS);
    Files.writeString(dir.resolve("route.yaml"), """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: chat}
        spec:
          rules:
        """ + rules.indent(4));
  }

  /** Primary tier: openai and openai-eu 3:1 and spare at weight 0; fallbacks: bedrock (priority 5), local (priority 9). */
  private static final String FALLBACK_RULE = """
      - name: gpt
        model: gpt-4o
        backendRefs:
          - {name: openai, weight: 3}
          - {name: openai-eu}
          - {name: spare, weight: 0}
          - {name: bedrock, priority: 5}
          - {name: local, priority: 9}
      - name: rest
        backendRefs: [{name: local}]
      """;

  @Test
  void aRuleWithFallbacksIsPlacedUpstreamWithItsPrioritiesRanked() throws Exception {
    Translation t = translate(FALLBACK_RULE);
    GatewayConfig config = ConfigParser.parse(t.gatewayConfigYaml());
    GatewayConfig.Rule gpt = config.rules().get(0);
    assertThat(gpt.placement()).isEqualTo(Placement.UPSTREAM);
    assertThat(gpt.backends()).containsExactly(new WeightedBackend("openai", 3, 0),
        new WeightedBackend("openai-eu", 1, 0), new WeightedBackend("spare", 0, 0),
        new WeightedBackend("bedrock", 1, 1), new WeightedBackend("local", 1, 2));
    assertThat(config.rules().get(1).placement()).isEqualTo(Placement.ROUTER);
    assertThat(t.warnings()).noneSatisfy(w -> assertThat(w).contains("fallback"));
  }

  @Test
  void theRuleGetsARouteOnItsTargetWithTheDefaultRetryPolicy() throws Exception {
    Translation t = translate(FALLBACK_RULE);
    Route route = route(t, "rule:gpt");
    assertThat(route.getMatch().getPrefix()).isEqualTo("/");
    assertThat(route.getMatch().getHeaders(0).getName()).isEqualTo(GatewayConfig.DEFAULT_SELECTED_BACKEND_HEADER);
    assertThat(route.getMatch().getHeaders(0).getStringMatch().getExact()).isEqualTo("rule:gpt");
    assertThat(route.getRoute().getCluster()).isEqualTo("tollgate-rule-gpt");
    assertThat(route.getRoute().getHostRewriteLiteral()).as("each attempt sets :authority itself").isEmpty();
    assertThat(route.getRoute().getIdleTimeout().getSeconds()).isEqualTo(600);
    assertThat(route.getRoute().getTimeout().getSeconds()).isZero();
    assertThat(route.getRoute().hasTimeout()).isTrue();

    RetryPolicy retry = route.getRoute().getRetryPolicy();
    assertThat(retry.getRetryOn()).isEqualTo("5xx,reset,connect-failure,retriable-status-codes");
    assertThat(retry.getRetriableStatusCodesList()).containsExactly(429);
    assertThat(retry.getNumRetries().getValue()).as("3 tiers, each once").isEqualTo(2);
    assertThat(retry.hasPerTryTimeout()).as("it would cut long streams").isFalse();
    assertThat(retry.getPerTryIdleTimeout().getSeconds()).isEqualTo(120);
    assertThat(retry.getRetryPriority().getName()).isEqualTo("envoy.retry_priorities.previous_priorities");
    assertThat(retry.getRetryPriority().getTypedConfig().unpack(PreviousPrioritiesConfig.class).getUpdateFrequency())
        .isEqualTo(1);
    assertThat(retry.getRetryHostPredicateList()).extracting(RetryPolicy.RetryHostPredicate::getName)
        .containsExactly("envoy.retry_host_predicates.previous_hosts");
    assertThat(retry.getHostSelectionRetryMaxAttempts()).isEqualTo(3);
    assertThat(retry.getRetryBackOff().getBaseInterval().getNanos()).isEqualTo(100_000_000);
    assertThat(retry.getRetryBackOff().getMaxInterval().getSeconds()).isEqualTo(1);
    assertThat(retry.getRateLimitedRetryBackOff().getResetHeadersList()).singleElement().satisfies(h -> {
      assertThat(h.getName()).isEqualTo("retry-after");
      assertThat(h.getFormat()).isEqualTo(RetryPolicy.ResetHeaderFormat.SECONDS);
    });
    assertThat(retry.getRateLimitedRetryBackOff().getMaxInterval().getSeconds()).isEqualTo(10);

    // the backends' own routes stay, first, for router rules and the direct routing header
    RouteConfiguration routes = t.envoy().bootstrap().getStaticResources().getListeners(0).getFilterChains(0)
        .getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class).getRouteConfig();
    assertThat(routes.getVirtualHosts(0).getRoutesList()).extracting(Route::getName)
        .containsExactly("bedrock", "local", "openai", "openai-eu", "spare", "rule:gpt");
    assertThat(route(t, "local").getRoute().hasRetryPolicy()).isFalse();
  }

  @Test
  void theRuleClusterHasOnePriorityGroupPerTierWithTheBackendsAsEndpoints() throws Exception {
    Translation t = translate(FALLBACK_RULE);
    Cluster c = cluster(t, "tollgate-rule-gpt");
    assertThat(c.getType()).isEqualTo(Cluster.DiscoveryType.STRICT_DNS);
    assertThat(c.getDnsLookupFamily()).isEqualTo(Cluster.DnsLookupFamily.V4_PREFERRED);
    assertThat(c.getLbPolicy()).isEqualTo(Cluster.LbPolicy.ROUND_ROBIN);
    assertThat(c.getConnectTimeout()).isEqualTo(cluster(t, "tollgate-backend-openai").getConnectTimeout());
    assertThat(c.hasTransportSocket()).as("plain endpoints use raw buffer").isFalse();
    assertThat(c.getPerConnectionBufferLimitBytes().getValue()).isEqualTo(50 * 1024 * 1024);

    List<LocalityLbEndpoints> groups = c.getLoadAssignment().getEndpointsList();
    assertThat(groups).extracting(LocalityLbEndpoints::getPriority).containsExactly(0, 1, 2);
    assertThat(groups.get(0).getLbEndpointsList()).as("weight 0 gets no endpoint")
        .extracting(FallbackTest::backendOf).containsExactly("openai", "openai-eu");
    assertThat(groups.get(0).getLbEndpointsList()).extracting(e -> e.getLoadBalancingWeight().getValue())
        .containsExactly(3, 1);
    assertThat(groups.get(1).getLbEndpointsList()).extracting(FallbackTest::backendOf).containsExactly("bedrock");
    assertThat(groups.get(2).getLbEndpointsList()).extracting(FallbackTest::backendOf).containsExactly("local");

    LbEndpoint bedrock = groups.get(1).getLbEndpoints(0);
    assertThat(bedrock.getEndpoint().getAddress().getSocketAddress().getAddress()).isEqualTo("bedrock-proxy.internal");
    assertThat(bedrock.getEndpoint().getAddress().getSocketAddress().getPortValue()).isEqualTo(8443);
    assertThat(fields(bedrock.getMetadata().getFilterMetadataOrThrow(UpstreamPlacement.ENDPOINT_METADATA)))
        .as("the Host the backend's own route rewrites to: the one SigV4 signs")
        .containsExactlyInAnyOrderEntriesOf(Map.of(UpstreamPlacement.BACKEND_KEY, "bedrock",
            UpstreamPlacement.HOST_KEY, "bedrock-runtime.us-east-1.amazonaws.com"));
    assertThat(cluster(t, "tollgate-backend-bedrock").getLoadAssignment().getClusterName()).isNotEmpty();
    assertThat(route(t, "bedrock").getRoute().getHostRewriteLiteral()).isEqualTo("bedrock-runtime.us-east-1.amazonaws.com");

    // TLS per endpoint: the TLS backends name their socket, the plain one names none
    assertThat(fields(bedrock.getMetadata().getFilterMetadataOrThrow("envoy.transport_socket_match")))
        .containsExactly(Map.entry("tollgate-backend", "bedrock"));
    LbEndpoint local = groups.get(2).getLbEndpoints(0);
    assertThat(local.getMetadata().getFilterMetadataMap()).containsOnlyKeys(UpstreamPlacement.ENDPOINT_METADATA);
    assertThat(fields(local.getMetadata().getFilterMetadataOrThrow(UpstreamPlacement.ENDPOINT_METADATA)))
        .containsEntry(UpstreamPlacement.HOST_KEY, "127.0.0.1");
    assertThat(c.getTransportSocketMatchesList()).extracting(Cluster.TransportSocketMatch::getName)
        .containsExactly("tls-openai", "tls-openai-eu", "tls-bedrock");
    Cluster.TransportSocketMatch openai = c.getTransportSocketMatches(0);
    assertThat(fields(openai.getMatch())).containsExactly(Map.entry("tollgate-backend", "openai"));
    assertThat(openai.getTransportSocket()).as("the same TLS as the backend's own cluster")
        .isEqualTo(cluster(t, "tollgate-backend-openai").getTransportSocket());
    UpstreamTlsContext tls = openai.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
    assertThat(tls.getSni()).isEqualTo("api.openai.com");
    assertThat(tls.getCommonTlsContext().getValidationContext().getTrustedCa().getFilename()).isEqualTo("/etc/openai-ca.pem");
    assertThat(tls.getCommonTlsContext().getValidationContext().getMatchTypedSubjectAltNames(0).getMatcher().getExact())
        .isEqualTo("api.openai.com");

    assertThat(c.getOutlierDetection().getConsecutive5Xx().getValue()).isEqualTo(5);
    assertThat(c.getOutlierDetection().getBaseEjectionTime().getSeconds()).isEqualTo(30);
    assertThat(c.getOutlierDetection().getInterval().getSeconds()).isEqualTo(10);
    assertThat(c.getOutlierDetection().getMaxEjectionPercent().getValue()).isEqualTo(100);
    assertThat(c.getCircuitBreakers().getThresholds(0).getMaxRetries().getValue())
        .as("Envoy's default, 3 retries at once per cluster, would leave most requests of an outage without fallback")
        .isEqualTo(1024);
  }

  @Test
  void theRuleClusterRunsTollgateOncePerAttemptInItsUpstreamFilterChain() throws Exception {
    Translation t = translate(FALLBACK_RULE);
    HttpProtocolOptions options = cluster(t, "tollgate-rule-gpt").getTypedExtensionProtocolOptionsOrThrow(
        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions").unpack(HttpProtocolOptions.class);
    assertThat(options.getExplicitHttpConfig().hasHttpProtocolOptions()).isTrue();
    assertThat(options.getHttpFiltersList()).extracting(f -> f.getName())
        .containsExactly("envoy.filters.http.ext_proc", "envoy.filters.http.upstream_codec");
    assertThat(options.getHttpFilters(1).getTypedConfig().is(UpstreamCodec.class)).isTrue();

    ExternalProcessor upstream = options.getHttpFilters(0).getTypedConfig().unpack(ExternalProcessor.class);
    ExternalProcessor router = routerExtProc(t);
    assertThat(upstream.getGrpcService().getEnvoyGrpc().getClusterName()).isEqualTo("tollgate-extproc");
    assertThat(upstream.getRequestAttributesList()).containsExactly(UpstreamPlacement.BACKEND_ATTRIBUTE,
        UpstreamPlacement.HOST_ATTRIBUTE, UpstreamPlacement.ATTEMPT_ATTRIBUTE);
    assertThat(upstream.getRequestAttributesList()).as("segfaults Envoy 1.40").doesNotContain("xds.node");
    ProcessingMode mode = upstream.getProcessingMode();
    assertThat(mode.getRequestHeaderMode()).isEqualTo(ProcessingMode.HeaderSendMode.SEND);
    assertThat(mode.getRequestBodyMode()).isEqualTo(ProcessingMode.BodySendMode.BUFFERED);
    assertThat(mode.getResponseHeaderMode()).isEqualTo(ProcessingMode.HeaderSendMode.SEND);
    assertThat(mode.getResponseBodyMode()).isEqualTo(ProcessingMode.BodySendMode.BUFFERED);
    assertThat(mode.getRequestTrailerMode()).isEqualTo(ProcessingMode.HeaderSendMode.SKIP);
    assertThat(mode.getResponseTrailerMode()).isEqualTo(ProcessingMode.HeaderSendMode.SKIP);
    assertThat(upstream.getAllowModeOverride()).isTrue();
    assertThat(upstream.getMessageTimeout()).isEqualTo(router.getMessageTimeout());
    assertThat(upstream.getMutationRules().getAllowAllRouting().getValue()).isTrue();
    assertThat(upstream.getMetadataOptions().getForwardingNamespaces().getUntypedList())
        .containsExactly(UpstreamPlacement.HANDOFF_NAMESPACE);
    assertThat(upstream.getMetadataOptions().getReceivingNamespaces().getUntypedList())
        .containsExactly(GatewayConfig.DEFAULT_METADATA_NAMESPACE);

    assertThat(router.getMetadataOptions().getReceivingNamespaces().getUntypedList())
        .containsExactly(GatewayConfig.DEFAULT_METADATA_NAMESPACE, UpstreamPlacement.HANDOFF_NAMESPACE);
    assertThat(router.getRequestAttributesList()).isEmpty();
  }

  @Test
  void withoutUpstreamRulesTheRouterFilterReceivesOnlyTheCostsAndNoRuleClusterIsMade() throws Exception {
    Translation t = translate("""
        - name: plain
          backendRefs: [{name: openai, priority: 2}, {name: local, priority: 2}]
        """);
    assertThat(ConfigParser.parse(t.gatewayConfigYaml()).rules().get(0).backends())
        .as("one tier, whatever its number, is tier 0")
        .containsExactly(new WeightedBackend("openai", 1, 0), new WeightedBackend("local", 1, 0));
    assertThat(t.gatewayConfig().rules().get(0).placement()).isEqualTo(Placement.ROUTER);
    assertThat(routerExtProc(t).getMetadataOptions().getReceivingNamespaces().getUntypedList())
        .containsExactly(GatewayConfig.DEFAULT_METADATA_NAMESPACE);
    assertThat(t.envoy().clusters()).extracting(Cluster::getName).noneMatch(n -> n.startsWith("tollgate-rule-"));
  }

  @Test
  void xdsCarriesWhatTheBootstrapCarries() throws Exception {
    Translation t = translate(FALLBACK_RULE);
    var bootstrap = t.envoy().bootstrap().getStaticResources();
    assertThat(t.envoy().clusters()).isEqualTo(bootstrap.getClustersList());
    RouteConfiguration inline = bootstrap.getListeners(0).getFilterChains(0).getFilters(0).getTypedConfig()
        .unpack(HttpConnectionManager.class).getRouteConfig();
    assertThat(t.envoy().xdsRoutes()).containsExactly(inline);
    HttpConnectionManager xds = t.envoy().xdsListeners().get(0).getFilterChains(0).getFilters(0).getTypedConfig()
        .unpack(HttpConnectionManager.class);
    assertThat(xds.getHttpFiltersList()).isEqualTo(bootstrap.getListeners(0).getFilterChains(0).getFilters(0)
        .getTypedConfig().unpack(HttpConnectionManager.class).getHttpFiltersList());
    // and the YAML form reads back into the same protos (every Any type is known to the printer and parser)
    assertThat(EnvoyYaml.parseBootstrap(t.envoyBootstrapYaml())).isEqualTo(t.envoy().bootstrap());
  }

  @Test
  void retriesOverrideEveryDefault() throws Exception {
    Translation t = translate("""
        - name: gpt
          backendRefs: [{name: openai}, {name: local, priority: 1}]
          retries:
            attempts: 4
            retryOn: [gateway-error, refused-stream, gateway-error]
            retriableStatusCodes: [429, 408]
            perTryTimeout: 45s
            perTryIdleTimeout: 20s
            backOff: {baseInterval: 250ms, maxInterval: 2s}
            retryAfterLimit: 1m
          outlierDetection: {consecutive5xx: 3, baseEjectionTime: 2m}
        """);
    RetryPolicy retry = route(t, "rule:gpt").getRoute().getRetryPolicy();
    assertThat(retry.getRetryOn()).isEqualTo("gateway-error,refused-stream,retriable-status-codes");
    assertThat(retry.getRetriableStatusCodesList()).containsExactly(429, 408);
    assertThat(retry.getNumRetries().getValue()).isEqualTo(3);
    assertThat(retry.getPerTryTimeout().getSeconds()).isEqualTo(45);
    assertThat(retry.getPerTryIdleTimeout().getSeconds()).isEqualTo(20);
    assertThat(retry.getRetryBackOff().getBaseInterval().getNanos()).isEqualTo(250_000_000);
    assertThat(retry.getRetryBackOff().getMaxInterval().getSeconds()).isEqualTo(2);
    assertThat(retry.getRateLimitedRetryBackOff().getMaxInterval().getSeconds()).isEqualTo(60);
    Cluster c = cluster(t, "tollgate-rule-gpt");
    assertThat(c.getOutlierDetection().getConsecutive5Xx().getValue()).isEqualTo(3);
    assertThat(c.getOutlierDetection().getBaseEjectionTime().getSeconds()).isEqualTo(120);
  }

  @Test
  void noStatusCodesNoRetryAfterNoIdleTimeoutAndNoOutlierDetectionCanBeAskedFor() throws Exception {
    Translation t = translate("""
        - name: gpt
          backendRefs: [{name: openai}, {name: local, priority: 1}]
          retries: {retriableStatusCodes: [], retryAfterLimit: "0", perTryIdleTimeout: "0"}
          outlierDetection: {consecutive5xx: 0}
        """);
    RetryPolicy retry = route(t, "rule:gpt").getRoute().getRetryPolicy();
    assertThat(retry.getRetryOn()).isEqualTo("5xx,reset,connect-failure");
    assertThat(retry.getRetriableStatusCodesList()).isEmpty();
    assertThat(retry.hasRateLimitedRetryBackOff()).isFalse();
    assertThat(retry.hasPerTryIdleTimeout()).isFalse();
    assertThat(retry.getNumRetries().getValue()).isEqualTo(1);
    assertThat(cluster(t, "tollgate-rule-gpt").hasOutlierDetection()).isFalse();
  }

  @Test
  void retriesAloneMakeASingleTierRuleUpstreamWithoutPriorityHopping() throws Exception {
    Translation t = translate("""
        - name: gpt
          backendRefs: [{name: openai}, {name: openai-eu}]
          retries: {attempts: 2}
        """);
    assertThat(t.gatewayConfig().rules().get(0).placement()).isEqualTo(Placement.UPSTREAM);
    RetryPolicy retry = route(t, "rule:gpt").getRoute().getRetryPolicy();
    assertThat(retry.getNumRetries().getValue()).isEqualTo(1);
    assertThat(retry.hasRetryPriority()).as("one tier: nothing to move to").isFalse();
    assertThat(retry.getRetryHostPredicateCount()).as("the retry goes to the other backend").isEqualTo(1);
    assertThat(cluster(t, "tollgate-rule-gpt").getLoadAssignment().getEndpointsList()).singleElement()
        .satisfies(g -> assertThat(g.getLbEndpointsCount()).isEqualTo(2));
    assertThat(ruleWarnings(t)).isEmpty();

    Translation once = translate("""
        - name: gpt
          backendRefs: [{name: openai}, {name: openai-eu}]
          retries: {retryOn: [5xx]}
        """);
    assertThat(route(once, "rule:gpt").getRoute().getRetryPolicy().getNumRetries().getValue()).isZero();
    assertThat(ruleWarnings(once)).singleElement().satisfies(w -> assertThat(w)
        .startsWith("route.yaml (AIGatewayRoute chat): spec.rules[0].retries: ").contains("set attempts"));
  }

  @Test
  void outlierDetectionOnARouterRuleIsAcceptedWithAWarning() throws Exception {
    Translation t = translate("""
        - name: gpt
          backendRefs: [{name: openai}]
          outlierDetection: {consecutive5xx: 2}
        """);
    assertThat(t.gatewayConfig().rules().get(0).placement()).isEqualTo(Placement.ROUTER);
    assertThat(ruleWarnings(t)).singleElement().satisfies(w -> assertThat(w).contains("spec.rules[0].outlierDetection",
        "no effect"));
  }

  @Test
  void invalidRetryAndOutlierFieldsAreProblemsNamingTheirField() throws Exception {
    List<Problem> problems = problems("""
        - name: gpt
          backendRefs: [{name: openai}, {name: local, priority: 1}]
          retries:
            attempts: 0
            retryOn: [5xx, timeout]
            retriableStatusCodes: [429, 302]
            perTryTimeout: soon
            perTryIdleTimeout: 10d
            retryAfterLimit: 0.1ms
          outlierDetection: {consecutive5xx: -1, baseEjectionTime: "0"}
        - name: other
          backendRefs: [{name: openai}, {name: local, priority: 1}]
          retries:
            backOff: {baseInterval: 2s, maxInterval: 500ms}
        """);
    String at = "route.yaml (AIGatewayRoute chat): spec.rules[0].";
    assertThat(problems).extracting(Problem::toString).containsExactly(
        at + "retries.attempts: must be between 1 and 10 (the first attempt included), not 0",
        at + "retries.retryOn[1]: must be one of 5xx, gateway-error, reset, connect-failure, refused-stream, not 'timeout'",
        at + "retries.retriableStatusCodes[1]: must be an HTTP status between 400 and 599, not 302",
        at + "retries.perTryTimeout: 'soon' is not a duration: write e.g. 2s, 500ms, 5m, 1h or PT2S",
        at + "retries.perTryIdleTimeout: '10d' is not a duration: write e.g. 2s, 500ms, 5m, 1h or PT2S",
        at + "retries.retryAfterLimit: '0.1ms' must be 0 (none) or at least 1ms",
        at + "outlierDetection.consecutive5xx: must be 0 (off) or more, not -1",
        at + "outlierDetection.baseEjectionTime: '0' must be at least 1ms",
        "route.yaml (AIGatewayRoute chat): spec.rules[1].retries.backOff.maxInterval: is shorter than baseInterval"
            + " (500ms < 2s)");
  }

  @Test
  void emptyRetryOnWithoutStatusCodesRetriesNothingAndIsRefused() throws Exception {
    assertThat(problems("""
        - name: gpt
          backendRefs: [{name: openai}, {name: local, priority: 1}]
          retries: {retryOn: [], retriableStatusCodes: []}
        """)).extracting(Problem::toString).containsExactly("route.yaml (AIGatewayRoute chat): spec.rules[0].retries.retryOn:"
        + " is empty and so are the retriable status codes: no failure would be retried");
  }

  @Test
  void theBestTierStillNeedsAWeight() throws Exception {
    assertThat(problems("""
        - name: gpt
          backendRefs: [{name: openai, weight: 0}, {name: local, priority: 1}]
        """)).extracting(Problem::toString).containsExactly("route.yaml (AIGatewayRoute chat): spec.rules[0].backendRefs:"
        + " at least one backend of priority 0 needs a weight above 0");
  }

  @Test
  void aFallbackTierOfWeightZeroOnlyGetsNoPriorityGroupAndNoAttempt() throws Exception {
    Translation t = translate("""
        - name: gpt
          backendRefs: [{name: openai}, {name: spare, priority: 1, weight: 0}, {name: local, priority: 2}]
        """);
    assertThat(t.gatewayConfig().rules().get(0).backends()).extracting(WeightedBackend::priority).containsExactly(0, 1, 2);
    Cluster c = cluster(t, "tollgate-rule-gpt");
    assertThat(c.getLoadAssignment().getEndpointsList()).as("Envoy's priorities are contiguous")
        .extracting(LocalityLbEndpoints::getPriority).containsExactly(0, 1);
    assertThat(c.getLoadAssignment().getEndpoints(1).getLbEndpointsList()).extracting(FallbackTest::backendOf)
        .containsExactly("local");
    assertThat(route(t, "rule:gpt").getRoute().getRetryPolicy().getNumRetries().getValue()).isEqualTo(1);
  }

  /** The warnings about the route (the bedrock backend's Host is warned about too). */
  private static List<String> ruleWarnings(Translation t) {
    return t.warnings().stream().filter(w -> w.startsWith("route.yaml")).toList();
  }

  private static String backendOf(LbEndpoint e) {
    return e.getMetadata().getFilterMetadataOrThrow(UpstreamPlacement.ENDPOINT_METADATA)
        .getFieldsOrThrow(UpstreamPlacement.BACKEND_KEY).getStringValue();
  }

  private static Map<String, String> fields(Struct s) {
    return s.getFieldsMap().entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
        e -> e.getValue().getKindCase() == Value.KindCase.STRING_VALUE ? e.getValue().getStringValue() : "?"));
  }

  private static Cluster cluster(Translation t, String name) {
    return t.envoy().clusters().stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow(() ->
        new AssertionError("no cluster " + name));
  }

  private static Route route(Translation t, String name) {
    return t.envoy().xdsRoutes().get(0).getVirtualHosts(0).getRoutesList().stream()
        .filter(r -> r.getName().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no route " + name));
  }

  private static ExternalProcessor routerExtProc(Translation t) throws Exception {
    Any filter = t.envoy().bootstrap().getStaticResources().getListeners(0).getFilterChains(0).getFilters(0)
        .getTypedConfig().unpack(HttpConnectionManager.class).getHttpFilters(0).getTypedConfig();
    return filter.unpack(ExternalProcessor.class);
  }
}
