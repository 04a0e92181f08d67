package dev.tollgate.testkit;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import dev.tollgate.testkit.ExtProcStream.Answer;
import dev.tollgate.testkit.ExtProcStream.Closed;
import dev.tollgate.testkit.ExtProcStream.Event;
import dev.tollgate.testkit.HeaderMutator.InvalidMutation;
import dev.tollgate.testkit.HeaderMutator.MutationRules;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.HeaderSendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse.ResponseCase;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Plays HTTP exchanges through an ext_proc server the way Envoy's ext_proc HTTP filter (1.40,
 * placed before the router) does:
 * <ul>
 *   <li>one gRPC stream per exchange, opened with the first message, which carries
 *       {@code protocol_config}; header and buffered-body messages each wait for their answer;
 *       streamed response chunks are sent as they arrive without waiting (answers matched first in,
 *       first out), end_of_stream on the last data chunk of a content-length body and on an extra
 *       empty chunk after a chunked one;</li>
 *   <li>the filter's processing mode decides which messages are sent; a {@code mode_override} in
 *       an answer to request or response headers changes it when {@code allowModeOverride} is set:
 *       DEFAULT header and trailer modes leave the configured mode, body modes are the override's
 *       (unset is NONE); overrides in other answers are ignored;</li>
 *   <li>header mutations go through {@link HeaderMutator}: removes before sets, {@code raw_value}
 *       only, {@code append_action} ignored, the {@code mutation_rules} enforced (a rejected
 *       mutation is ignored and counted); in streamed mode header mutations in body answers are
 *       ignored;</li>
 *   <li>in BUFFERED mode a body mutation whose size differs from a {@code content-length} the
 *       headers still carry is a 500 local reply; STREAMED bodies (and BUFFERED ones whose headers
 *       are not sent) lose their {@code content-length};</li>
 *   <li>routing uses {@code routeHeader} to pick a cluster; the route is picked again only when
 *       {@code clear_route_cache} came in an answer that also had a header mutation;</li>
 *   <li>{@code immediate_response} ends the exchange with that local reply;</li>
 *   <li>{@code CONTINUE_AND_REPLACE} in an answer to the response headers replaces the response's
 *       body with the answer's body mutation (adding one to a response that had none); no response
 *       body message is sent then;</li>
 *   <li>dynamic metadata is kept only for the filter's {@code receivingNamespaces}, merged by
 *       namespace;</li>
 *   <li>Envoy's own local replies (no route: 404; a buffered request body over
 *       {@code bufferLimitBytes}: 413) go through the response phases like an upstream answer; a
 *       buffered answer over the limit is a 500 that bypasses ext_proc;</li>
 *   <li>an optional {@link RateLimitFilter} stands for Envoy's rate-limit filter right after the
 *       ext_proc filter: once ext_proc is done with the request it sees the request headers and the
 *       dynamic metadata so far, and may refuse with its own 429 ({@code x-envoy-ratelimited} and
 *       its {@code x-ratelimit-*} headers, no body), which goes through the response phases;</li>
 *   <li>the router adds {@code x-envoy-upstream-service-time} to every upstream answer (not to a
 *       local reply);</li>
 *   <li>failures: a message timeout is a 504, a gRPC error or spurious answer a 500 (after the
 *       response headers have gone downstream: a {@link StreamReset}); a clean close by the server
 *       lets the rest of the exchange continue unprocessed.</li>
 * </ul>
 * The upstream call is real HTTP to the cluster's address (a fake provider on loopback).
 */
public final class EnvoyLikeClient {
  /** The namespace Tollgate emits its metadata in, and the one its Envoy configs let through. */
  public static final String TOLLGATE_METADATA_NAMESPACE = "io.envoy.ai_gateway";
  /** Envoy's default {@code per_connection_buffer_limit_bytes}. */
  public static final int ENVOY_DEFAULT_BUFFER_LIMIT_BYTES = 1024 * 1024;

