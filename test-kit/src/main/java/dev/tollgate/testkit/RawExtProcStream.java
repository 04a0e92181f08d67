package dev.tollgate.testkit;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpTrailers;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One ext_proc stream driven message by message, for the sequences {@link EnvoyLikeClient} does
 * not play: Envoy's own local replies going through the response phases (before or after
 * routing), answers that end with trailers. Each send waits for its answer; nothing is applied.
 */
public final class RawExtProcStream implements AutoCloseable {
  private final LinkedBlockingQueue<Object> answers = new LinkedBlockingQueue<>();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private final StreamObserver<ProcessingRequest> requests;

  public RawExtProcStream(Channel channel) {
    requests = ExternalProcessorGrpc.newStub(channel).process(new StreamObserver<>() {
      @Override
      public void onNext(ProcessingResponse value) {
        answers.add(value);
      }

      @Override
      public void onError(Throwable t) {
        answers.add(t);
        ended.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        ended.complete(null);
      }
    });
  }

  public static HeaderMap headers(String... namesAndValues) {
    HeaderMap.Builder b = HeaderMap.newBuilder();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      b.addHeaders(HeaderValue.newBuilder().setKey(namesAndValues[i])
          .setRawValue(ByteString.copyFromUtf8(namesAndValues[i + 1])));
    }
    return b.build();
  }

  /** Sends {@code r} and waits up to 15 s for its answer. */
  public ProcessingResponse send(ProcessingRequest r) throws Exception {
    requests.onNext(r);
    Object a = answers.poll(15, TimeUnit.SECONDS);
    if (a == null) {
      throw new AssertionError("no answer within 15 s to " + r.getRequestCase());
    }
    if (a instanceof Throwable t) {
      throw new AssertionError("the ext_proc stream failed", t);
    }
    return (ProcessingResponse) a;
  }

  public ProcessingResponse requestHeaders(boolean endOfStream, String... namesAndValues) throws Exception {
    return send(ProcessingRequest.newBuilder().setRequestHeaders(HttpHeaders.newBuilder()
        .setHeaders(headers(namesAndValues)).setEndOfStream(endOfStream)).build());
  }

  public ProcessingResponse requestBody(String body) throws Exception {
    return send(ProcessingRequest.newBuilder().setRequestBody(HttpBody.newBuilder()
        .setBody(ByteString.copyFromUtf8(body)).setEndOfStream(true)).build());
  }

  public ProcessingResponse responseHeaders(boolean endOfStream, String... namesAndValues) throws Exception {
    return send(ProcessingRequest.newBuilder().setResponseHeaders(HttpHeaders.newBuilder()
        .setHeaders(headers(namesAndValues)).setEndOfStream(endOfStream)).build());
  }

  public ProcessingResponse responseBody(String chunk, boolean endOfStream) throws Exception {
    return send(ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
        .setBody(ByteString.copyFrom(chunk.getBytes(StandardCharsets.UTF_8))).setEndOfStream(endOfStream)).build());
  }

  public ProcessingResponse responseTrailers(String... namesAndValues) throws Exception {
    return send(ProcessingRequest.newBuilder().setResponseTrailers(HttpTrailers.newBuilder()
        .setTrailers(headers(namesAndValues))).build());
  }

  /** Waits until the server ended the stream. */
  public void awaitServerEnd() throws Exception {
    ended.get(5, TimeUnit.SECONDS);
  }

  /** Ends the stream from the proxy's side, as Envoy does after the last answer. */
  @Override
  public void close() {
    try {
      requests.onCompleted();
    } catch (RuntimeException ignored) {
      // already closed
    }
  }
}
