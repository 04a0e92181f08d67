package dev.tollgate.extproc;

import dev.tollgate.core.pipeline.Gateway;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC server: ext_proc and gRPC health on TCP, and optionally on a unix domain socket for a
 * sidecar Envoy. Shuts down gracefully: health turns NOT_SERVING while the listeners stay open for
 * {@code drain} (so that Envoy's health check takes this server out of its cluster first), then
 * new streams are refused and open ones get {@code grace} to finish.
 */
public final class TollgateServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TollgateServer.class);
  private static final String LEAK_DETECTION = "io.grpc.netty.shaded.io.netty.leakDetection.level";

  static {
    // Netty samples buffers for leak reports by default and records a stack trace for each sample:
    // ~2 % of the CPU per exchange in the load runs. Tollgate never holds Netty buffers itself, so
    // it is off unless the operator sets the property.
    if (System.getProperty(LEAK_DETECTION) == null) {
      ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }
  }

  private final List<Server> servers = new ArrayList<>();
  private final HealthStatusManager health = new HealthStatusManager();
  private final Duration grace;
  private final Duration drain;
  private volatile boolean draining;
  private EventLoopGroup udsGroup;

  private final ExtProcService service;

  /**
   * The largest ext_proc message accepted by default: 64 MiB. Envoy sends a whole buffered body in
   * one message, so this must exceed Envoy's buffer limit (the bootstraps Tollgate ships and
   * generates set 50 MiB) plus the headers; grpc-java's own default (4 MiB) would cancel the stream
   * of any larger request or answer.
   */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

  /**
   * Binding options. {@code port} 0 picks a free port; {@code unixSocket} null for none.
   *
   * @param phaseTimeout    how long one ext_proc phase may take before the exchange gets a 504
   * @param tls             TLS for the TCP listener; null for plaintext (the unix socket is always plaintext)
   * @param metrics         where ext_proc timings go; null for none
   * @param tracing         OpenTelemetry spans of exchanges and phases; null for none
   * @param drain           how long health reports NOT_SERVING before the listeners close at shutdown
   * @param maxMessageBytes the largest ext_proc message accepted
   */
  public record Options(String host, int port, Path unixSocket, Duration grace, Duration phaseTimeout, Tls tls,
                        GatewayMetrics metrics, ExchangeTracing tracing, Duration drain, int maxMessageBytes) {
    public Options(String host, int port, Path unixSocket, Duration grace) {
      this(host, port, unixSocket, grace, ExtProcService.DEFAULT_PHASE_TIMEOUT, null, null, null);
    }

    public Options(String host, int port, Path unixSocket, Duration grace, Duration phaseTimeout, Tls tls,
                   GatewayMetrics metrics) {
      this(host, port, unixSocket, grace, phaseTimeout, tls, metrics, null);
    }

    public Options(String host, int port, Path unixSocket, Duration grace, Duration phaseTimeout, Tls tls,
                   GatewayMetrics metrics, ExchangeTracing tracing) {
      this(host, port, unixSocket, grace, phaseTimeout, tls, metrics, tracing, Duration.ZERO, DEFAULT_MAX_MESSAGE_BYTES);
    }
  }

  /**
   * TLS for the gRPC listener: PEM certificate chain and PKCS#8 PEM private key; with
   * {@code clientCa}, clients must present a certificate signed by it (mutual TLS).
   */
  public record Tls(Path certChain, Path privateKey, Path clientCa) {
    /**
     * The server's TLS context, from files checked first (see {@link TlsMaterial}); a certificate
     * outside its validity is logged as a warning.
     *
     * @throws TlsMaterial.InvalidTlsMaterial naming the file and what is wrong with it
     */
    SslContext context() throws IOException {
      for (String warning : TlsMaterial.check(certChain, privateKey, clientCa, java.time.Instant.now())) {
        LOG.warn(warning);
      }
      try {
        SslContextBuilder b = GrpcSslContexts.forServer(certChain.toFile(), privateKey.toFile());
        if (clientCa != null) {
          b.trustManager(clientCa.toFile()).clientAuth(ClientAuth.REQUIRE);
        }
        return b.build();
      } catch (IllegalArgumentException | javax.net.ssl.SSLException e) {
        throw new IOException("invalid TLS certificate or key (" + certChain + ", " + privateKey
            + "; the key must be PEM, PKCS#8 or PKCS#1): " + e.getMessage(), e);
      }
    }
  }

  public TollgateServer(Gateway gateway, Options options) throws IOException {
    this.grace = options.grace();
    this.drain = options.drain();
    service = new ExtProcService(gateway, options.phaseTimeout(), options.metrics(), options.tracing());
    io.grpc.ServerServiceDefinition extProc = options.tracing() == null ? service.bindService()
        : io.grpc.ServerInterceptors.intercept(service, options.tracing().callContext());
    NettyServerBuilder tcp = NettyServerBuilder.forAddress(new InetSocketAddress(options.host(), options.port()))
        .directExecutor() // ExtProcService moves the phases that may block to its own workers
        .maxInboundMessageSize(options.maxMessageBytes())
        .addService(extProc)
        .addService(health.getHealthService());
    if (options.tls() != null) {
      tcp.sslContext(options.tls().context());
      TlsHandshakeLog.install(options.tls());
    }
    servers.add(tcp.build().start());
    if (options.unixSocket() != null) {
      if (!Epoll.isAvailable()) {
        close();
        throw new IOException("unix domain sockets need Linux epoll, unavailable here: " + Epoll.unavailabilityCause());
      }
      Files.deleteIfExists(options.unixSocket());
      udsGroup = new EpollEventLoopGroup(2);
      servers.add(NettyServerBuilder.forAddress(new DomainSocketAddress(options.unixSocket().toString()))
          .channelType(EpollServerDomainSocketChannel.class)
          .bossEventLoopGroup(udsGroup)
          .workerEventLoopGroup(udsGroup)
          .directExecutor()
          .maxInboundMessageSize(options.maxMessageBytes())
          .addService(extProc)
          .addService(health.getHealthService())
          .build()
          .start());
    }
    health.setStatus("", io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
    health.setStatus(io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc.SERVICE_NAME,
        io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
  }

  /** The ext_proc service (open streams, for tests and health). */
  public ExtProcService service() {
    return service;
  }

  /** Whether the server still takes new streams: not draining or shutting down. */
  public boolean serving() {
    return !draining && !servers.isEmpty() && !servers.get(0).isShutdown();
  }

  /** The TCP port actually bound. */
  public int port() {
    return ((InetSocketAddress) servers.get(0).getListenSockets().get(0)).getPort();
  }

  public void awaitTermination() throws InterruptedException {
    for (Server s : servers) {
      s.awaitTermination();
    }
  }

  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    drainFirst();
    health.enterTerminalState();
    for (Server s : servers) {
      s.shutdown();
    }
    long deadline = System.nanoTime() + grace.toNanos();
    for (Server s : servers) {
      try {
        if (!s.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          LOG.warn("streams still open after {}; closing them", grace);
          s.shutdownNow();
        }
      } catch (InterruptedException e) {
        s.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    if (udsGroup != null) {
      udsGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
    service.close();
  }

  /**
   * Reports NOT_SERVING and keeps the listeners open for the drain time, so that the proxy's
   * health check sees it and sends new streams elsewhere before this server refuses them.
   */
  private void drainFirst() {
    draining = true;
    if (drain.isZero() || drain.isNegative()) {
      return;
    }
    health.setStatus("", io.grpc.health.v1.HealthCheckResponse.ServingStatus.NOT_SERVING);
    health.setStatus(io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc.SERVICE_NAME,
        io.grpc.health.v1.HealthCheckResponse.ServingStatus.NOT_SERVING);
    LOG.info("draining: health is NOT_SERVING; the listeners close in {}", drain);
    try {
      Thread.sleep(drain.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
