package dev.tollgate.extproc;

import dev.tollgate.core.Platform;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Platform (test extensions from the class path) + server + admin port + a plaintext channel. */
final class Fixture implements AutoCloseable {
  static final String SECRET = "sk-test-7f3a9c-do-not-leak";

  static String config(String uuid) {
    return """
        uuid: %s
        rules:
          - name: scripted-rule
            headers:
              - {name: x-ai-eg-model, type: RegularExpression, value: ".*"}
            backends:
              - name: scripted
        backends:
          - name: scripted
            schema: {name: Scripted}
            auth: {type: TestKey, key: %s}
        """.formatted(uuid, SECRET);
  }

  final Path configFile;
  final GatewayMetrics metrics = new GatewayMetrics();
  final Platform platform;
  final TollgateServer server;
  final AdminServer admin;
  final ManagedChannel channel;

  Fixture(Path dir, Duration phaseTimeout) throws Exception {
    configFile = dir.resolve("gateway.yaml");
    Files.writeString(configFile, config("metrics-1"));
    platform = Platform.start(Files.createDirectories(dir.resolve("plugins")), configFile, Duration.ZERO, metrics);
    metrics.bindConfig(platform.config());
    server = new TollgateServer(platform.gateway(), new TollgateServer.Options("127.0.0.1", 0, null,
        Duration.ofSeconds(1), phaseTimeout, null, metrics));
    admin = new AdminServer("127.0.0.1", 0, metrics, platform.config(), server::serving);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  ExtProcDriver stream() {
    return new ExtProcDriver(channel);
  }

  @Override
  public void close() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    admin.close();
    server.close();
    platform.close();
    metrics.close();
  }
}
