package dev.tollgate.extproc;

import dev.tollgate.core.Platform;
import dev.tollgate.core.pipeline.GatewayListener;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A config in a temp dir, the platform with the test extensions from the class path, the server on
 * loopback and one channel to it (one HTTP/2 connection, as an Envoy worker has).
 */
final class LoopbackServer implements AutoCloseable {
  /** Model {@code fast} to the NonBlocking Inline backend, every other model to the (blocking) Scripted one. */
  static final String INLINE_AND_SCRIPTED = """
      rules:
        - name: fast
          headers: [{name: x-ai-eg-model, type: Exact, value: fast}]
          backends: [{name: inline}]
        - name: other
          headers: [{name: x-ai-eg-model, type: RegularExpression, value: ".*"}]
          backends: [{name: scripted}]
      backends:
        - name: inline
          schema: {name: Inline}
        - name: scripted
          schema: {name: Scripted}
      """;

  final Platform platform;
  final TollgateServer server;
  final ManagedChannel channel;

  /** @param tracing spans go here, and it hears the exchanges' events; null for none */
  LoopbackServer(Path dir, String config, Duration phaseTimeout, ExchangeTracing tracing) throws Exception {
    Path file = dir.resolve("gateway.yaml");
    Files.writeString(file, config);
    platform = Platform.start(Files.createDirectories(dir.resolve("plugins")), file, Duration.ZERO,
        tracing == null ? GatewayListener.NONE : tracing);
    server = new TollgateServer(platform.gateway(), new TollgateServer.Options("127.0.0.1", 0, null,
        Duration.ofSeconds(1), phaseTimeout, null, null, tracing));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  /** Closes the channel and the server (idempotent), so that every stream has ended. */
  void stopServing() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }

  @Override
  public void close() throws Exception {
    stopServing();
    platform.close();
  }
}
