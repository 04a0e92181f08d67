import io.envoyproxy.envoy.service.ext_proc.v3.*;
import io.envoyproxy.envoy.config.core.v3.*;
import io.grpc.*;
import io.grpc.stub.StreamObserver;
import com.google.protobuf.*;
import com.google.protobuf.util.JsonFormat;
import java.util.*;
import java.util.concurrent.atomic.*;

/** Throwaway ext_proc probe: logs everything, applies scripted mutations. tag R = router-level, U = upstream-level. */
public class Probe {
  static final AtomicInteger IDS = new AtomicInteger();
  static synchronized void log(String s) { System.out.println(System.currentTimeMillis() % 100000 + " " + s); System.out.flush(); }

  static HeaderValueOption set(String k, String v) {
    return HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(k).setRawValue(ByteString.copyFromUtf8(v))).build();
  }
  static String hdr(HttpHeaders h, String k) {
    for (HeaderValue v : h.getHeaders().getHeadersList()) if (v.getKey().equals(k)) return v.getValue().isEmpty() ? v.getRawValue().toStringUtf8() : v.getValue();
    return null;
  }
  static String hdrs(HttpHeaders h) {
    StringBuilder b = new StringBuilder();
    for (HeaderValue v : h.getHeaders().getHeadersList()) b.append(v.getKey()).append('=').append(v.getValue().isEmpty() ? v.getRawValue().toStringUtf8() : v.getValue()).append("; ");
    return b.toString();
  }
  static String json(MessageOrBuilder m) { try { return JsonFormat.printer().omittingInsignificantWhitespace().print(m); } catch (Exception e) { return m.toString(); } }

  static class Svc extends ExternalProcessorGrpc.ExternalProcessorImplBase {
    final String tag;
    Svc(String tag) { this.tag = tag; }
    @Override public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> out) {
      final int id = IDS.incrementAndGet();
      final String sid = tag + id;
      log(sid + " OPEN");
      return new StreamObserver<>() {
        String backend = "?"; Map<String,String> reqH = new HashMap<>();
        public void onNext(ProcessingRequest r) {
          String attrs = r.getAttributesCount() > 0 ? " attrs=" + json(Struct.newBuilder().putAllFields(Map.of()).build()) : "";
          if (r.getAttributesCount() > 0) { StringBuilder b = new StringBuilder(); r.getAttributesMap().forEach((k, v) -> b.append(k).append("=").append(json(v))); attrs = " attrs={" + b + "}"; }
          String md = r.hasMetadataContext() ? " metadata_context=" + json(r.getMetadataContext()) : "";
          ProcessingResponse.Builder resp = ProcessingResponse.newBuilder();
          switch (r.getRequestCase()) {
            case REQUEST_HEADERS -> {
              HttpHeaders h = r.getRequestHeaders();
              for (HeaderValue v : h.getHeaders().getHeadersList()) reqH.put(v.getKey(), v.getValue().isEmpty() ? v.getRawValue().toStringUtf8() : v.getValue());
              log(sid + " REQ_HEADERS eos=" + h.getEndOfStream() + " headers={" + hdrs(h) + "}" + attrs + md);
              if (r.getAttributesMap().containsKey("envoy.filters.http.ext_proc")) {
                Value b = r.getAttributesMap().get("envoy.filters.http.ext_proc").getFieldsMap().get("xds.upstream_host_metadata.filter_metadata['tollgate']['backend']");
                if (b != null) backend = b.getStringValue();
              }
              CommonResponse.Builder c = CommonResponse.newBuilder();
              HeaderMutation.Builder m = HeaderMutation.newBuilder();
              if (tag.equals("R")) {
                m.addSetHeaders(set("x-tg-router-stream", sid));
                m.addRemoveHeaders("x-remove-at-router");
                if (reqH.containsKey("x-test-router-route")) { m.addSetHeaders(set("x-route-to", reqH.get("x-test-router-route"))); c.setClearRouteCache(reqH.containsKey("x-test-clear-cache")); }
                resp.setDynamicMetadata(Struct.newBuilder().putFields("tollgate.router", Value.newBuilder().setStructValue(Struct.newBuilder().putFields("stream", Value.newBuilder().setStringValue(sid).build())).build()));
              } else {
                m.addSetHeaders(set(":path", "/u/" + backend));
                m.addSetHeaders(set("host", backend + ".example"));
                m.addSetHeaders(set("authorization", "Bearer key-" + backend));
                m.addSetHeaders(set("x-tg-upstream-stream", sid));
                m.addRemoveHeaders("x-remove-at-upstream");
                resp.setDynamicMetadata(Struct.newBuilder().putFields("tollgate.upstream", Value.newBuilder().setStructValue(Struct.newBuilder().putFields("backend", Value.newBuilder().setStringValue(backend).build()).putFields("stream", Value.newBuilder().setStringValue(sid).build())).build()));
                String imm = reqH.get("x-test-u-immediate");
                if (imm != null && imm.equals(backend)) {
                  log(sid + " -> IMMEDIATE 418");
                  resp.setImmediateResponse(ImmediateResponse.newBuilder().setStatus(io.envoyproxy.envoy.type.v3.HttpStatus.newBuilder().setCodeValue(reqH.containsKey("x-test-u-immediate-code") ? Integer.parseInt(reqH.get("x-test-u-immediate-code")) : 418)).setBody(ByteString.copyFromUtf8("immediate from " + sid + "\n")));
                  out.onNext(resp.build()); return;
                }
              }
              if (!tag.equals("R") && reqH.containsKey("x-test-u-clear")) c.setClearRouteCache(true);
              c.setHeaderMutation(m);
              resp.setRequestHeaders(HeadersResponse.newBuilder().setResponse(c));
            }
            case REQUEST_BODY -> {
              HttpBody b = r.getRequestBody();
              log(sid + " REQ_BODY eos=" + b.getEndOfStream() + " len=" + b.getBody().size() + " body=" + b.getBody().toStringUtf8().replace("\n", "\\n") + attrs + md);
              String nb = tag.equals("R") ? "R|" + b.getBody().toStringUtf8() : "U[" + backend + "]|" + b.getBody().toStringUtf8();
              CommonResponse.Builder c = CommonResponse.newBuilder();
              if (!reqH.containsKey("x-test-no-body-mutation")) c.setBodyMutation(BodyMutation.newBuilder().setBody(ByteString.copyFromUtf8(nb)));
              if (!reqH.containsKey("x-test-no-body-mutation") && !(!tag.equals("R") && reqH.containsKey("x-test-no-cl"))) c.setHeaderMutation(HeaderMutation.newBuilder().addSetHeaders(set("content-length", String.valueOf(nb.length()))));
              resp.setRequestBody(BodyResponse.newBuilder().setResponse(c));
            }
            case REQUEST_TRAILERS -> { log(sid + " REQ_TRAILERS"); resp.setRequestTrailers(TrailersResponse.getDefaultInstance()); }
            case RESPONSE_HEADERS -> {
              HttpHeaders h = r.getResponseHeaders();
              log(sid + " RESP_HEADERS eos=" + h.getEndOfStream() + " headers={" + hdrs(h) + "}" + attrs + md);
              resp.setResponseHeaders(HeadersResponse.newBuilder().setResponse(CommonResponse.newBuilder().setHeaderMutation(HeaderMutation.newBuilder().addSetHeaders(set("x-" + tag.toLowerCase() + "-saw-" + sid, hdr(h, ":status"))))));
            }
            case RESPONSE_BODY -> {
              HttpBody b = r.getResponseBody();
              log(sid + " RESP_BODY eos=" + b.getEndOfStream() + " len=" + b.getBody().size() + " body=" + b.getBody().toStringUtf8().replace("\n", "\\n") + attrs + md);
              resp.setResponseBody(BodyResponse.getDefaultInstance());
            }
            case RESPONSE_TRAILERS -> { log(sid + " RESP_TRAILERS"); resp.setResponseTrailers(TrailersResponse.getDefaultInstance()); }
            default -> log(sid + " OTHER " + r.getRequestCase());
          }
          out.onNext(resp.build());
        }
        public void onError(Throwable t) { log(sid + " ONERROR " + Status.fromThrowable(t)); }
        public void onCompleted() { log(sid + " HALFCLOSE(onCompleted)"); out.onCompleted(); }
      };
    }
  }

  public static void main(String[] a) throws Exception {
    Server r = ServerBuilder.forPort(Integer.parseInt(a[0])).addService(new Svc("R")).build().start();
    Server u = ServerBuilder.forPort(Integer.parseInt(a[1])).addService(new Svc("U")).build().start();
    Server u2 = a.length > 2 ? ServerBuilder.forPort(Integer.parseInt(a[2])).addService(new Svc("V")).build().start() : null;
    log("probe up");
    r.awaitTermination();
  }
}
