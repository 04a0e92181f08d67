package dev.tollgate.extproc;

import dev.tollgate.core.pipeline.ExchangeSession;
import dev.tollgate.core.pipeline.Gateway;
import dev.tollgate.core.pipeline.PhaseResult;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.TrailersResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy's {@code ExternalProcessor}: one gRPC stream per HTTP exchange, each message answered
 * with the matching response. All the work happens in the core's {@link ExchangeSession}; this
 * class only maps messages.
 */
public final class ExtProcService extends ExternalProcessorGrpc.ExternalProcessorImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(ExtProcService.class);
  private final Gateway gateway;

  public ExtProcService(Gateway gateway) {
    this.gateway = gateway;
  }

  @Override
  public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> out) {
    ExchangeSession session = gateway.newExchange();
    return new StreamObserver<>() {
      private boolean ended;

      @Override
      public void onNext(ProcessingRequest request) {
        if (ended) {
          return;
        }
        ProcessingResponse response;
        try {
          response = handle(session, request);
        } catch (RuntimeException e) {
          LOG.error("ext_proc message {} failed", request.getRequestCase(), e);
          response = ProcessingResponse.newBuilder().setImmediateResponse(ProtoMapping.immediate(
              new PhaseResult.LocalReply(500, dev.tollgate.api.Headers.of("content-type", "application/json"),
                  dev.tollgate.api.ErrorFormats.render(session.clientApi(), 500, "server_error",
                      "internal error in the gateway"), "tollgate_internal_error"))).build();
        }
        if (response == null || request.getObservabilityMode()) {
          return;
        }
        out.onNext(response);
        if (response.hasImmediateResponse()) {
          ended = true;
          out.onCompleted();
        }
      }

      @Override
      public void onError(Throwable t) {
        // Envoy reset the stream (client gone, timeout); nothing is owed.
        LOG.debug("ext_proc stream ended by the proxy: {}", Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        if (!ended) {
          ended = true;
          out.onCompleted();
        }
      }
    };
  }

  private static ProcessingResponse handle(ExchangeSession session, ProcessingRequest request) {
    ProcessingResponse.Builder b = ProcessingResponse.newBuilder();
    PhaseResult r;
    switch (request.getRequestCase()) {
      case REQUEST_HEADERS -> {
        r = session.onRequestHeaders(ProtoMapping.headers(request.getRequestHeaders().getHeaders()),
            request.getRequestHeaders().getEndOfStream());
        if (r.isLocalReply()) {
          return immediate(r);
        }
        b.setRequestHeaders(HeadersResponse.newBuilder().setResponse(ProtoMapping.common(r)));
        if (r.requestBodyMode() != null) {
          b.setModeOverride(ProtoMapping.requestMode(r.requestBodyMode()));
        }
      }
      case REQUEST_BODY -> {
        r = session.onRequestBody(request.getRequestBody().getBody().toByteArray(),
            request.getRequestBody().getEndOfStream());
        if (r.isLocalReply()) {
          return immediate(r);
        }
        b.setRequestBody(BodyResponse.newBuilder().setResponse(ProtoMapping.common(r)));
      }
      case RESPONSE_HEADERS -> {
        r = session.onResponseHeaders(ProtoMapping.headers(request.getResponseHeaders().getHeaders()),
            request.getResponseHeaders().getEndOfStream());
        if (r.isLocalReply()) {
          return immediate(r);
        }
        b.setResponseHeaders(HeadersResponse.newBuilder().setResponse(ProtoMapping.common(r)));
        if (r.responseBodyMode() != null) {
          b.setModeOverride(ProtoMapping.responseMode(r.responseBodyMode()));
        }
      }
      case RESPONSE_BODY -> {
        r = session.onResponseBody(request.getResponseBody().getBody().toByteArray(),
            request.getResponseBody().getEndOfStream());
        if (r.isLocalReply()) {
          return immediate(r);
        }
        b.setResponseBody(BodyResponse.newBuilder().setResponse(ProtoMapping.common(r)));
      }
      case REQUEST_TRAILERS -> {
        return b.setRequestTrailers(TrailersResponse.getDefaultInstance()).build();
      }
      case RESPONSE_TRAILERS -> {
        return b.setResponseTrailers(TrailersResponse.getDefaultInstance()).build();
      }
      default -> {
        LOG.warn("ext_proc message without a phase; ignored");
        return null;
      }
    }
    if (!r.metadata().isEmpty()) {
      b.setDynamicMetadata(ProtoMapping.metadata(r.metadata()));
    }
    return b.build();
  }

  private static ProcessingResponse immediate(PhaseResult r) {
    ProcessingResponse.Builder b = ProcessingResponse.newBuilder().setImmediateResponse(ProtoMapping.immediate(r.localReply()));
    if (!r.metadata().isEmpty()) {
      b.setDynamicMetadata(ProtoMapping.metadata(r.metadata()));
    }
    return b.build();
  }
}
