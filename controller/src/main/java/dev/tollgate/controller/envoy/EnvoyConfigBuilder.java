package dev.tollgate.controller.envoy;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.common.mutation_rules.v3.HeaderMutationRules;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
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
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.MetadataOptions;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds Envoy's configuration as protos: one listener whose HTTP connection manager runs
 * Tollgate's ext_proc filter and then the router; one route per backend, matched exactly on the
 * selected-backend header Tollgate writes; one cluster per backend (TLS with SNI, the upstream's
 * certificate verified against a CA bundle, where needed) plus the {@value #EXTPROC_CLUSTER}
 * cluster (HTTP/2, gRPC health-checked) for Tollgate itself.
 *
 * <p>What each setting is for, as real Envoy 1.40 behaves (the real-Envoy tests load what this
 * builds): {@code metadata_options.receiving_namespaces} lets Tollgate's costs into the stream's
 * dynamic metadata (without it Envoy drops them); the listener's buffer limit bounds the bodies
 * Envoy buffers for ext_proc (Envoy's default, 1 MiB, would refuse long prompts with a plain-text
 * 413); ext_proc's {@code grpc_service.timeout} is not set because Envoy does not apply it to an
 * ext_proc stream, {@code message_timeout} bounds each message instead; routes have no whole-request
 * timeout by default but an idle timeout, so long streams run.
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

  private final EnvoySettings settings;

  public EnvoyConfigBuilder(EnvoySettings settings) {
    this.settings = settings;
  }

  /** The cluster name for a backend. */
  public static String clusterName(String backend) {
    return BACKEND_CLUSTER_PREFIX + backend;
  }

  /**
   * Builds both forms.
   *
   * @param backends              the backends' upstreams, in a stable order
   * @param selectedBackendHeader the header Tollgate writes the backend name to
   * @param metadataNamespace     the dynamic-metadata namespace Tollgate writes costs to
   */
  public EnvoyResources build(List<EnvoyCluster> backends, String selectedBackendHeader, String metadataNamespace) {
    RouteConfiguration routes = routeConfiguration(backends, selectedBackendHeader);
    List<Cluster> clusters = new ArrayList<>();
    clusters.add(extprocCluster());
    for (EnvoyCluster b : backends) {
      clusters.add(backendCluster(b));
    }
    HttpConnectionManager.Builder staticHcm = connectionManager(metadataNamespace).setRouteConfig(routes);
    HttpConnectionManager.Builder xdsHcm = connectionManager(metadataNamespace).setRds(Rds.newBuilder()
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

  private RouteConfiguration routeConfiguration(List<EnvoyCluster> backends, String header) {
    VirtualHost.Builder vhost = VirtualHost.newBuilder().setName(LISTENER_NAME).addDomains("*");
    for (EnvoyCluster b : backends) {
      RouteAction.Builder action = RouteAction.newBuilder()
          .setCluster(clusterName(b.backend()))
          .setHostRewriteLiteral(b.hostHeader())
          .setTimeout(duration(settings.routeTimeout()))
          .setIdleTimeout(duration(settings.idleTimeout()));
      vhost.addRoutes(Route.newBuilder()
          .setName(b.backend())
          .setMatch(RouteMatch.newBuilder()
              .setPrefix("/")
              .addHeaders(HeaderMatcher.newBuilder()
                  .setName(header)
                  .setStringMatch(StringMatcher.newBuilder().setExact(b.backend()))))
          .setRoute(action));
    }
    return RouteConfiguration.newBuilder().setName(ROUTE_CONFIG_NAME).addVirtualHosts(vhost).build();
  }

  private HttpConnectionManager.Builder connectionManager(String metadataNamespace) {
    ExternalProcessor extProc = ExternalProcessor.newBuilder()
        .setGrpcService(GrpcService.newBuilder()
            .setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName(EXTPROC_CLUSTER)))
        .setProcessingMode(ProcessingMode.newBuilder()
            .setRequestHeaderMode(ProcessingMode.HeaderSendMode.SEND)
            .setRequestBodyMode(ProcessingMode.BodySendMode.BUFFERED)
            .setResponseHeaderMode(ProcessingMode.HeaderSendMode.SEND)
            .setResponseBodyMode(ProcessingMode.BodySendMode.BUFFERED)
            .setRequestTrailerMode(ProcessingMode.HeaderSendMode.SKIP)
            .setResponseTrailerMode(ProcessingMode.HeaderSendMode.SKIP))
        .setAllowModeOverride(true)
        .setMessageTimeout(duration(settings.messageTimeout()))
        .setMutationRules(HeaderMutationRules.newBuilder().setAllowAllRouting(BoolValue.of(true)))
        .setMetadataOptions(MetadataOptions.newBuilder()
            .setReceivingNamespaces(MetadataOptions.MetadataNamespaces.newBuilder().addUntyped(metadataNamespace)))
        .build();
    HttpConnectionManager.Builder hcm = HttpConnectionManager.newBuilder()
        .setStatPrefix(LISTENER_NAME)
        .setCodecType(HttpConnectionManager.CodecType.AUTO)
        .setStreamIdleTimeout(duration(settings.idleTimeout()));
    if (!settings.accessLogPath().isEmpty()) {
      hcm.addAccessLog(accessLog(metadataNamespace));
    }
    return hcm
        .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.ext_proc").setTypedConfig(Any.pack(extProc)))
        .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
            .setTypedConfig(Any.pack(Router.getDefaultInstance())));
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
    return Cluster.newBuilder()
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
        .setConnectTimeout(duration(java.time.Duration.ofSeconds(10)))
        .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
        .setLoadAssignment(loadAssignment(name, b.host(), b.port()));
    if (b.tls()) {
      String ca = b.caFile() != null ? b.caFile() : settings.trustedCaFile();
      UpstreamTlsContext tls = UpstreamTlsContext.newBuilder()
          .setSni(b.sni())
          .setCommonTlsContext(CommonTlsContext.newBuilder().setValidationContext(CertificateValidationContext.newBuilder()
              .setTrustedCa(DataSource.newBuilder().setFilename(ca))
              .addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
                  .setSanType(SubjectAltNameMatcher.SanType.DNS)
                  .setMatcher(StringMatcher.newBuilder().setExact(b.sni())))))
          .build();
      c.setTransportSocket(TransportSocket.newBuilder()
          .setName("envoy.transport_sockets.tls")
          .setTypedConfig(Any.pack(tls)));
    }
    return c.build();
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
