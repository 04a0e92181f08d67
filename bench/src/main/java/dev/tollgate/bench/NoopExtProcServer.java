package dev.tollgate.bench;

import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.TrailersResponse;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The baseline for the load tool: an ext_proc server that does nothing. Every message is answered
 * at once with an empty CONTINUE response of the matching kind; the gRPC server is built the same
 * way as Tollgate's (Netty, default executor), so the difference in CPU per request between the
 * two is what Tollgate's own work costs.
 *
 * <p>With {@code --handoff} each answer is computed on a worker thread while the gRPC thread
 * waits for it (a cached pool on a {@code SynchronousQueue} and {@code Future.get(timeout)}, as
 * Tollgate's ExtProcService does to enforce its phase timeout), which isolates what that hand-off
 * costs per message.
 *
 * <p>Usage: {@code NoopExtProcServer [--host 127.0.0.1] [--port 1063] [--handoff]}.
 */
public final class NoopExtProcServer extends ExternalProcessorGrpc.ExternalProcessorImplBase {
  private final java.util.concurrent.ExecutorService handoff;

  NoopExtProcServer(boolean handoff) {
    this.handoff = handoff ? new java.util.concurrent.ThreadPoolExecutor(0, Integer.MAX_VALUE, 5,
        java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(), r -> {
          Thread t = new Thread(r, "noop-phase");
          t.setDaemon(true);
          return t;
        }) : null;
  }

  private ProcessingResponse answerMaybeHandedOff(ProcessingRequest request) {
    if (handoff == null) {
      return answer(request);
    }
    try {
      return handoff.submit(() -> answer(request)).get(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static final ProcessingResponse REQUEST_HEADERS = ProcessingResponse.newBuilder()
      .setRequestHeaders(HeadersResponse.getDefaultInstance()).build();
  private static final ProcessingResponse REQUEST_BODY = ProcessingResponse.newBuilder()
      .setRequestBody(BodyResponse.getDefaultInstance()).build();
  private static final ProcessingResponse REQUEST_TRAILERS = ProcessingResponse.newBuilder()
      .setRequestTrailers(TrailersResponse.getDefaultInstance()).build();
  private static final ProcessingResponse RESPONSE_HEADERS = ProcessingResponse.newBuilder()
      .setResponseHeaders(HeadersResponse.getDefaultInstance()).build();
  private static final ProcessingResponse RESPONSE_BODY = ProcessingResponse.newBuilder()
      .setResponseBody(BodyResponse.getDefaultInstance()).build();
  private static final ProcessingResponse RESPONSE_TRAILERS = ProcessingResponse.newBuilder()
      .setResponseTrailers(TrailersResponse.getDefaultInstance()).build();

  /** The empty CONTINUE answer to {@code request}, or null for a message without a phase. */
  static ProcessingResponse answer(ProcessingRequest request) {
    return switch (request.getRequestCase()) {
      case REQUEST_HEADERS -> REQUEST_HEADERS;
      case REQUEST_BODY -> REQUEST_BODY;
      case REQUEST_TRAILERS -> REQUEST_TRAILERS;
      case RESPONSE_HEADERS -> RESPONSE_HEADERS;
      case RESPONSE_BODY -> RESPONSE_BODY;
      case RESPONSE_TRAILERS -> RESPONSE_TRAILERS;
      default -> null;
    };
  }

  @Override
  public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> out) {
    return new StreamObserver<>() {
      @Override
      public void onNext(ProcessingRequest request) {
        ProcessingResponse r = answerMaybeHandedOff(request);
        if (r != null && !request.getObservabilityMode()) {
          out.onNext(r);
        }
      }

      @Override
      public void onError(Throwable t) {
        // the client reset the stream; nothing is owed
      }

      @Override
      public void onCompleted() {
        out.onCompleted();
      }
    };
  }

  public static void main(String[] args) throws IOException, InterruptedException {
    String host = "127.0.0.1";
    int port = 1063;
    boolean handoff = false;
    boolean direct = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--host" -> host = args[++i];
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--handoff" -> handoff = true;
        case "--direct" -> direct = true;
        default -> {
          System.err.println("usage: NoopExtProcServer [--host H] [--port P] [--handoff] [--direct]");
          System.exit(2);
        }
      }
    }
    // as Tollgate's server does (TollgateServer): no sampled leak reports unless asked for
    if (System.getProperty("io.grpc.netty.shaded.io.netty.leakDetection.level") == null) {
      io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector.setLevel(
          io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector.Level.DISABLED);
    }
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
        .addService(new NoopExtProcServer(handoff));
    if (direct) {
      builder.directExecutor();
    }
    Server server = builder.build().start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "noop-shutdown"));
    System.out.printf("noop ext_proc listening on %s:%d%s%n", host, server.getPort(), handoff ? " (hand-off per message)" : "");
    System.out.flush();
    server.awaitTermination();
  }
}
