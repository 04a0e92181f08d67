package dev.tollgate.testkit;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A tiny ext_proc server for testing the kit: every message it receives is recorded, and a
 * {@link Script} decides what to do with it (answer, hold, close, fail). The default script
 * answers every message with an empty "continue" of the right kind.
 */
final class ScriptedExtProc implements AutoCloseable {
  /** Decides what happens to one received message. */
  interface Script {
    void on(ProcessingRequest request, Stream stream);
  }

  /** The server's side of one ext_proc stream. */
  static final class Stream {
    private final StreamObserver<ProcessingResponse> out;

    Stream(StreamObserver<ProcessingResponse> out) {
      this.out = out;
    }

    synchronized void answer(ProcessingResponse r) {
      out.onNext(r);
    }

    synchronized void closeCleanly() {
      out.onCompleted();
    }

    synchronized void fail(Status s) {
      out.onError(s.asRuntimeException());
    }
  }

  private final List<ProcessingRequest> received = new CopyOnWriteArrayList<>();
  private final Server server;
  private final ManagedChannel channel;
  private volatile Script script = (r, s) -> s.answer(cont(r));

  ScriptedExtProc() throws IOException {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(service())
        .build().start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
  }

  private io.grpc.BindableService service() {
    return new ExternalProcessorGrpc.ExternalProcessorImplBase() {
      @Override
      public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> responses) {
        Stream stream = new Stream(responses);
        return new StreamObserver<>() {
          @Override
          public void onNext(ProcessingRequest r) {
            received.add(r);
            script.on(r, stream);
          }

          @Override
          public void onError(Throwable t) {
          }

          @Override
          public void onCompleted() {
            try {
              responses.onCompleted();
            } catch (RuntimeException alreadyClosed) {
              // the script ended the stream itself
            }
          }
        };
      }
    };
  }

  ScriptedExtProc script(Script s) {
    this.script = s;
    return this;
  }

  ManagedChannel channel() {
    return channel;
  }

  List<ProcessingRequest> received() {
    return List.copyOf(received);
  }

  List<ProcessingRequest.RequestCase> receivedKinds() {
    return received.stream().map(ProcessingRequest::getRequestCase).toList();
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  // --- answers ---

  /** The empty answer to {@code r}: continue, change nothing. */
  static ProcessingResponse cont(ProcessingRequest r) {
    return answer(r, CommonResponse.getDefaultInstance());
  }

  /** An answer of the right kind for {@code r} carrying {@code c}. */
  static ProcessingResponse answer(ProcessingRequest r, CommonResponse c) {
    ProcessingResponse.Builder b = ProcessingResponse.newBuilder();
    switch (r.getRequestCase()) {
      case REQUEST_HEADERS -> b.setRequestHeaders(HeadersResponse.newBuilder().setResponse(c));
      case RESPONSE_HEADERS -> b.setResponseHeaders(HeadersResponse.newBuilder().setResponse(c));
      case REQUEST_BODY -> b.setRequestBody(BodyResponse.newBuilder().setResponse(c));
      case RESPONSE_BODY -> b.setResponseBody(BodyResponse.newBuilder().setResponse(c));
      default -> throw new IllegalArgumentException("no answer for " + r.getRequestCase());
    }
    return b.build();
  }

  static HeaderValueOption set(String name, String rawValue) {
    return HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(name)
        .setRawValue(ByteString.copyFromUtf8(rawValue))).build();
  }

  static HeaderMutation sets(String... kv) {
    HeaderMutation.Builder m = HeaderMutation.newBuilder();
    for (int i = 0; i + 1 < kv.length; i += 2) {
      m.addSetHeaders(set(kv[i], kv[i + 1]));
    }
    return m.build();
  }

  static Struct metadata(String namespace, String key, double value) {
    return Struct.newBuilder().putFields(namespace, Value.newBuilder().setStructValue(Struct.newBuilder()
        .putFields(key, Value.newBuilder().setNumberValue(value).build())).build()).build();
  }

  static String text(ByteString b) {
    return b.toString(StandardCharsets.UTF_8);
  }
}
