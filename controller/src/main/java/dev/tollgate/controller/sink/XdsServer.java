package dev.tollgate.controller.sink;

import dev.tollgate.controller.envoy.EnvoyResources;
import dev.tollgate.controller.translate.Translation;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Serves the Envoy configuration over xDS (ADS and the separate CDS/LDS/RDS services, state of
 * the world and delta) with java-control-plane. Every Envoy gets the same snapshot, whatever its
 * node id. The listener's routes come by RDS over ADS, so Envoys need an ADS bootstrap pointing
 * at this server. An Envoy's NACK is reported like invalid resources (see {@link RejectionCallbacks}).
 */
public final class XdsServer implements ConfigSink, AutoCloseable {
  /** The one node group: all Envoys see the same configuration. */
  public static final String GROUP = "tollgate";

  private final SimpleCache<String> cache = new SimpleCache<>(node -> GROUP);
  private final Server server;

  /** Starts serving on {@code host:port} (port 0 picks a free one); an Envoy's NACK is logged. */
  public XdsServer(String host, int port) throws IOException {
    this(host, port, r -> { });
  }

  /**
   * Starts serving on {@code host:port} (port 0 picks a free one). An Envoy that refuses what it
   * was sent (a NACK) is logged as one ERROR line and passed to {@code rejections}.
   */
  public XdsServer(String host, int port, Consumer<EnvoyRejection> rejections) throws IOException {
    V3DiscoveryServer discovery = new V3DiscoveryServer(new RejectionCallbacks(rejections), cache);
    server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
        .addService(discovery.getAggregatedDiscoveryServiceImpl())
        .addService(discovery.getClusterDiscoveryServiceImpl())
        .addService(discovery.getEndpointDiscoveryServiceImpl())
        .addService(discovery.getListenerDiscoveryServiceImpl())
        .addService(discovery.getRouteDiscoveryServiceImpl())
        .addService(discovery.getSecretDiscoveryServiceImpl())
        .build()
        .start();
  }

  /** The port it listens on. */
  public int port() {
    return server.getPort();
  }

  @Override
  public void publish(Translation t) {
    EnvoyResources r = t.envoy();
    cache.setSnapshot(GROUP, Snapshot.create(r.clusters(), List.of(), r.xdsListeners(), r.xdsRoutes(), List.of(), t.version()));
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdown();
    if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
      server.shutdownNow();
    }
  }

  @Override
  public String toString() {
    return "xDS on port " + port();
  }
}
