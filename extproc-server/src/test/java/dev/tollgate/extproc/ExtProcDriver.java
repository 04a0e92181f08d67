package dev.tollgate.extproc;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** One ext_proc stream driven message by message, as Envoy would; each send waits for the answer. */
final class ExtProcDriver implements AutoCloseable {
  private final LinkedBlockingQueue<Object> answers = new LinkedBlockingQueue<>();
  final CompletableFuture<Void> completed = new CompletableFuture<>();
  private final StreamObserver<ProcessingRequest> requests;

  ExtProcDriver(Channel channel) {
    requests = ExternalProcessorGrpc.newStub(channel).process(new StreamObserver<>() {
      @Override
      public void onNext(ProcessingResponse value) {
        answers.add(value);
      }

      @Override
      public void onError(Throwable t) {
        answers.add(t);
        completed.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        completed.complete(null);
      }
    });
  }

  static HeaderMap headers(String... kv) {
    HeaderMap.Builder b = HeaderMap.newBuilder();
    for (int i = 0; i < kv.length; i += 2) {
      b.addHeaders(HeaderValue.newBuilder().setKey(kv[i]).setRawValue(ByteString.copyFromUtf8(kv[i + 1])));
    }
    return b.build();
  }

  ProcessingResponse send(ProcessingRequest r) throws Exception {
    requests.onNext(r);
    return next(r.getRequestCase().toString());
  }

  /** Sends without waiting for the answer, as Envoy does with streamed body chunks. */
  void sendNoWait(ProcessingRequest r) {
    requests.onNext(r);
  }

  /** The next answer, waiting up to 20 s. */
  ProcessingResponse next(String what) throws Exception {
    Object a = answers.poll(20, TimeUnit.SECONDS);
    if (a == null) {
      throw new AssertionError("no answer within 20 s to " + what);
    }
    if (a instanceof Throwable t) {
      throw new AssertionError("stream failed", t);
    }
    return (ProcessingResponse) a;
  }

  ProcessingResponse requestHeaders(boolean endOfStream, String... kv) throws Exception {
    return send(ProcessingRequest.newBuilder().setRequestHeaders(HttpHeaders.newBuilder()
        .setHeaders(headers(kv)).setEndOfStream(endOfStream)).build());
  }

  ProcessingResponse requestBody(String body) throws Exception {
    return requestBody(body.getBytes(StandardCharsets.UTF_8), true);
  }

  ProcessingResponse requestBody(byte[] body, boolean endOfStream) throws Exception {
    return send(ProcessingRequest.newBuilder().setRequestBody(HttpBody.newBuilder()
        .setBody(ByteString.copyFrom(body)).setEndOfStream(endOfStream)).build());
  }

  ProcessingResponse responseHeaders(String... kv) throws Exception {
    return send(ProcessingRequest.newBuilder().setResponseHeaders(HttpHeaders.newBuilder()
        .setHeaders(headers(kv))).build());
  }

  ProcessingResponse responseBody(String chunk, boolean endOfStream) throws Exception {
    return send(ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
        .setBody(ByteString.copyFromUtf8(chunk)).setEndOfStream(endOfStream)).build());
  }

  /** Request headers + body of a chat completion for {@code model}. */
  ProcessingResponse chat(String model, boolean stream, String... extraHeaders) throws Exception {
    String[] h = new String[6 + extraHeaders.length];
    System.arraycopy(new String[] {":method", "POST", ":path", "/v1/chat/completions", "content-type",
        "application/json"}, 0, h, 0, 6);
    System.arraycopy(extraHeaders, 0, h, 6, extraHeaders.length);
    ProcessingResponse first = requestHeaders(false, h);
    if (first.hasImmediateResponse()) {
      return first;
    }
    return requestBody("{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
  }

  /** Waits until the server ended the stream. */
  void awaitServerEnd() throws Exception {
    completed.get(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    try {
      requests.onCompleted();
    } catch (RuntimeException ignored) {
      // already closed
    }
  }
}
