package dev.tollgate.extproc;

import dev.tollgate.core.Platform;
import dev.tollgate.core.pipeline.GatewayListener;
import dev.tollgate.testkit.EnvoyLikeClient;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Tollgate as Envoy sees it: the platform with the built-in plugins loaded from their jars, the
 * gRPC server on a loopback port, and an Envoy-like client connected to it.
 */
final class GatewayHarness implements AutoCloseable {
  final Platform platform;
  final TollgateServer server;
  final ManagedChannel channel;
  final Path configFile;

  GatewayHarness(Path dir, String configYaml) throws Exception {
    configFile = dir.resolve("gateway.yaml");
    Files.writeString(configFile, configYaml);
    platform = Platform.start(pluginsDir(), configFile, Duration.ZERO, GatewayListener.NONE);
    server = new TollgateServer(platform.gateway(), new TollgateServer.Options("127.0.0.1", 0, null, Duration.ofSeconds(1)));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  /** Where the build put the plugin jars (extproc-server/target/plugins). */
  static Path pluginsDir() {
    String dir = System.getProperty("tollgate.test.plugins");
    if (dir == null) {
      throw new IllegalStateException("run the tests through Maven: the plugin jars are copied to target/plugins");
    }
    return Path.of(dir);
  }

  EnvoyLikeClient envoy(Map<String, URI> clusters) {
    return new EnvoyLikeClient(channel, EnvoyLikeClient.FilterConfig.tollgateDefault(), clusters,
        "x-ai-eg-selected-backend");
  }

  @Override
  public void close() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
    platform.close();
  }
}
