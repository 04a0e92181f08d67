package dev.tollgate.testkit;

import dev.tollgate.core.Platform;
import dev.tollgate.core.pipeline.GatewayListener;
import dev.tollgate.extproc.TollgateServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Tollgate as Envoy sees it: the platform with its plugins, the gRPC ext_proc server on a
 * loopback port, and a channel for {@link EnvoyLikeClient}s.
 *
 * <p>Plugins come from {@code pluginsDir} (jars or zips, as an operator installs them) and from
 * the test class path (extensions listed in {@code META-INF/extensions.idx}), so a plugin
 * module can test itself end to end before it is packaged.
 */
public final class TollgateHarness implements AutoCloseable {
  public static final String SELECTED_BACKEND_HEADER = "x-ai-eg-selected-backend";

  private final Platform platform;
  private final TollgateServer server;
  private final ManagedChannel channel;
  private final Path configFile;

  private TollgateHarness(Path pluginsDir, Path configFile) throws Exception {
    this.configFile = configFile;
    platform = Platform.start(pluginsDir, configFile, Duration.ZERO, GatewayListener.NONE);
    server = new TollgateServer(platform.gateway(),
        new TollgateServer.Options("127.0.0.1", 0, null, Duration.ofSeconds(1)));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  /** Writes {@code configYaml} to {@code workDir/gateway.yaml} and starts with plugins from {@code pluginsDir}. */
  public static TollgateHarness start(Path workDir, Path pluginsDir, String configYaml) throws Exception {
    Path config = workDir.resolve("gateway.yaml");
    Files.writeString(config, configYaml);
    Files.createDirectories(pluginsDir);
    return new TollgateHarness(pluginsDir, config);
  }

  /** Starts with the plugins on the test class path only (an empty plugins directory). */
  public static TollgateHarness startFromClasspath(Path workDir, String configYaml) throws Exception {
    return start(workDir, workDir.resolve("no-plugins"), configYaml);
  }

  /** An Envoy-like client with Tollgate's default filter config, routing on the selected-backend header. */
  public EnvoyLikeClient envoy(Map<String, URI> clusters) {
    return new EnvoyLikeClient(channel, EnvoyLikeClient.FilterConfig.tollgateDefault(), clusters,
        SELECTED_BACKEND_HEADER);
  }

  public EnvoyLikeClient envoy(EnvoyLikeClient.FilterConfig filter, Map<String, URI> clusters) {
    return new EnvoyLikeClient(channel, filter, clusters, SELECTED_BACKEND_HEADER);
  }

  public Platform platform() {
    return platform;
  }

  public ManagedChannel channel() {
    return channel;
  }

  public int port() {
    return server.port();
  }

  public Path configFile() {
    return configFile;
  }

  @Override
  public void close() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
    platform.close();
  }
}