  /**
   * The ext_proc filter's configuration as far as it matters here, plus the listener's buffer limit.
   *
   * @param receivingNamespaces {@code metadata_options.receiving_namespaces.untyped}: dynamic metadata
   *                            in other namespaces is dropped (empty: all dropped, Envoy's default)
   * @param bufferLimitBytes    the listener's {@code per_connection_buffer_limit_bytes}, which bounds
   *                            a buffered body
   */
  public record FilterConfig(ProcessingMode mode, boolean allowModeOverride, Duration messageTimeout,
                             MutationRules mutationRules, List<String> receivingNamespaces, int bufferLimitBytes) {
    public FilterConfig {
      receivingNamespaces = List.copyOf(receivingNamespaces);
    }

    /** Envoy's defaults for the rest: default mutation rules, no receiving namespaces, a 1 MiB limit. */
    public FilterConfig(ProcessingMode mode, boolean allowModeOverride, Duration messageTimeout) {
      this(mode, allowModeOverride, messageTimeout, MutationRules.DEFAULT, List.of(),
          ENVOY_DEFAULT_BUFFER_LIMIT_BYTES);
    }

    /**
     * What Tollgate's Envoy configs use: headers and buffered bodies, overrides allowed, a 30 s
     * message timeout, {@code allow_all_routing}, metadata received in {@code io.envoy.ai_gateway}
     * (as the controller writes; see ENVOY-EXTPROC-BEHAVIOUR row 1 for the example bootstrap), and
     * no {@code per_connection_buffer_limit_bytes}, so Envoy's 1 MiB.
     */
    public static FilterConfig tollgateDefault() {
      return new FilterConfig(ProcessingMode.newBuilder()
          .setRequestHeaderMode(HeaderSendMode.SEND)
          .setRequestBodyMode(BodySendMode.BUFFERED)
          .setResponseHeaderMode(HeaderSendMode.SEND)
          .setResponseBodyMode(BodySendMode.BUFFERED)
          .setRequestTrailerMode(HeaderSendMode.SKIP)
          .setResponseTrailerMode(HeaderSendMode.SKIP)
          .build(), true, Duration.ofSeconds(30), MutationRules.tollgate(),
          List.of(TOLLGATE_METADATA_NAMESPACE), ENVOY_DEFAULT_BUFFER_LIMIT_BYTES);
    }

    public FilterConfig withMode(ProcessingMode m) {
      return new FilterConfig(m, allowModeOverride, messageTimeout, mutationRules, receivingNamespaces, bufferLimitBytes);
    }

    public FilterConfig withAllowModeOverride(boolean allow) {
      return new FilterConfig(mode, allow, messageTimeout, mutationRules, receivingNamespaces, bufferLimitBytes);
    }

    public FilterConfig withMessageTimeout(Duration t) {
      return new FilterConfig(mode, allowModeOverride, t, mutationRules, receivingNamespaces, bufferLimitBytes);
    }

    public FilterConfig withMutationRules(MutationRules r) {
      return new FilterConfig(mode, allowModeOverride, messageTimeout, r, receivingNamespaces, bufferLimitBytes);
    }

    public FilterConfig withReceivingNamespaces(String... namespaces) {
      return new FilterConfig(mode, allowModeOverride, messageTimeout, mutationRules, List.of(namespaces),
          bufferLimitBytes);
    }

    public FilterConfig withBufferLimitBytes(int limit) {
      return new FilterConfig(mode, allowModeOverride, messageTimeout, mutationRules, receivingNamespaces, limit);
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
  private RateLimitFilter rateLimitFilter;

  /**
   * Envoy's rate-limit filter ({@code envoy.filters.http.ratelimit}) as Tollgate's Envoy configs
   * place it, between the ext_proc filter and the router: it decides on the request as ext_proc
   * left it. A refusal is a 429 local reply with {@code x-envoy-ratelimited: true} and the headers
   * returned here (Envoy's {@code x-ratelimit-limit}, {@code -remaining}, {@code -reset}).
   */
  @FunctionalInterface
  public interface RateLimitFilter {
    /**
     * @param requestHeaders  the request headers after ext_proc's mutations (pseudo-headers included)
     * @param dynamicMetadata the dynamic metadata ext_proc emitted so far, by namespace
     * @return the refusal's headers, or empty to let the request go on
     */
    java.util.Optional<Map<String, String>> check(Map<String, String> requestHeaders, Struct dynamicMetadata);
  }

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

  /** Puts a rate-limit filter after the ext_proc filter (null: none, the default). */
  public EnvoyLikeClient rateLimitFilter(RateLimitFilter filter) {
    this.rateLimitFilter = filter;
    return this;
  }

  /**
   * Plays one exchange.
   *
   * @throws StreamReset when Envoy would reset the client's stream (ext_proc failed after the
   *                     response headers went downstream)
   */
  public ProxyResponse send(HttpExchange request) throws IOException, InterruptedException {
    Exchange x = new Exchange(new ExtProcStream(channel, filter.mode()));
    try {
      return play(x, request);
    } finally {
      x.stream.end();
    }
  }

  /** What Envoy holds for one exchange. */
  private final class Exchange {
    final ExtProcStream stream;
    final HeaderMutator mutator = new HeaderMutator(filter.mutationRules());
    final Struct.Builder metadata = Struct.newBuilder();
    ProcessingMode mode = filter.mode();
    Map<String, String> reqHeaders = new LinkedHashMap<>();
    byte[] body;
    boolean routeCleared;
    /** ext_proc ended the stream cleanly: the rest of the exchange goes on without it. */
    boolean unprocessed;
    String cluster;
    /** The response headers have gone to the client: a failure now resets the stream. */
    boolean responseStarted;

    Exchange(ExtProcStream stream) {
      this.stream = stream;
    }
  }

  /** Envoy fails the exchange with a local reply that does not go through ext_proc again. */
  private static final class ExtProcError extends Exception {
    final int status;
    final String details;

    ExtProcError(int status, String details) {
      super(details);
      this.status = status;
      this.details = details;
    }
  }

  /** A local reply made by another filter or the router; it goes through the encoder filters. */
  private static final class EnvoyReply extends Exception {
    final ResponseSource source;

    EnvoyReply(ResponseSource source) {
      super(source.details());
      this.source = source;
    }
  }

  private ProxyResponse play(Exchange x, HttpExchange request) throws IOException, InterruptedException {
    try {
      Object r;
      try {
        r = requestPath(x, request);
      } catch (EnvoyReply reply) {
        r = reply.source;
      }
      return r instanceof ProxyResponse local ? local : responsePath(x, (ResponseSource) r);
    } catch (ExtProcError e) {
      x.stream.reset();
      if (x.responseStarted) {
        throw new StreamReset(e.details);
      }
      byte[] body = e.status == 500 && e.details.equals("response_payload_too_large")
          ? "Internal Server Error".getBytes(StandardCharsets.UTF_8) : new byte[0];
      Map<String, String> headers = new LinkedHashMap<>();
      if (body.length > 0) {
        headers.put("content-type", "text/plain");
      }
      return new ProxyResponse(e.status, headers, body, List.of(body), true, x.cluster, null,
          withoutPseudo(x.reqHeaders), x.body, x.metadata.build(), x.routeCleared, e.details, x.mutator.rejected(),
          List.of());
    }
  }

  /** The request phases and the upstream call: a ProxyResponse (ext_proc answered itself) or the response to process. */
  private Object requestPath(Exchange x, HttpExchange request)
      throws IOException, InterruptedException, ExtProcError, EnvoyReply {
    Map<String, String> reqHeaders = x.reqHeaders;
    reqHeaders.put(":method", request.method());
    reqHeaders.put(":path", request.path());
    reqHeaders.put(":authority", "gateway.local");
    reqHeaders.put(":scheme", "http");
    reqHeaders.putAll(request.headers());
    if (request.body().length > 0) {
      reqHeaders.put("content-length", Integer.toString(request.body().length));
    }
    x.body = request.body();
    String initialCluster = reqHeaders.get(routeHeader);

    // 1. request headers
    if (sends(x.mode.getRequestHeaderMode())) {
      ProcessingResponse r = call(x, ProcessingRequest.newBuilder().setRequestHeaders(HttpHeaders.newBuilder()
          .setHeaders(headerMap(reqHeaders)).setEndOfStream(x.body.length == 0)).build(), ResponseCase.REQUEST_HEADERS);
      if (r != null) {
        if (r.hasImmediateResponse()) {
          return local(x, r.getImmediateResponse());
        }
        x.mode = override(x.mode, r);
        CommonResponse c = r.getRequestHeaders().getResponse();
        mutate(x, c, reqHeaders);
        clearRouteCache(x, c);
      }
    }
    if (removesContentLength(x.mode.getRequestHeaderMode(), x.mode.getRequestBodyMode())) {
      reqHeaders.remove("content-length");
    }

    // 2. request body
    if (x.body.length > 0 && !x.unprocessed && x.mode.getRequestBodyMode() == BodySendMode.BUFFERED) {
      if (x.body.length > filter.bufferLimitBytes()) {
        throw new EnvoyReply(ResponseSource.localReply(413, "Payload Too Large", "request_payload_too_large"));
      }
      ProcessingResponse r = call(x, ProcessingRequest.newBuilder().setRequestBody(HttpBody.newBuilder()
          .setBody(ByteString.copyFrom(x.body)).setEndOfStream(true)).build(), ResponseCase.REQUEST_BODY);
      if (r != null) {
        if (r.hasImmediateResponse()) {
          return local(x, r.getImmediateResponse());
        }
        CommonResponse c = r.getRequestBody().getResponse();
        mutate(x, c, reqHeaders);
        x.body = mutateBuffered(c, reqHeaders, x.body);
        clearRouteCache(x, c);
      }
    } else if (x.body.length > 0 && !x.unprocessed && x.mode.getRequestBodyMode() == BodySendMode.STREAMED) {
      ProcessingResponse r = call(x, ProcessingRequest.newBuilder().setRequestBody(HttpBody.newBuilder()
          .setBody(ByteString.copyFrom(x.body)).setEndOfStream(true)).build(), ResponseCase.REQUEST_BODY);
      if (r != null) {
        if (r.hasImmediateResponse()) {
          return local(x, r.getImmediateResponse());
        }
        x.body = mutateStreamed(r.getRequestBody().getResponse(), x.body);
      }
    }

    // 3. the rate-limit filter, when there is one, on the request as ext_proc left it
    if (rateLimitFilter != null) {
      java.util.Optional<Map<String, String>> refusal = rateLimitFilter.check(Map.copyOf(reqHeaders), x.metadata.build());
      if (refusal.isPresent()) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("x-envoy-ratelimited", "true");
        headers.putAll(refusal.get());
        throw new EnvoyReply(ResponseSource.localReply(429, "", "request_rate_limited", headers));
      }
    }

    // 4. route: picked again only if the cache was cleared
    String cluster = x.routeCleared ? reqHeaders.get(routeHeader) : initialCluster;
    URI base = cluster == null ? null : clusters.get(cluster);
    if (base == null) {
      throw new EnvoyReply(ResponseSource.localReply(404, "", "route_not_found"));
    }
    x.cluster = cluster;

    // 5. upstream
    HttpRequest.Builder up = HttpRequest.newBuilder(base.resolve(reqHeaders.get(":path")))
        .timeout(Duration.ofSeconds(30))
        .method(reqHeaders.get(":method"), HttpRequest.BodyPublishers.ofByteArray(x.body));
    reqHeaders.forEach((k, v) -> {
      if (!k.startsWith(":") && !NOT_FORWARDED.contains(k)) {
        up.header(k, v);
      }
    });
    long sent = System.nanoTime();
    HttpResponse<InputStream> upstream = http.send(up.build(), HttpResponse.BodyHandlers.ofInputStream());
    return ResponseSource.upstream(upstream, (System.nanoTime() - sent) / 1_000_000);
  }

  /** The response phases, for an upstream answer or one of Envoy's own local replies. */
  private ProxyResponse responsePath(Exchange x, ResponseSource src)
      throws IOException, InterruptedException, ExtProcError {
    Map<String, String> respHeaders = src.headers();
    boolean endsWithHeaders = src.endsWithHeaders();

    // 6. response headers
    if (sends(x.mode.getResponseHeaderMode())) {
      ProcessingResponse r = call(x, ProcessingRequest.newBuilder().setResponseHeaders(HttpHeaders.newBuilder()
          .setHeaders(headerMap(respHeaders)).setEndOfStream(endsWithHeaders)).build(), ResponseCase.RESPONSE_HEADERS);
      if (r != null) {
        if (r.hasImmediateResponse()) {
          src.discard();
          return local(x, r.getImmediateResponse());
        }
        x.mode = override(x.mode, r);
        CommonResponse c = r.getResponseHeaders().getResponse();
        mutate(x, c, respHeaders);
        if (c.getStatus() == CommonResponse.ResponseStatus.CONTINUE_AND_REPLACE) {
          // the answer's body replaces the response's (one is added where there was none); no body message follows
          src.discard();
          byte[] replaced = mutateStreamed(c, new byte[0]);
          int status = Integer.parseInt(respHeaders.remove(":status"));
          return new ProxyResponse(status, respHeaders, replaced, List.of(replaced), src.local(), x.cluster,
              src.local() && x.cluster == null ? null : x.reqHeaders.get(":path"), withoutPseudo(x.reqHeaders), x.body,
              x.metadata.build(), x.routeCleared, src.details(), x.mutator.rejected(), List.of());
        }
      }
    }
    if (removesContentLength(x.mode.getResponseHeaderMode(), x.mode.getResponseBodyMode())) {
      respHeaders.remove("content-length");
    }

    // 7. response body
    List<byte[]> chunks = new ArrayList<>();
    List<ProxyResponse.StreamedMessage> streamed = new ArrayList<>();
    BodySendMode bodyMode = x.unprocessed ? BodySendMode.NONE : x.mode.getResponseBodyMode();
    if (endsWithHeaders) {
      src.discard();
    } else if (bodyMode == BodySendMode.BUFFERED) {
      byte[] whole = src.readAll();
      if (whole.length > filter.bufferLimitBytes()) {
        throw new ExtProcError(500, "response_payload_too_large");
      }
      ProcessingResponse r = call(x, ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
          .setBody(ByteString.copyFrom(whole)).setEndOfStream(true)).build(), ResponseCase.RESPONSE_BODY);
      if (r != null && r.hasImmediateResponse()) {
        return local(x, r.getImmediateResponse());
      }
      if (r != null) {
        CommonResponse c = r.getResponseBody().getResponse();
        mutate(x, c, respHeaders);
        whole = mutateBuffered(c, respHeaders, whole);
      }
      chunks.add(whole);
    } else if (bodyMode == BodySendMode.STREAMED) {
      x.responseStarted = true;
      chunks.addAll(streamBody(x, src, streamed));
    } else {
      chunks.add(src.readAll());
    }
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    chunks.forEach(all::writeBytes);
    int status = Integer.parseInt(respHeaders.remove(":status"));
    return new ProxyResponse(status, respHeaders, all.toByteArray(), List.copyOf(chunks), src.local(), x.cluster,
        src.local() && x.cluster == null ? null : x.reqHeaders.get(":path"), withoutPseudo(x.reqHeaders), x.body,
        x.metadata.build(), x.routeCleared, src.details(), x.mutator.rejected(), List.copyOf(streamed));
  }

