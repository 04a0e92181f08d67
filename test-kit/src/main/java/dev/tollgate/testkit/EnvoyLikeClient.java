package dev.tollgate.testkit;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.HeaderSendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Plays HTTP exchanges through an ext_proc server the way Envoy's ext_proc HTTP filter does
 * (placed before the router):
 * <ul>
 *   <li>one gRPC stream per exchange; messages in HTTP order, each waiting for its own response
 *       (a response of another kind is a protocol error and the client gets a 500, as in Envoy);</li>
 *   <li>the filter's processing mode decides which messages are sent; a {@code mode_override}
 *       replaces it for the rest of the stream when {@code allowModeOverride} is set;</li>
 *   <li>header mutations are applied to the request or response headers; body mutations replace
 *       the body (buffered) or the chunk (streamed); in streamed mode header mutations in body
 *       responses are ignored, since the headers have already gone;</li>
 *   <li>routing uses {@code routeHeader} (the selected-backend header) to pick a cluster; the route
 *       is picked again only when {@code clear_route_cache} was asked for, else the original
 *       headers' route stands;</li>
 *   <li>{@code immediate_response} ends the exchange with that local reply;</li>
 *   <li>dynamic metadata from every response is merged by namespace.</li>
 * </ul>
 * The upstream call is real HTTP to the cluster's address (a fake provider on loopback).
 */
public final class EnvoyLikeClient {
  /** The ext_proc filter's configuration as far as it matters here. */
  public record FilterConfig(ProcessingMode mode, boolean allowModeOverride, Duration messageTimeout) {
    /**
     * What Tollgate's example Envoy config uses: headers and buffered bodies, overrides allowed,
     * a 30 s message timeout.
     */
    public static FilterConfig tollgateDefault() {
      return new FilterConfig(ProcessingMode.newBuilder()
          .setRequestHeaderMode(HeaderSendMode.SEND)
          .setRequestBodyMode(BodySendMode.BUFFERED)
          .setResponseHeaderMode(HeaderSendMode.SEND)
          .setResponseBodyMode(BodySendMode.BUFFERED)
          .setRequestTrailerMode(HeaderSendMode.SKIP)
          .setResponseTrailerMode(HeaderSendMode.SKIP)
          .build(), true, Duration.ofSeconds(30));
    }
  }

  private static final Set<String> NOT_FORWARDED = Set.of("host", "content-length", "connection", "upgrade",
      "transfer-encoding", "expect", "keep-alive", "te", "trailer");

  private final ManagedChannel channel;
  private final FilterConfig filter;
  private final Map<String, URI> clusters;
  private final String routeHeader;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private Function<byte[], List<byte[]>> responseSplitter = List::of;

  /**
   * @param clusters    cluster name (the value of {@code routeHeader}) to the upstream's base URI
   * @param routeHeader the request header Envoy's routes match on
   */
  public EnvoyLikeClient(ManagedChannel channel, FilterConfig filter, Map<String, URI> clusters, String routeHeader) {
    this.channel = channel;
    this.filter = filter;
    this.clusters = Map.copyOf(clusters);
    this.routeHeader = routeHeader;
  }

  /** Re-splits each upstream body piece before it is sent to ext_proc (e.g. at random bytes). */
  public EnvoyLikeClient splitResponseChunks(Function<byte[], List<byte[]>> splitter) {
    this.responseSplitter = splitter;
    return this;
  }

  /** Plays one exchange. */
  public ProxyResponse send(HttpExchange request) throws IOException, InterruptedException {
    Stream stream = new Stream();
    try {
      return play(stream, request);
    } finally {
      stream.close();
    }
  }

