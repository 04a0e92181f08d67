package dev.tollgate.testkit;

import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One ext_proc gRPC stream as Envoy's filter holds it: opened with the first message, which
 * carries {@code protocol_config}; messages may be sent without waiting for earlier answers
 * (streamed chunks), and answers are taken in arrival order, matched first in, first out.
 */
final class ExtProcStream implements StreamObserver<ProcessingResponse> {
  /** What came back for the oldest message still waiting. */
  sealed interface Event permits Answer, Closed, TimedOut {
  }

  record Answer(ProcessingResponse response) implements Event {
  }

  /** The server ended the stream: {@code status} OK is a clean close. */
  record Closed(Status status) implements Event {
  }

  record TimedOut() implements Event {
  }

  private final ManagedChannel channel;
  private final ProcessingMode configuredMode;
  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private StreamObserver<ProcessingRequest> requests;
  private volatile Closed closed;
  private boolean ended;

  ExtProcStream(ManagedChannel channel, ProcessingMode configuredMode) {
    this.channel = channel;
    this.configuredMode = configuredMode;
  }

  /** Sends {@code r} at once; the first message opens the stream and carries the protocol config. */
  void send(ProcessingRequest r) {
    if (requests == null) {
      requests = ExternalProcessorGrpc.newStub(channel).process(this);
      r = r.toBuilder().setProtocolConfig(ProtocolConfiguration.newBuilder()
          .setRequestBodyMode(configuredMode.getRequestBodyMode())
          .setResponseBodyMode(configuredMode.getResponseBodyMode())).build();
    }
    if (closed == null && !ended) {
      requests.onNext(r);
    }
  }

  /** The next answer, the stream's end, or {@link TimedOut} after {@code timeout}. */
  Event next(Duration timeout) throws InterruptedException {
    Event e = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    return e == null ? new TimedOut() : e;
  }

  /** An event that has already arrived, or null; never waits. */
  Event poll() {
    return events.poll();
  }

  /** The server has ended the stream (cleanly or not); nothing more will be answered. */
  boolean closedByServer() {
    return closed != null;
  }

  /** Envoy is done with the stream: half-close it, unless the server already ended it. */
  void end() {
    if (requests != null && closed == null && !ended) {
      ended = true;
      requests.onCompleted();
    }
  }

  /** Envoy gives up on the stream (timeout, protocol error): reset it. */
  void reset() {
    if (requests != null && closed == null && !ended) {
      ended = true;
      requests.onError(Status.CANCELLED.withDescription("reset by the Envoy-like client").asRuntimeException());
    }
  }

  @Override
  public void onNext(ProcessingResponse value) {
    events.add(new Answer(value));
  }

  @Override
  public void onError(Throwable t) {
    closed = new Closed(Status.fromThrowable(t));
    events.add(closed);
  }

  @Override
  public void onCompleted() {
    closed = new Closed(Status.OK);
    events.add(closed);
  }
}
