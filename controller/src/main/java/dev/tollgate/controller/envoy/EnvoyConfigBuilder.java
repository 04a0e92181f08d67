package dev.tollgate.controller.envoy;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import dev.tollgate.controller.ratelimit.Budget;
import dev.tollgate.core.pipeline.UpstreamPlacement;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLogFilter;
import io.envoyproxy.envoy.config.accesslog.v3.AndFilter;
import io.envoyproxy.envoy.config.accesslog.v3.HeaderFilter;
import io.envoyproxy.envoy.config.accesslog.v3.ResponseFlagFilter;
import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.common.mutation_rules.v3.HeaderMutationRules;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.Pipe;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.ratelimit.v3.RateLimitServiceConfig;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RateLimit;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.MetadataOptions;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimit.XRateLimitHeadersRFCVersion;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.LocalReplyConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.ResponseMapper;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import io.envoyproxy.envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.metadata.v3.MetadataKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds Envoy's configuration as protos: one listener whose HTTP connection manager runs
 * Tollgate's ext_proc filter and then the router; one route per backend, matched exactly on the
 * selected-backend header Tollgate writes; one cluster per backend (TLS with SNI, the upstream's
 * certificate verified against a CA bundle, where needed) plus the {@value #EXTPROC_CLUSTER}
 * cluster (HTTP/2, gRPC health-checked) for Tollgate itself. A rule that falls back across
 * backends or retries ({@link EnvoyRule}) also gets a route, matched on its target, and a cluster of
 * its own: its backends are that cluster's endpoints, one priority group per tier, and Tollgate's
 * ext_proc filter runs again in the cluster's upstream filter chain, once per attempt, for the
 * endpoint (backend) Envoy picked; Envoy's retry policy moves each retry to the next tier.
 *
 * <p>What each setting is for, as real Envoy 1.40 behaves (the real-Envoy tests load what this
 * builds): {@code metadata_options.receiving_namespaces} lets Tollgate's costs into the stream's
 * dynamic metadata (without it Envoy drops them); the listener's buffer limit bounds the bodies
 * Envoy buffers for ext_proc (Envoy's default, 1 MiB, would refuse long prompts with a plain-text
 * 413); ext_proc's {@code grpc_service.timeout} is not set because Envoy does not apply it to an
 * ext_proc stream, {@code message_timeout} bounds each message instead; routes have no whole-request
 * timeout by default but an idle timeout, so long streams run.
 *
 * <p>When TokenBudgets exist ({@link Budget}), Envoy's rate-limit filter runs between Tollgate's
 * ext_proc filter and the router, asking the rate-limit service ({@value #RATELIMIT_CLUSTER}
 * cluster, domain {@value Budget#DOMAIN}), and every route carries two rate limits per budget with
 * the same descriptor: one checked when the request arrives, adding nothing ({@code hits_addend}
 * 0: refused once the budget is spent), one applied when the stream ends, adding the exchange's
 * cost as Tollgate emitted it in dynamic metadata. Without budgets neither filter nor cluster is there.
 */
public final class EnvoyConfigBuilder {
  /** The cluster name of Tollgate's ext_proc server. */
  public static final String EXTPROC_CLUSTER = "tollgate-extproc";
  /** Prefix of backend cluster names. */
  public static final String BACKEND_CLUSTER_PREFIX = "tollgate-backend-";
  /** Name of the listener and of its route configuration. */
  public static final String LISTENER_NAME = "tollgate";
  public static final String ROUTE_CONFIG_NAME = "tollgate";
  /** The gRPC service whose health Envoy checks: Tollgate reports it NOT_SERVING while it drains. */
  static final String EXTPROC_SERVICE = io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc.SERVICE_NAME;
  static final String HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
  /** Prefix of the cluster names of rules whose attempts Envoy retries through a cluster of their own. */
  public static final String RULE_CLUSTER_PREFIX = "tollgate-rule-";
  /** The filter-metadata namespace Envoy picks an endpoint's transport socket by. */
  static final String TRANSPORT_SOCKET_MATCH = "envoy.transport_socket_match";
  /** The key, in {@link #TRANSPORT_SOCKET_MATCH}, of the backend whose TLS socket an endpoint uses. */
  static final String TLS_MATCH_KEY = "tollgate-backend";
  /** Retries a rule's cluster lets run at once: Envoy's default for requests in flight. */
  static final int MAX_RETRIES_IN_FLIGHT = 1024;
  private static final java.time.Duration BACKEND_CONNECT_TIMEOUT = java.time.Duration.ofSeconds(10);
  /** The cluster name of the rate-limit service. */
  public static final String RATELIMIT_CLUSTER = "tollgate-ratelimit";
  /** The name of Envoy's rate-limit HTTP filter. */
  public static final String RATELIMIT_FILTER = "envoy.filters.http.ratelimit";
  /** How long Envoy waits for the rate-limit service before letting the request through. */
  static final java.time.Duration RATELIMIT_TIMEOUT = java.time.Duration.ofSeconds(1);

  private final EnvoySettings settings;

  public EnvoyConfigBuilder(EnvoySettings settings) {
    this.settings = settings;
  }

  /** The cluster name for a backend. */
  public static String clusterName(String backend) {
    return BACKEND_CLUSTER_PREFIX + backend;
  }

  /** Builds both forms for backends only (no rule of its own cluster), as {@link #build(List, List, String, String)}. */
  public EnvoyResources build(List<EnvoyCluster> backends, String selectedBackendHeader, String metadataNamespace) {
    return build(backends, List.of(), selectedBackendHeader, metadataNamespace);
  }

  /**
   * Builds both forms.
   *
   * @param backends              the backends' upstreams, in a stable order
   * @param rules                 the rules that get a route and a cluster of their own (Envoy retries
   *                              their attempts across their backends), in a stable order
   * @param selectedBackendHeader the header Tollgate writes the backend name (or a rule's target) to
   * @param metadataNamespace     the dynamic-metadata namespace Tollgate writes costs to
   */
  public EnvoyResources build(List<EnvoyCluster> backends, List<EnvoyRule> rules, String selectedBackendHeader,
                              String metadataNamespace) {
    return build(backends, rules, List.of(), "", selectedBackendHeader, metadataNamespace);
  }

  /**
   * Builds both forms.
   *
   * @param backends              the backends' upstreams, in a stable order
   * @param rules                 the rules that get a route and a cluster of their own (Envoy retries
   *                              their attempts across their backends), in a stable order
   * @param budgets               the TokenBudgets, in a stable order; none: no rate limiting
   * @param modelHeader           the header Tollgate writes the model to (a budget's per-model descriptor)
   * @param selectedBackendHeader the header Tollgate writes the backend name (or a rule's target) to
   * @param metadataNamespace     the dynamic-metadata namespace Tollgate writes costs and the consumer to
   */
  public EnvoyResources build(List<EnvoyCluster> backends, List<EnvoyRule> rules, List<Budget> budgets,
                              String modelHeader, String selectedBackendHeader, String metadataNamespace) {
    List<RateLimit> rateLimits = rateLimits(budgets, modelHeader, selectedBackendHeader, metadataNamespace);
    RouteConfiguration routes = routeConfiguration(backends, rules, selectedBackendHeader, rateLimits);
    List<Cluster> clusters = new ArrayList<>();
    clusters.add(extprocCluster());
    Map<String, EnvoyCluster> upstreams = new LinkedHashMap<>();
    for (EnvoyCluster b : backends) {
      clusters.add(backendCluster(b));
      upstreams.put(b.backend(), b);
    }
    for (EnvoyRule r : rules) {
      clusters.add(ruleCluster(r, upstreams, metadataNamespace));
    }
    boolean limited = !budgets.isEmpty();
    if (limited) {
      clusters.add(rateLimitCluster());
    }
    boolean handOff = !rules.isEmpty();
    HttpConnectionManager.Builder staticHcm = connectionManager(metadataNamespace, handOff, limited)
        .setRouteConfig(routes);
    HttpConnectionManager.Builder xdsHcm = connectionManager(metadataNamespace, handOff, limited).setRds(Rds.newBuilder()
        .setRouteConfigName(ROUTE_CONFIG_NAME)
        .setConfigSource(ConfigSource.newBuilder()
            .setAds(AggregatedConfigSource.getDefaultInstance())
            .setResourceApiVersion(ApiVersion.V3)));
    Bootstrap.Builder bootstrap = Bootstrap.newBuilder();
    bootstrap.getStaticResourcesBuilder().addListeners(listener(staticHcm.build())).addAllClusters(clusters);
    if (settings.adminPort() > 0) {
      bootstrap.setAdmin(Admin.newBuilder().setAddress(address("127.0.0.1", settings.adminPort())));
    }
    return new EnvoyResources(bootstrap.build(), List.of(listener(xdsHcm.build())), List.of(routes), clusters);
  }

  private RouteConfiguration routeConfiguration(List<EnvoyCluster> backends, List<EnvoyRule> rules, String header,
                                                List<RateLimit> rateLimits) {
    VirtualHost.Builder vhost = VirtualHost.newBuilder().setName(LISTENER_NAME).addDomains("*");
    for (EnvoyCluster b : backends) {
      RouteAction.Builder action = RouteAction.newBuilder()
          .setCluster(clusterName(b.backend()))
          .setHostRewriteLiteral(b.hostHeader())
          .setTimeout(duration(settings.routeTimeout()))
          .setIdleTimeout(duration(settings.idleTimeout()));
      vhost.addRoutes(withRateLimits(Route.newBuilder()
          .setName(b.backend())
          .setMatch(RouteMatch.newBuilder()
              .setPrefix("/")
              .addHeaders(HeaderMatcher.newBuilder()
                  .setName(header)
                  .setStringMatch(StringMatcher.newBuilder().setExact(b.backend()))))
          .setRoute(action), rateLimits));
    }
    for (EnvoyRule r : rules) {
      vhost.addRoutes(ruleRoute(r, header, rateLimits));
    }
    return RouteConfiguration.newBuilder().setName(ROUTE_CONFIG_NAME).addVirtualHosts(vhost).build();
  }

  /**
   * @param handOff whether some rule has a cluster of its own: the router-phase stream then hands the
   *                exchange to the upstream-phase streams in {@link UpstreamPlacement#HANDOFF_NAMESPACE}
   */
  private HttpConnectionManager.Builder connectionManager(String metadataNamespace, boolean handOff, boolean limited) {
    MetadataOptions.MetadataNamespaces.Builder receiving = MetadataOptions.MetadataNamespaces.newBuilder()
        .addUntyped(metadataNamespace);
    if (handOff) {
      receiving.addUntyped(UpstreamPlacement.HANDOFF_NAMESPACE);
    }
    ExternalProcessor extProc = ExternalProcessor.newBuilder()
        .setGrpcService(GrpcService.newBuilder()
            .setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName(EXTPROC_CLUSTER)))
        .setProcessingMode(processingMode())
        .setAllowModeOverride(true)
        .setMessageTimeout(duration(settings.messageTimeout()))
        .setMutationRules(HeaderMutationRules.newBuilder().setAllowAllRouting(BoolValue.of(true)))
        .setMetadataOptions(MetadataOptions.newBuilder().setReceivingNamespaces(receiving))
        .build();
    HttpConnectionManager.Builder hcm = HttpConnectionManager.newBuilder()
        .setStatPrefix(LISTENER_NAME)
        .setCodecType(HttpConnectionManager.CodecType.AUTO)
        .setStreamIdleTimeout(duration(settings.idleTimeout()))
        .setLocalReplyConfig(upstreamFailureReplies());
    if (!settings.accessLogPath().isEmpty()) {
      hcm.addAccessLog(accessLog(metadataNamespace));
    }
    hcm.addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.ext_proc").setTypedConfig(Any.pack(extProc)));
    if (limited) {
      hcm.addHttpFilters(HttpFilter.newBuilder().setName(RATELIMIT_FILTER).setTypedConfig(Any.pack(rateLimitFilter())));
    }
    return hcm.addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
        .setTypedConfig(Any.pack(Router.getDefaultInstance())));
  }

  /** Envoy's response flags for an upstream that broke off, was reset or could not be used. */
  static final List<String> UPSTREAM_BROKE_FLAGS = List.of("UC", "UR", "UF", "UPE", "URX", "UH", "UO", "UMSDR");
  static final String UPSTREAM_TIMEOUT_MESSAGE =
      "the upstream did not finish its answer in time (operators: check the route timeout)";
  static final String UPSTREAM_BROKE_MESSAGE =
      "the upstream's answer broke off before it was complete (the connection was reset or closed, or the answer"
          + " was malformed); try again";

  /**
   * Envoy's own replies to an upstream that failed, in the client's error format. Tollgate rewrites
   * most of Envoy's local replies itself, but not those Envoy makes after Tollgate has seen the
   * upstream's response headers: a whole answer cut off mid-body (reset, closed short of its
   * content-length: 502) or still arriving at the route timeout (504). Envoy sends those without
   * asking ext_proc again, with a plain-text body (e.g. {@code upstream request timeout}) that an
   * SDK cannot read. These mappers match only replies carrying an upstream failure flag, so
   * Tollgate's own immediate responses are never touched; Anthropic Messages paths get its format.
   */
  static LocalReplyConfig upstreamFailureReplies() {
    LocalReplyConfig.Builder config = LocalReplyConfig.newBuilder();
    HeaderMatcher anthropic = HeaderMatcher.newBuilder().setName(":path")
        .setStringMatch(StringMatcher.newBuilder().setPrefix("/v1/messages")).build();
    for (boolean isAnthropic : new boolean[] {true, false}) {
      for (boolean timeout : new boolean[] {true, false}) {
        AccessLogFilter flags = AccessLogFilter.newBuilder().setResponseFlagFilter(ResponseFlagFilter.newBuilder()
            .addAllFlags(timeout ? List.of("UT") : UPSTREAM_BROKE_FLAGS)).build();
        AccessLogFilter filter = !isAnthropic ? flags : AccessLogFilter.newBuilder().setAndFilter(AndFilter.newBuilder()
            .addFilters(flags)
            .addFilters(AccessLogFilter.newBuilder().setHeaderFilter(HeaderFilter.newBuilder().setHeader(anthropic))))
            .build();
        String message = timeout ? UPSTREAM_TIMEOUT_MESSAGE : UPSTREAM_BROKE_MESSAGE;
        config.addMappers(ResponseMapper.newBuilder().setFilter(filter).setBodyFormatOverride(
            SubstitutionFormatString.newBuilder().setJsonFormat(isAnthropic ? anthropicError(message)
                : openAiError(message))));
      }
    }
    return config.build();
  }

  private static Struct openAiError(String message) {
    return Struct.newBuilder().putFields("error", Value.newBuilder().setStructValue(Struct.newBuilder()
        .putFields("message", text(message))
        .putFields("type", text("server_error"))
        .putFields("param", Value.newBuilder().setNullValue(com.google.protobuf.NullValue.NULL_VALUE).build())
        .putFields("code", text("%RESPONSE_CODE%"))).build()).build();
  }

  private static Struct anthropicError(String message) {
    return Struct.newBuilder().putFields("type", text("error"))
        .putFields("error", Value.newBuilder().setStructValue(Struct.newBuilder()
            .putFields("type", text("api_error"))
            .putFields("message", text(message))).build()).build();
  }

  /**
   * Envoy's rate-limit filter: asks the rate-limit service about the route's rate limits; when the
   * service cannot be reached in time the request goes through (a budget is not worth an outage);
   * answers carry the draft-03 {@code x-ratelimit-*} headers, which Tollgate keeps on its 429.
   */
  private static io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimit rateLimitFilter() {
    return io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimit.newBuilder()
        .setDomain(Budget.DOMAIN)
        .setTimeout(duration(RATELIMIT_TIMEOUT))
        .setFailureModeDeny(false)
        .setEnableXRatelimitHeaders(XRateLimitHeadersRFCVersion.DRAFT_VERSION_03)
        .setRateLimitService(RateLimitServiceConfig.newBuilder()
            .setGrpcService(GrpcService.newBuilder()
                .setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName(RATELIMIT_CLUSTER)))
            .setTransportApiVersion(ApiVersion.V3))
        .build();
  }

  /**
   * Two rate limits per budget with the same descriptor ({@code budget=<name>}, the subject from
   * the dynamic metadata Tollgate emits, the model and backend headers where the budget counts per
   * model or backend): the first when the request arrives, adding 0 (refused once the budget is
   * spent), the second when the stream ends, adding the exchange's cost. A request without the
   * subject (no consumer, or one without that metadata key) has a descriptor the service has no
   * limit for.
   */
  private static List<RateLimit> rateLimits(List<Budget> budgets, String modelHeader, String selectedBackendHeader,
                                            String metadataNamespace) {
    List<RateLimit> out = new ArrayList<>();
    for (Budget b : budgets) {
      List<RateLimit.Action> actions = new ArrayList<>();
      actions.add(RateLimit.Action.newBuilder().setGenericKey(RateLimit.Action.GenericKey.newBuilder()
          .setDescriptorKey(Budget.BUDGET_KEY)
          .setDescriptorValue(b.name())).build());
      actions.add(RateLimit.Action.newBuilder().setMetadata(RateLimit.Action.MetaData.newBuilder()
          .setDescriptorKey(b.subject())
          .setMetadataKey(MetadataKey.newBuilder()
              .setKey(metadataNamespace)
              .addPath(MetadataKey.PathSegment.newBuilder().setKey(b.subject())))
          .setSource(RateLimit.Action.MetaData.Source.DYNAMIC)
          .setSkipIfAbsent(true)).build());
      if (b.perModel()) {
        actions.add(RateLimit.Action.newBuilder().setRequestHeaders(RateLimit.Action.RequestHeaders.newBuilder()
            .setHeaderName(modelHeader)
            .setDescriptorKey(Budget.MODEL_KEY)).build());
      }
      if (b.perBackend()) {
        actions.add(RateLimit.Action.newBuilder().setRequestHeaders(RateLimit.Action.RequestHeaders.newBuilder()
            .setHeaderName(selectedBackendHeader)
            .setDescriptorKey(Budget.BACKEND_KEY)).build());
      }
      out.add(RateLimit.newBuilder()
          .addAllActions(actions)
          .setHitsAddend(RateLimit.HitsAddend.newBuilder().setNumber(com.google.protobuf.UInt64Value.of(0)))
          .build());
      out.add(RateLimit.newBuilder()
          .addAllActions(actions)
          .setApplyOnStreamDone(true)
          .setHitsAddend(RateLimit.HitsAddend.newBuilder()
              .setFormat("%DYNAMIC_METADATA(" + metadataNamespace + ":" + b.costKey() + ")%"))
          .build());
    }
    return out;
  }

  /** The rate-limit service: gRPC over HTTP/2, STATIC for an IP address, else STRICT_DNS. */
  private Cluster rateLimitCluster() {
    HttpProtocolOptions h2 = HttpProtocolOptions.newBuilder()
        .setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
            .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
        .build();
    return Cluster.newBuilder()
        .setName(RATELIMIT_CLUSTER)
        .setType(settings.rateLimitOnIpAddress() ? Cluster.DiscoveryType.STATIC : Cluster.DiscoveryType.STRICT_DNS)
        .setConnectTimeout(duration(java.time.Duration.ofSeconds(1)))
        .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
        .putTypedExtensionProtocolOptions(HTTP_PROTOCOL_OPTIONS, Any.pack(h2))
        .setLoadAssignment(loadAssignment(RATELIMIT_CLUSTER, settings.rateLimitHost(), settings.rateLimitPort()))
        .build();
  }

  /** Headers and buffered bodies both ways, no trailers: for the router-level and the upstream filter. */
  private static ProcessingMode processingMode() {
    return ProcessingMode.newBuilder()
        .setRequestHeaderMode(ProcessingMode.HeaderSendMode.SEND)
        .setRequestBodyMode(ProcessingMode.BodySendMode.BUFFERED)
        .setResponseHeaderMode(ProcessingMode.HeaderSendMode.SEND)
        .setResponseBodyMode(ProcessingMode.BodySendMode.BUFFERED)
        .setRequestTrailerMode(ProcessingMode.HeaderSendMode.SKIP)
        .setResponseTrailerMode(ProcessingMode.HeaderSendMode.SKIP)
        .build();
  }

  /**
   * One JSON line per request with the route's backend and model and every cost Tollgate emitted
   * (the whole dynamic-metadata namespace), read when the request ends.
   */
  private AccessLog accessLog(String metadataNamespace) {
    Struct.Builder line = Struct.newBuilder();
    line.putFields("start_time", text("%START_TIME%"));
    line.putFields("method", text("%REQ(:METHOD)%"));
    line.putFields("path", text("%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%"));
    line.putFields("status", text("%RESPONSE_CODE%"));
    line.putFields("response_flags", text("%RESPONSE_FLAGS%"));
    line.putFields("details", text("%RESPONSE_CODE_DETAILS%"));
    line.putFields("duration_ms", text("%DURATION%"));
    line.putFields("upstream_cluster", text("%UPSTREAM_CLUSTER%"));
    line.putFields("request_id", text("%REQ(X-REQUEST-ID)%"));
    line.putFields("costs", text("%DYNAMIC_METADATA(" + metadataNamespace + ")%"));
    FileAccessLog file = FileAccessLog.newBuilder()
        .setPath(settings.accessLogPath())
        .setLogFormat(SubstitutionFormatString.newBuilder().setJsonFormat(line))
        .build();
    return AccessLog.newBuilder().setName("envoy.access_loggers.file").setTypedConfig(Any.pack(file)).build();
  }

  private static Value text(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }

  private Listener listener(HttpConnectionManager hcm) {
    return Listener.newBuilder()
        .setName(LISTENER_NAME)
        .setAddress(address(settings.listenerAddress(), settings.listenerPort()))
        .setPerConnectionBufferLimitBytes(UInt32Value.of(settings.bufferLimitBytes()))
        .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
            .setName("envoy.filters.network.http_connection_manager")
            .setTypedConfig(Any.pack(hcm))))
        .build();
  }

  private Cluster extprocCluster() {
    HttpProtocolOptions h2 = HttpProtocolOptions.newBuilder()
        .setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
            .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
        .build();
    Address tollgate = settings.extprocOnUnixSocket()
        ? Address.newBuilder().setPipe(Pipe.newBuilder().setPath(settings.extprocHost().substring("unix:".length())))
            .build()
        : address(settings.extprocHost(), settings.extprocPort());
    Cluster.Builder c = Cluster.newBuilder();
    if (settings.extprocTls() != null && !settings.extprocOnUnixSocket()) {
      c.setTransportSocket(extprocTlsSocket(settings.extprocTls()));
    }
    return c
        .setName(EXTPROC_CLUSTER)
        .setType(settings.extprocOnUnixSocket() ? Cluster.DiscoveryType.STATIC : Cluster.DiscoveryType.STRICT_DNS)
        .setConnectTimeout(duration(java.time.Duration.ofSeconds(5)))
        .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
        .putTypedExtensionProtocolOptions(HTTP_PROTOCOL_OPTIONS, Any.pack(h2))
        .setPerConnectionBufferLimitBytes(UInt32Value.of(settings.bufferLimitBytes()))
        // Tollgate reports NOT_SERVING while it drains at shutdown: Envoy stops opening streams to it
        .addHealthChecks(HealthCheck.newBuilder()
            .setTimeout(duration(java.time.Duration.ofSeconds(2)))
            .setInterval(duration(java.time.Duration.ofSeconds(2)))
            // Envoy's default before the first request is one check a minute: a check that fails while
            // Tollgate warms up would otherwise keep it unhealthy for that long
            .setNoTrafficInterval(duration(java.time.Duration.ofSeconds(2)))
            .setUnhealthyThreshold(UInt32Value.of(1))
            .setHealthyThreshold(UInt32Value.of(1))
            .setGrpcHealthCheck(HealthCheck.GrpcHealthCheck.newBuilder()
                .setServiceName(EXTPROC_SERVICE)))
        .setLoadAssignment(ClusterLoadAssignment.newBuilder()
            .setClusterName(EXTPROC_CLUSTER)
            .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
                .setEndpoint(Endpoint.newBuilder().setAddress(tollgate)))))
        .build();
  }

  private Cluster backendCluster(EnvoyCluster b) {
    String name = clusterName(b.backend());
    Cluster.Builder c = Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.LOGICAL_DNS)
        .setDnsLookupFamily(Cluster.DnsLookupFamily.V4_PREFERRED)
        .setConnectTimeout(duration(BACKEND_CONNECT_TIMEOUT))
        .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
        .setLoadAssignment(loadAssignment(name, b.host(), b.port()));
    if (b.tls()) {
      c.setTransportSocket(tlsSocket(b));
    }
    return c.build();
  }

  /**
   * TLS to Tollgate: its certificate verified against the given CA and checked to name the SNI; ALPN h2,
   * which gRPC servers require; Envoy's client certificate for mTLS.
   */
  private static TransportSocket extprocTlsSocket(ExtprocTls t) {
    CommonTlsContext.Builder common = CommonTlsContext.newBuilder()
        .addAlpnProtocols("h2")
        .setValidationContext(CertificateValidationContext.newBuilder()
            .setTrustedCa(DataSource.newBuilder().setFilename(t.caFile()))
            .addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
                .setSanType(SubjectAltNameMatcher.SanType.DNS)
                .setMatcher(StringMatcher.newBuilder().setExact(t.sni()))));
    if (t.mutual()) {
      common.addTlsCertificates(TlsCertificate.newBuilder()
          .setCertificateChain(DataSource.newBuilder().setFilename(t.certFile()))
          .setPrivateKey(DataSource.newBuilder().setFilename(t.keyFile())));
    }
    return TransportSocket.newBuilder()
        .setName("envoy.transport_sockets.tls")
        .setTypedConfig(Any.pack(UpstreamTlsContext.newBuilder().setSni(t.sni()).setCommonTlsContext(common).build()))
        .build();
  }

  /** TLS with the backend's SNI, its certificate verified against its CA bundle and checked to name the SNI. */
  private TransportSocket tlsSocket(EnvoyCluster b) {
    String ca = b.caFile() != null ? b.caFile() : settings.trustedCaFile();
    UpstreamTlsContext tls = UpstreamTlsContext.newBuilder()
        .setSni(b.sni())
        .setCommonTlsContext(CommonTlsContext.newBuilder().setValidationContext(CertificateValidationContext.newBuilder()
            .setTrustedCa(DataSource.newBuilder().setFilename(ca))
            .addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
                .setSanType(SubjectAltNameMatcher.SanType.DNS)
                .setMatcher(StringMatcher.newBuilder().setExact(b.sni())))))
        .build();
    return TransportSocket.newBuilder()
        .setName("envoy.transport_sockets.tls")
        .setTypedConfig(Any.pack(tls))
        .build();
  }

  /** The cluster name for an UPSTREAM rule. */
  public static String ruleClusterName(String rule) {
    return RULE_CLUSTER_PREFIX + rule;
  }

  /**
   * The route of a rule with its own cluster: matched on the rule's target, no host rewrite (each
   * attempt's upstream ext_proc stream sets {@code :authority} for its backend), retried per the rule.
   */
  private Route ruleRoute(EnvoyRule rule, String header, List<RateLimit> rateLimits) {
    EnvoyRule.Retries r = rule.retries();
    StringBuilder retryOn = new StringBuilder(String.join(",", r.retryOn()));
    if (!r.retriableStatusCodes().isEmpty()) {
      retryOn.append(retryOn.length() == 0 ? "" : ",").append("retriable-status-codes");
    }
    RetryPolicy.Builder retry = RetryPolicy.newBuilder()
        .setRetryOn(retryOn.toString())
        .addAllRetriableStatusCodes(r.retriableStatusCodes())
        .setNumRetries(UInt32Value.of(r.attempts() - 1));
    if (!r.perTryTimeout().isZero()) {
      retry.setPerTryTimeout(duration(r.perTryTimeout()));
    }
    if (!r.perTryIdleTimeout().isZero()) {
      retry.setPerTryIdleTimeout(duration(r.perTryIdleTimeout()));
    }
    if (tiers(rule).size() > 1) {
      // each retry goes to the next tier that has not been tried yet
      retry.setRetryPriority(RetryPolicy.RetryPriority.newBuilder()
          .setName("envoy.retry_priorities.previous_priorities")
          .setTypedConfig(Any.pack(PreviousPrioritiesConfig.newBuilder().setUpdateFrequency(1).build())));
    }
    retry.addRetryHostPredicate(RetryPolicy.RetryHostPredicate.newBuilder()
            .setName("envoy.retry_host_predicates.previous_hosts")
            .setTypedConfig(Any.pack(PreviousHostsPredicate.getDefaultInstance())))
        .setHostSelectionRetryMaxAttempts(3)
        .setRetryBackOff(RetryPolicy.RetryBackOff.newBuilder()
            .setBaseInterval(duration(r.baseInterval()))
            .setMaxInterval(duration(r.maxInterval())));
    if (!r.retryAfterLimit().isZero()) {
      retry.setRateLimitedRetryBackOff(RetryPolicy.RateLimitedRetryBackOff.newBuilder()
          .addResetHeaders(RetryPolicy.ResetHeader.newBuilder()
              .setName("retry-after")
              .setFormat(RetryPolicy.ResetHeaderFormat.SECONDS))
          .setMaxInterval(duration(r.retryAfterLimit())));
    }
    return withRateLimits(Route.newBuilder()
        .setName(rule.routeTarget())
        .setMatch(RouteMatch.newBuilder()
            .setPrefix("/")
            .addHeaders(HeaderMatcher.newBuilder()
                .setName(header)
                .setStringMatch(StringMatcher.newBuilder().setExact(rule.routeTarget()))))
        .setRoute(RouteAction.newBuilder()
            .setCluster(ruleClusterName(rule.name()))
            .setTimeout(duration(settings.routeTimeout()))
            .setIdleTimeout(duration(settings.idleTimeout()))
            .setRetryPolicy(retry)), rateLimits)
        .build();
  }

  /**
   * The route with the budgets' rate limits in the rate-limit filter's per-route config
   * ({@code typed_per_filter_config}, {@code RateLimitPerRoute.rate_limits}). Not in the route's
   * own {@code rate_limits}: Envoy 1.40 ignores {@code hits_addend} there (every call counts 1),
   * and honours it in the per-route form (docs/envoy-behaviour.md).
   */
  private static Route.Builder withRateLimits(Route.Builder route, List<RateLimit> rateLimits) {
    if (!rateLimits.isEmpty()) {
      route.putTypedPerFilterConfig(RATELIMIT_FILTER, Any.pack(
          io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimitPerRoute.newBuilder()
              .addAllRateLimits(rateLimits).build()));
    }
    return route;
  }

  /** The rule's tiers that have an endpoint (a backend of weight above 0), best first. */
  private static List<Integer> tiers(EnvoyRule rule) {
    return rule.backends().stream().filter(m -> m.weight() > 0).map(EnvoyRule.Member::priority).distinct().sorted()
        .toList();
  }

  /**
   * The cluster of a rule: one endpoint per backend (of weight above 0) in the priority group of
   * its tier, each naming its backend and the Host it wants in its metadata; TLS chosen per
   * endpoint; Tollgate's ext_proc filter in the upstream filter chain, once per attempt.
   */
  private Cluster ruleCluster(EnvoyRule rule, Map<String, EnvoyCluster> upstreams, String metadataNamespace) {
    String name = ruleClusterName(rule.name());
    List<Integer> tiers = tiers(rule);
    ClusterLoadAssignment.Builder assignment = ClusterLoadAssignment.newBuilder().setClusterName(name);
    Cluster.Builder c = Cluster.newBuilder()
        .setName(name)
        // LOGICAL_DNS takes one endpoint only
        .setType(Cluster.DiscoveryType.STRICT_DNS)
        .setDnsLookupFamily(Cluster.DnsLookupFamily.V4_PREFERRED)
        .setConnectTimeout(duration(BACKEND_CONNECT_TIMEOUT))
        .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
        // Tollgate's upstream filter buffers bodies here as the router-level one does under the listener's limit
        .setPerConnectionBufferLimitBytes(UInt32Value.of(settings.bufferLimitBytes()));
    Set<String> tlsMatched = new HashSet<>();
    for (int p = 0; p < tiers.size(); p++) {
      LocalityLbEndpoints.Builder group = LocalityLbEndpoints.newBuilder().setPriority(p);
      for (EnvoyRule.Member m : rule.backends()) {
        if (m.weight() == 0 || m.priority() != tiers.get(p)) {
          continue;
        }
        EnvoyCluster b = upstreams.get(m.backend());
        if (b == null) {
          throw new IllegalArgumentException("rule " + rule.name() + " names backend " + m.backend()
              + ", which has no upstream");
        }
        Metadata.Builder metadata = Metadata.newBuilder().putFilterMetadata(UpstreamPlacement.ENDPOINT_METADATA,
            Struct.newBuilder()
                .putFields(UpstreamPlacement.BACKEND_KEY, text(b.backend()))
                .putFields(UpstreamPlacement.HOST_KEY, text(b.hostHeader()))
                .build());
        if (b.tls()) {
          metadata.putFilterMetadata(TRANSPORT_SOCKET_MATCH, tlsMatch(b));
          if (tlsMatched.add(b.backend())) {
            c.addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder()
                .setName("tls-" + b.backend())
                .setMatch(tlsMatch(b))
                .setTransportSocket(tlsSocket(b)));
          }
        }
        group.addLbEndpoints(LbEndpoint.newBuilder()
            .setEndpoint(Endpoint.newBuilder().setAddress(address(b.host(), b.port())))
            .setLoadBalancingWeight(UInt32Value.of(m.weight()))
            .setMetadata(metadata));
      }
      assignment.addEndpoints(group);
    }
    c.setLoadAssignment(assignment);
    if (rule.outlier().consecutive5xx() > 0) {
      c.setOutlierDetection(OutlierDetection.newBuilder()
          .setConsecutive5Xx(UInt32Value.of(rule.outlier().consecutive5xx()))
          .setInterval(duration(java.time.Duration.ofSeconds(10)))
          .setBaseEjectionTime(duration(rule.outlier().baseEjectionTime()))
          .setMaxEjectionPercent(UInt32Value.of(100)));
    }
    // Envoy's default allows 3 retries in flight for the whole cluster: under a provider outage most
    // requests would get the failed answer instead of their fallback. Let every request retry.
    c.setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(CircuitBreakers.Thresholds.newBuilder()
        .setMaxRetries(UInt32Value.of(MAX_RETRIES_IN_FLIGHT))));
    ExternalProcessor upstreamExtProc = ExternalProcessor.newBuilder()
        .setGrpcService(GrpcService.newBuilder()
            .setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName(EXTPROC_CLUSTER)))
        .setProcessingMode(processingMode())
        .setAllowModeOverride(true)
        .setMessageTimeout(duration(settings.messageTimeout()))
        // never xds.node: Envoy 1.40 crashes on it in the upstream filter
        .addRequestAttributes(UpstreamPlacement.BACKEND_ATTRIBUTE)
        .addRequestAttributes(UpstreamPlacement.HOST_ATTRIBUTE)
        .addRequestAttributes(UpstreamPlacement.ATTEMPT_ATTRIBUTE)
        // the attempt sets host/:authority for its backend
        .setMutationRules(HeaderMutationRules.newBuilder().setAllowAllRouting(BoolValue.of(true)))
        .setMetadataOptions(MetadataOptions.newBuilder()
            .setForwardingNamespaces(MetadataOptions.MetadataNamespaces.newBuilder()
                .addUntyped(UpstreamPlacement.HANDOFF_NAMESPACE))
            .setReceivingNamespaces(MetadataOptions.MetadataNamespaces.newBuilder().addUntyped(metadataNamespace)))
        .build();
    HttpProtocolOptions upstreamFilters = HttpProtocolOptions.newBuilder()
        .setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
            .setHttpProtocolOptions(Http1ProtocolOptions.getDefaultInstance()))
        .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.ext_proc")
            .setTypedConfig(Any.pack(upstreamExtProc)))
        .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.upstream_codec")
            .setTypedConfig(Any.pack(UpstreamCodec.getDefaultInstance())))
        .build();
    c.putTypedExtensionProtocolOptions(HTTP_PROTOCOL_OPTIONS, Any.pack(upstreamFilters));
    return c.build();
  }

  /** What picks a backend's TLS socket among a rule cluster's transport socket matches. */
  private static Struct tlsMatch(EnvoyCluster b) {
    return Struct.newBuilder().putFields(TLS_MATCH_KEY, text(b.backend())).build();
  }

  private static ClusterLoadAssignment loadAssignment(String cluster, String host, int port) {
    return ClusterLoadAssignment.newBuilder()
        .setClusterName(cluster)
        .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
            .setEndpoint(Endpoint.newBuilder().setAddress(address(host, port)))))
        .build();
  }

  private static Address address(String host, int port) {
    return Address.newBuilder()
        .setSocketAddress(SocketAddress.newBuilder().setAddress(host).setPortValue(port))
        .build();
  }

  private static Duration duration(java.time.Duration d) {
    return Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
  }
}