  /**
   * STREAMED: each piece goes to ext_proc as it arrives, without waiting for earlier answers;
   * answers are matched in order. Returns the (possibly mutated) non-empty chunks in order, and
   * adds each message with what went on for it to {@code streamed}.
   */
  private List<byte[]> streamBody(Exchange x, ResponseSource src, List<ProxyResponse.StreamedMessage> streamed)
      throws IOException, InterruptedException, ExtProcError {
    List<byte[]> out = new ArrayList<>();
    Deque<Pending> waiting = new ArrayDeque<>();
    boolean eosSent = false;
    byte[] piece;
    while ((piece = src.next()) != null) {
      boolean last = src.endKnownWithLastPiece();
      List<byte[]> parts = responseSplitter.apply(piece);
      for (int i = 0; i < parts.size(); i++) {
        boolean eos = last && i == parts.size() - 1;
        sendChunk(x, waiting, parts.get(i), eos);
        eosSent |= eos;
      }
      Event e;
      while (!waiting.isEmpty() && !x.unprocessed && (e = x.stream.poll()) != null) {
        take(x, waiting, e, out, streamed);
      }
    }
    if (!eosSent) {
      sendChunk(x, waiting, new byte[0], true);
    }
    while (!waiting.isEmpty()) {
      take(x, waiting, x.unprocessed ? null : x.stream.next(filter.messageTimeout()), out, streamed);
    }
    return out;
  }