  private ProxyResponse play(Stream s, HttpExchange request) throws IOException, InterruptedException {
    ProcessingMode mode = filter.mode();
    Map<String, String> reqHeaders = new LinkedHashMap<>();
    reqHeaders.put(":method", request.method());
    reqHeaders.put(":path", request.path());
    reqHeaders.put(":authority", "gateway.local");
    reqHeaders.put(":scheme", "http");
    reqHeaders.putAll(request.headers());
    if (request.body().length > 0) {
      reqHeaders.put("content-length", Integer.toString(request.body().length));
    }
    String initialCluster = reqHeaders.get(routeHeader);
    boolean routeCleared = false;
    Struct.Builder metadata = Struct.newBuilder();

    // 1. request headers
    if (mode.getRequestHeaderMode() != HeaderSendMode.SKIP) {
      ProcessingResponse r = s.call(ProcessingRequest.newBuilder().setRequestHeaders(HttpHeaders.newBuilder()
          .setHeaders(headerMap(reqHeaders)).setEndOfStream(request.body().length == 0)).build(),
          ProcessingResponse.ResponseCase.REQUEST_HEADERS);
      merge(metadata, r);
      if (r.hasImmediateResponse()) {
        return local(r.getImmediateResponse(), metadata);
      }
      CommonResponse c = r.getRequestHeaders().getResponse();
      apply(c.getHeaderMutation(), reqHeaders);
      routeCleared |= c.getClearRouteCache();
      mode = override(mode, r);
    }

    // 2. request body
    byte[] body = request.body();
    if (body.length > 0 && mode.getRequestBodyMode() == BodySendMode.BUFFERED) {
      ProcessingResponse r = s.call(ProcessingRequest.newBuilder().setRequestBody(HttpBody.newBuilder()
          .setBody(ByteString.copyFrom(body)).setEndOfStream(true)).build(), ProcessingResponse.ResponseCase.REQUEST_BODY);
      merge(metadata, r);
      if (r.hasImmediateResponse()) {
        return local(r.getImmediateResponse(), metadata);
      }
      CommonResponse c = r.getRequestBody().getResponse();
      apply(c.getHeaderMutation(), reqHeaders);
      if (c.hasBodyMutation()) {
        body = mutate(c, body);
      }
      routeCleared |= c.getClearRouteCache();
    } else if (body.length > 0 && mode.getRequestBodyMode() == BodySendMode.STREAMED) {
      ProcessingResponse r = s.call(ProcessingRequest.newBuilder().setRequestBody(HttpBody.newBuilder()
          .setBody(ByteString.copyFrom(body)).setEndOfStream(true)).build(), ProcessingResponse.ResponseCase.REQUEST_BODY);
      merge(metadata, r);
      if (r.hasImmediateResponse()) {
        return local(r.getImmediateResponse(), metadata);
      }
      CommonResponse c = r.getRequestBody().getResponse();
      if (c.hasBodyMutation()) {
        body = mutate(c, body);
      }
    }

    // 3. route: picked again only if asked to
    String cluster = routeCleared ? reqHeaders.get(routeHeader) : initialCluster;
    URI base = cluster == null ? null : clusters.get(cluster);
    if (base == null) {
      return new ProxyResponse(404, Map.of(), new byte[0], List.of(), true, null, null, reqHeaders, body,
          metadata.build(), routeCleared);
    }

    // 4. upstream
    HttpRequest.Builder up = HttpRequest.newBuilder(base.resolve(reqHeaders.get(":path")))
        .timeout(Duration.ofSeconds(30))
        .method(reqHeaders.get(":method"), HttpRequest.BodyPublishers.ofByteArray(body));
    reqHeaders.forEach((k, v) -> {
      if (!k.startsWith(":") && !NOT_FORWARDED.contains(k)) {
        up.header(k, v);
      }
    });
    HttpResponse<InputStream> upstream = http.send(up.build(), HttpResponse.BodyHandlers.ofInputStream());
    Map<String, String> respHeaders = new LinkedHashMap<>();
    respHeaders.put(":status", Integer.toString(upstream.statusCode()));
    upstream.headers().map().forEach((k, v) -> {
      if (!k.startsWith(":")) {
        respHeaders.put(k.toLowerCase(Locale.ROOT), String.join(",", v));
      }
    });
    InputStream in = upstream.body();
    int firstByte = in.read();
    boolean emptyBody = firstByte < 0;
    Upstream bodyIn = new Upstream(in, firstByte);

    // 5. response headers
    if (mode.getResponseHeaderMode() != HeaderSendMode.SKIP) {
      ProcessingResponse r = s.call(ProcessingRequest.newBuilder().setResponseHeaders(HttpHeaders.newBuilder()
          .setHeaders(headerMap(respHeaders)).setEndOfStream(emptyBody)).build(),
          ProcessingResponse.ResponseCase.RESPONSE_HEADERS);
      merge(metadata, r);
      if (r.hasImmediateResponse()) {
        in.close();
        return local(r.getImmediateResponse(), metadata);
      }
      apply(r.getResponseHeaders().getResponse().getHeaderMutation(), respHeaders);
      mode = override(mode, r);
    }

    // 6. response body
    List<byte[]> chunks = new ArrayList<>();
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    if (emptyBody) {
      in.close();
    } else if (mode.getResponseBodyMode() == BodySendMode.BUFFERED) {
      byte[] whole = bodyIn.readAll();
      ProcessingResponse r = s.call(ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
          .setBody(ByteString.copyFrom(whole)).setEndOfStream(true)).build(), ProcessingResponse.ResponseCase.RESPONSE_BODY);
      merge(metadata, r);
      if (r.hasImmediateResponse()) {
        return local(r.getImmediateResponse(), metadata);
      }
      CommonResponse c = r.getResponseBody().getResponse();
      apply(c.getHeaderMutation(), respHeaders);
      byte[] out = c.hasBodyMutation() ? mutate(c, whole) : whole;
      chunks.add(out);
      all.writeBytes(out);
    } else if (mode.getResponseBodyMode() == BodySendMode.STREAMED) {
      byte[] piece;
      while ((piece = bodyIn.next()) != null) {
        for (byte[] part : responseSplitter.apply(piece)) {
          byte[] out = streamChunk(s, metadata, part, false);
          if (out.length > 0) {
            chunks.add(out);
            all.writeBytes(out);
          }
        }
      }
      byte[] out = streamChunk(s, metadata, new byte[0], true);
      if (out.length > 0) {
        chunks.add(out);
        all.writeBytes(out);
      }
    } else {
      byte[] whole = bodyIn.readAll();
      chunks.add(whole);
      all.writeBytes(whole);
    }
    int status = Integer.parseInt(respHeaders.remove(":status"));
    return new ProxyResponse(status, respHeaders, all.toByteArray(), chunks, false, cluster, reqHeaders.get(":path"),
        withoutPseudo(reqHeaders), body, metadata.build(), routeCleared);
  }

  private byte[] streamChunk(Stream s, Struct.Builder metadata, byte[] part, boolean eos) throws InterruptedException {
    ProcessingResponse r = s.call(ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
        .setBody(ByteString.copyFrom(part)).setEndOfStream(eos)).build(), ProcessingResponse.ResponseCase.RESPONSE_BODY);
    merge(metadata, r);
    if (r.hasImmediateResponse()) {
      throw new IllegalStateException("immediate_response after the response headers went to the client");
    }
    CommonResponse c = r.getResponseBody().getResponse();
    return c.hasBodyMutation() ? mutate(c, part) : part;
  }

  private ProcessingMode override(ProcessingMode mode, ProcessingResponse r) {
    return filter.allowModeOverride() && r.hasModeOverride() ? r.getModeOverride() : mode;
  }

  private static byte[] mutate(CommonResponse c, byte[] original) {
    return switch (c.getBodyMutation().getMutationCase()) {
      case BODY -> c.getBodyMutation().getBody().toByteArray();
      case CLEAR_BODY -> c.getBodyMutation().getClearBody() ? new byte[0] : original;
      default -> original;
    };
  }

  private static Map<String, String> withoutPseudo(Map<String, String> h) {
    Map<String, String> out = new LinkedHashMap<>();
    h.forEach((k, v) -> {
      if (!k.startsWith(":")) {
        out.put(k, v);
      }
    });
    return out;
  }

  private static ProxyResponse local(ImmediateResponse ir, Struct.Builder metadata) {
    Map<String, String> headers = new LinkedHashMap<>();
    apply(ir.getHeaders(), headers);
    byte[] body = ir.getBody().toByteArray();
    int code = ir.getStatus().getCodeValue() == 0 ? 200 : ir.getStatus().getCodeValue();
    return new ProxyResponse(code, headers, body, List.of(body), true, null, null, Map.of(), null, metadata.build(),
        false);
  }

  private static void merge(Struct.Builder into, ProcessingResponse r) {
    if (!r.hasDynamicMetadata()) {
      return;
    }
    r.getDynamicMetadata().getFieldsMap().forEach((ns, v) -> {
      if (into.containsFields(ns) && into.getFieldsOrThrow(ns).hasStructValue() && v.hasStructValue()) {
        Struct merged = into.getFieldsOrThrow(ns).getStructValue().toBuilder().putAllFields(v.getStructValue().getFieldsMap()).build();
        into.putFields(ns, com.google.protobuf.Value.newBuilder().setStructValue(merged).build());
      } else {
        into.putFields(ns, v);
      }
    });
  }

  private static void apply(HeaderMutation m, Map<String, String> headers) {
    for (HeaderValueOption o : m.getSetHeadersList()) {
      HeaderValue h = o.getHeader();
      String v = h.getRawValue().isEmpty() ? h.getValue() : h.getRawValue().toString(StandardCharsets.UTF_8);
      String k = h.getKey().toLowerCase(Locale.ROOT);
      if (o.getAppendAction() == HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD && headers.containsKey(k)
          && !o.hasAppend()) {
        headers.put(k, headers.get(k) + "," + v);
      } else {
        headers.put(k, v);
      }
    }
    for (String r : m.getRemoveHeadersList()) {
      headers.remove(r.toLowerCase(Locale.ROOT));
    }
  }

  private static HeaderMap headerMap(Map<String, String> headers) {
    HeaderMap.Builder b = HeaderMap.newBuilder();
    headers.forEach((k, v) -> b.addHeaders(HeaderValue.newBuilder().setKey(k).setRawValue(ByteString.copyFromUtf8(v))));
    return b.build();
  }

  /** The upstream body, piece by piece as it arrives. */
  private static final class Upstream {
    private final InputStream in;
    private int pendingByte;

    Upstream(InputStream in, int firstByte) {
      this.in = in;
      this.pendingByte = firstByte;
    }

    byte[] next() throws IOException {
      byte[] buf = new byte[8192];
      int off = 0;
      if (pendingByte >= 0) {
        buf[0] = (byte) pendingByte;
        pendingByte = -1;
        off = 1;
        int avail = Math.min(in.available(), buf.length - 1);
        if (avail > 0) {
          off += in.read(buf, 1, avail);
        }
        return java.util.Arrays.copyOf(buf, off);
      }
      int n = in.read(buf);
      if (n < 0) {
        in.close();
        return null;
      }
      return java.util.Arrays.copyOf(buf, n);
    }

    byte[] readAll() throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] p;
      while ((p = next()) != null) {
        out.writeBytes(p);
      }
      return out.toByteArray();
    }
  }

  /** One gRPC stream; each message waits for exactly one response. */
  private final class Stream implements StreamObserver<ProcessingResponse> {
    private final BlockingQueue<Object> responses = new LinkedBlockingQueue<>();
    private final StreamObserver<ProcessingRequest> requests;
    private volatile boolean closedByServer;

    Stream() {
      requests = ExternalProcessorGrpc.newStub(channel).process(this);
    }

    ProcessingResponse call(ProcessingRequest request, ProcessingResponse.ResponseCase expected)
        throws InterruptedException {
      if (closedByServer) {
        throw new ExtProcFailure("ext_proc stream was closed by the server before " + request.getRequestCase());
      }
      requests.onNext(request);
      Object r = responses.poll(filter.messageTimeout().toMillis(), TimeUnit.MILLISECONDS);
      if (r == null) {
        throw new ExtProcFailure("ext_proc did not answer " + request.getRequestCase() + " within "
            + filter.messageTimeout() + " (Envoy would fail the request)");
      }
      if (r instanceof Throwable t) {
        throw new ExtProcFailure("ext_proc stream failed: " + Status.fromThrowable(t));
      }
      if (r instanceof String) {
        throw new ExtProcFailure("ext_proc stream completed by the server before answering " + request.getRequestCase());
      }
      ProcessingResponse resp = (ProcessingResponse) r;
      if (!resp.hasImmediateResponse() && resp.getResponseCase() != expected) {
        throw new ExtProcFailure("spurious ext_proc response " + resp.getResponseCase() + " to "
            + request.getRequestCase() + " (Envoy answers the client with 500)");
      }
      return resp;
    }

    @Override
    public void onNext(ProcessingResponse value) {
      responses.add(value);
    }

    @Override
    public void onError(Throwable t) {
      closedByServer = true;
      responses.add(t);
    }

    @Override
    public void onCompleted() {
      closedByServer = true;
      responses.add("completed");
    }

    void close() {
      if (!closedByServer) {
        requests.onCompleted();
      }
    }
  }

  /** The ext_proc server broke the protocol; a real Envoy would fail the request. */
  public static final class ExtProcFailure extends RuntimeException {
    public ExtProcFailure(String message) {
      super(message);
    }
  }
}
