package dev.tollgate.extproc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.core.Platform;
import dev.tollgate.core.pipeline.GatewayListener;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's listeners and protocol edges, without plugins. */
class TollgateServerTest {
  @TempDir
  Path dir;

  private Platform platform() throws Exception {
    Path config = dir.resolve("gateway.yaml");
    Files.writeString(config, "uuid: empty\n");
    return Platform.start(Files.createDirectories(dir.resolve("plugins")), config, Duration.ZERO, GatewayListener.NONE);
  }

  @Test
  void servesExtProcAndHealthOnAUnixDomainSocket() throws Exception {
    Path socket = dir.resolve("tollgate.sock");
    EpollEventLoopGroup group = new EpollEventLoopGroup(1);
    try (Platform p = platform();
         TollgateServer server = new TollgateServer(p.gateway(), new TollgateServer.Options("127.0.0.1", 0, socket, Duration.ofSeconds(1)))) {
      ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
          .channelType(EpollDomainSocketChannel.class).eventLoopGroup(group).usePlaintext().build();
      try {
        HealthCheckResponse health = HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());
        assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        // an unknown path is refused with a local reply over the socket
        ProcessingResponse r = exchangeHeaders(channel, "/v2/unknown");
        assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(404);
        assertThat(r.getImmediateResponse().getBody().toStringUtf8()).contains("/v2/unknown");
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  @Test
  void aChatRequestWithoutBodyIsAnsweredAtOnce() throws Exception {
    try (Platform p = platform();
         TollgateServer server = new TollgateServer(p.gateway(), new TollgateServer.Options("127.0.0.1", 0, null, Duration.ofSeconds(1)))) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        ProcessingResponse r = exchangeHeaders(channel, "/v1/chat/completions");
        assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(400);
        assertThat(r.getImmediateResponse().getBody().toStringUtf8()).contains("\"error\"").contains("no body");
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /** Sends request headers with end_of_stream and returns the one answer; the server must end the stream after it. */
  private static ProcessingResponse exchangeHeaders(ManagedChannel channel, String path) throws Exception {
    CompletableFuture<ProcessingResponse> first = new CompletableFuture<>();
    CompletableFuture<Void> completed = new CompletableFuture<>();
    StreamObserver<ProcessingRequest> req = ExternalProcessorGrpc.newStub(channel).process(new StreamObserver<>() {
      @Override
      public void onNext(ProcessingResponse value) {
        first.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        first.completeExceptionally(t);
        completed.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        completed.complete(null);
      }
    });
    req.onNext(ProcessingRequest.newBuilder().setRequestHeaders(HttpHeaders.newBuilder().setEndOfStream(true)
        .setHeaders(HeaderMap.newBuilder()
            .addHeaders(HeaderValue.newBuilder().setKey(":method").setRawValue(com.google.protobuf.ByteString.copyFromUtf8("POST")))
            .addHeaders(HeaderValue.newBuilder().setKey(":path").setValue(path)))).build());
    ProcessingResponse r = first.get(5, TimeUnit.SECONDS);
    completed.get(5, TimeUnit.SECONDS);
    return r;
  }
}