  /** A streamed body message waiting for its answer. */
  private record Pending(byte[] part, boolean eos) {
  }

  private void sendChunk(Exchange x, Deque<Pending> waiting, byte[] part, boolean eos) {
    if (!x.unprocessed) {
      x.stream.send(ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
          .setBody(ByteString.copyFrom(part)).setEndOfStream(eos)).build());
    }
    waiting.add(new Pending(part, eos));
  }

  /** Matches {@code e} to the oldest chunk waiting; null: ext_proc is gone and the chunk goes on as it was. */
  private void take(Exchange x, Deque<Pending> waiting, Event e, List<byte[]> out,
                    List<ProxyResponse.StreamedMessage> streamed) throws ExtProcError {
    Pending pending = waiting.poll();
    byte[] part = pending.part();
    ProcessingResponse r = e == null ? null : answer(x, e, ProcessingRequest.RequestCase.RESPONSE_BODY,
        ResponseCase.RESPONSE_BODY);
    if (r != null && r.hasImmediateResponse()) {
      throw new ExtProcError(500, "immediate_response after the response headers went to the client");
    }
    byte[] result = r == null ? part : mutateStreamed(r.getResponseBody().getResponse(), part);
    if (result.length > 0) {
      out.add(result);
    }
    streamed.add(new ProxyResponse.StreamedMessage(part, result, pending.eos()));
  }

  /** Sends {@code request} and waits for its answer; null when ext_proc is (or just went) away cleanly. */
  private ProcessingResponse call(Exchange x, ProcessingRequest request, ResponseCase expected)
      throws InterruptedException, ExtProcError {
    if (x.unprocessed) {
      return null;
    }
    x.stream.send(request);
    return answer(x, x.stream.next(filter.messageTimeout()), request.getRequestCase(), expected);
  }

  private ProcessingResponse answer(Exchange x, Event e, ProcessingRequest.RequestCase sent, ResponseCase expected)
      throws ExtProcError {
    if (e instanceof ExtProcStream.TimedOut) {
      throw new ExtProcError(504, "ext_proc_error_per-message_timeout_exceeded");
    }
    if (e instanceof Closed closed) {
      if (closed.status().isOk()) {
        x.unprocessed = true;
        return null;
      }
      Status s = closed.status();
      throw new ExtProcError(500, "ext_proc_error_gRPC_error_" + s.getCode().value() + "{"
          + (s.getDescription() == null ? "" : s.getDescription()) + "}");
    }
    ProcessingResponse r = ((Answer) e).response();
    if (!r.hasImmediateResponse() && r.getResponseCase() != expected) {
      throw new ExtProcError(500, "ext_proc_error_spurious_message{" + r.getResponseCase() + " to " + sent + "}");
    }
    merge(x.metadata, r);
    return r;
  }

  private void mutate(Exchange x, CommonResponse c, Map<String, String> headers) throws ExtProcError {
    try {
      x.mutator.apply(c.getHeaderMutation(), headers);
    } catch (InvalidMutation e) {
      throw new ExtProcError(500, "ext_proc_error_invalid_mutation{" + e.getMessage() + "}");
    }
  }

  /** Only with a header mutation in the same answer (Envoy counts the rest as clear_route_cache_ignored). */
  private static void clearRouteCache(Exchange x, CommonResponse c) {
    if (c.getClearRouteCache() && c.hasHeaderMutation()) {
      x.routeCleared = true;
    }
  }

  /**
   * Envoy's {@code ProcessorState::shouldRemoveContentLength}: a body that may change after the
   * headers went on cannot keep its length.
   */
  private static boolean removesContentLength(HeaderSendMode headers, BodySendMode body) {
    return body == BodySendMode.STREAMED || body == BodySendMode.BUFFERED_PARTIAL
        || body == BodySendMode.FULL_DUPLEX_STREAMED || body == BodySendMode.BUFFERED && !sends(headers);
  }

  private static boolean sends(HeaderSendMode m) {
    return m != HeaderSendMode.SKIP;
  }

  /**
   * Envoy's {@code effectiveModeOverride}, honoured only in answers to request or response headers
   * and only with {@code allow_mode_override}: DEFAULT header and trailer modes keep the filter's
   * configured ones; body modes are the override's.
   */
  private ProcessingMode override(ProcessingMode mode, ProcessingResponse r) {
    boolean headerAnswer = r.hasRequestHeaders() || r.hasResponseHeaders();
    if (!headerAnswer || !filter.allowModeOverride() || !r.hasModeOverride()) {
      return mode;
    }
    ProcessingMode o = r.getModeOverride();
    ProcessingMode configured = filter.mode();
    ProcessingMode.Builder b = o.toBuilder();
    if (o.getRequestHeaderMode() == HeaderSendMode.DEFAULT) {
      b.setRequestHeaderMode(configured.getRequestHeaderMode());
    }
    if (o.getResponseHeaderMode() == HeaderSendMode.DEFAULT) {
      b.setResponseHeaderMode(configured.getResponseHeaderMode());
    }
    if (o.getRequestTrailerMode() == HeaderSendMode.DEFAULT) {
      b.setRequestTrailerMode(configured.getRequestTrailerMode());
    }
    if (o.getResponseTrailerMode() == HeaderSendMode.DEFAULT) {
      b.setResponseTrailerMode(configured.getResponseTrailerMode());
    }
    return b.build();
  }

  /** A BUFFERED body answer: the mutated body must match a content-length the headers still carry. */
  private static byte[] mutateBuffered(CommonResponse c, Map<String, String> headers, byte[] original)
      throws ExtProcError {
    if (!c.hasBodyMutation()) {
      return original;
    }
    String length = headers.get("content-length");
    int mutated = c.getBodyMutation().getBody().size();
    if (length != null && length.matches("[0-9]{1,18}") && Long.parseLong(length) != mutated) {
      throw new ExtProcError(500, "mismatch between content length (" + length
          + ") and the length of the mutated body (" + mutated + ")");
    }
    return mutateStreamed(c, original);
  }

  private static byte[] mutateStreamed(CommonResponse c, byte[] original) {
    if (!c.hasBodyMutation()) {
      return original;
    }
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

  /** ext_proc's immediate_response; its headers obey the mutation rules too. */
  private static ProxyResponse local(Exchange x, ImmediateResponse ir) throws ExtProcError {
    Map<String, String> headers = new LinkedHashMap<>();
    try {
      x.mutator.apply(ir.getHeaders(), headers);
    } catch (InvalidMutation e) {
      throw new ExtProcError(500, "ext_proc_error_invalid_mutation{" + e.getMessage() + "}");
    }
    byte[] body = ir.getBody().toByteArray();
    int code = Math.max(200, ir.getStatus().getCodeValue());
    return new ProxyResponse(code, headers, body, List.of(body), true, null, null, Map.of(), null,
        x.metadata.build(), false, ir.getDetails(), x.mutator.rejected(), List.of());
  }

  /** Keeps the namespaces the filter receives, merging each with what came before. */
  private void merge(Struct.Builder into, ProcessingResponse r) {
    if (!r.hasDynamicMetadata()) {
      return;
    }
    r.getDynamicMetadata().getFieldsMap().forEach((ns, v) -> {
      if (!filter.receivingNamespaces().contains(ns) || !v.hasStructValue()) {
        return;
      }
      if (into.containsFields(ns)) {
        Struct merged = into.getFieldsOrThrow(ns).getStructValue().toBuilder()
            .putAllFields(v.getStructValue().getFieldsMap()).build();
        into.putFields(ns, com.google.protobuf.Value.newBuilder().setStructValue(merged).build());
      } else {
        into.putFields(ns, v);
      }
    });
  }

  private static HeaderMap headerMap(Map<String, String> headers) {
    HeaderMap.Builder b = HeaderMap.newBuilder();
    headers.forEach((k, v) -> b.addHeaders(HeaderValue.newBuilder().setKey(k).setRawValue(ByteString.copyFromUtf8(v))));
    return b.build();
  }

  /** The ext_proc server broke the protocol; a real Envoy would fail the request. */
  public static class ExtProcFailure extends RuntimeException {
    public ExtProcFailure(String message) {
      super(message);
    }
  }

  /**
   * ext_proc failed after the response headers had gone to the client: Envoy resets the stream
   * (the client sees the connection cut, not a status).
   */
  public static final class StreamReset extends ExtProcFailure {
    public StreamReset(String message) {
      super(message);
    }
  }
}
