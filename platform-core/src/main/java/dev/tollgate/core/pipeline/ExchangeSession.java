package dev.tollgate.core.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.ErrorFormats;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.CostCalculator;
import dev.tollgate.api.spi.PromptGuard;
import dev.tollgate.api.spi.RequestEnricher;
import dev.tollgate.api.spi.ProviderTranslator;
import dev.tollgate.api.spi.ResponseHead;
import dev.tollgate.core.config.CompiledConfig;
import dev.tollgate.core.config.CompiledConfig.ReadyBackend;
import dev.tollgate.core.config.GatewayConfig;
import dev.tollgate.core.encoding.ContentDecoder;
import dev.tollgate.core.encoding.ContentDecoders;
import dev.tollgate.core.encoding.ContentDecodingException;
import dev.tollgate.core.pipeline.PhaseResult.BodyMode;
import dev.tollgate.core.pipeline.PhaseResult.LocalReply;
import dev.tollgate.core.routing.Router;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP exchange through the gateway, phase by phase: request headers, request body, response
 * headers, response body. Not thread-safe: the proxy sends one phase at a time per exchange.
 */
public final class ExchangeSession {
  private static final Logger LOG = LoggerFactory.getLogger(ExchangeSession.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * Request headers never sent upstream: the gateway reads and rewrites answers, so they must come
   * uncompressed ({@code accept-encoding}); Envoy's compressor can compress for the client.
   */
  private static final Set<String> NOT_SENT_UPSTREAM = Set.of("accept-encoding");

  private enum State { REQUEST_HEADERS, REQUEST_BODY, RESPONSE_HEADERS, RESPONSE_BODY, PASSTHROUGH, DONE }

  private final CompiledConfig compiled;
  private final GatewayConfig config;
  private final RandomGenerator random;
  private final GatewayListener listener;

  private State state = State.REQUEST_HEADERS;
  private Headers requestHeaders = Headers.empty();
  private Endpoint endpoint;
  private final ByteArrayOutputStream requestBody = new ByteArrayOutputStream();
  private int requestBodyPieces;
  private ReadyBackend backend;
  private String model;
  private ProviderTranslator.Exchange exchange;
  private int responseStatus;
  private boolean responseStreaming;
  private String rule;
  private CompiledConfig.AppliedPolicies policies = CompiledConfig.AppliedPolicies.NONE;
  private boolean guardAnswer;
  /** A streamed answer guarded as it goes; null when not streamed, unguarded, or held whole. */
  private Guarding.ScannedStream scannedStream;
  /** A streamed answer held until its end because a response guard needs the whole text. */
  private Guarding.HeldStream heldStream;
  private final ByteArrayOutputStream heldBody = new ByteArrayOutputStream();
  /** Undoes the answer's content-encoding; null when it has none. */
  private ContentDecoder answerDecoder;
  /** A streamed answer that could not be decoded: its error event went out, the rest is dropped. */
  private boolean answerBroken;
  // streamed-answer timings for the listener (System.nanoTime); 0 = not yet
  private long sentNanos;
  private long firstChunkNanos;
  private long lastChunkNanos;

  ExchangeSession(CompiledConfig compiled, RandomGenerator random, GatewayListener listener) {
    this.compiled = compiled;
    this.config = compiled.config();
    this.random = random;
    this.listener = listener;
  }

  /** The client API whose error format this exchange answers in. */
  public ClientApi clientApi() {
    return endpoint == null ? config.clientSchema() : endpoint.clientApi();
  }

  /**
   * Whether the request body phase may call an extension that blocks (see
   * {@link dev.tollgate.api.spi.NonBlocking}); the request headers phase never calls one.
   */
  public boolean requestBodyMayBlock() {
    return compiled.blocking().requestSide();
  }

  /** Whether the response headers and body phases may call an extension that blocks. */
  public boolean responseMayBlock() {
    return compiled.blocking().responseSide();
  }

  /** Phase 1: the client's request headers. */
  public PhaseResult onRequestHeaders(Headers headers, boolean endOfStream) {
    if (state != State.REQUEST_HEADERS) {
      return outOfOrder("request headers");
    }
    // the gateway's own headers: whatever the client sent there is not its to choose
    requestHeaders = headers.without(config.modelHeader()).without(config.selectedBackendHeader());
    String path = headers.value(":path");
    String method = headers.get(":method").orElse("POST");
    endpoint = Endpoint.fromPath(path).orElse(null);
    if (endpoint == null) {
      if (config.unknownPaths() == GatewayConfig.UnknownPaths.PASSTHROUGH) {
        state = State.PASSTHROUGH;
        return withoutClientRoutingHeaders(null);
      }
      return fail(404, "unknown_path", "path " + sanitize(path) + " is not served by this gateway");
    }
    if (endpoint == Endpoint.MODELS) {
      if (!method.equals("GET")) {
        return fail(405, "method", "use GET for " + endpoint.path());
      }
      return modelsReply();
    }
    if (!method.equals("POST")) {
      return fail(405, "method", "use POST for " + endpoint.path());
    }
    if (endOfStream) {
      return fail(400, "no_body", "the request has no body; send a JSON body with a model");
    }
    state = State.REQUEST_BODY;
    return withoutClientRoutingHeaders(BodyMode.BUFFERED);
  }

  /**
   * The answer to request headers that go on: the model and selected-backend headers are removed,
   * whatever the client sent in them, and the proxy is asked to pick the route again, since it
   * resolved the first one from the client's headers. (Envoy clears its route cache only along
   * with a header mutation; the removal is one.)
   */
  private PhaseResult withoutClientRoutingHeaders(BodyMode requestBodyMode) {
    Set<String> remove = Set.copyOf(List.of(config.modelHeader(), config.selectedBackendHeader()));
    return new PhaseResult(Headers.empty(), remove, null, true, requestBodyMode, null, Map.of(), null);
  }

  /** Phase 2: the request body, whole (buffered) or in pieces; work starts at end of stream. */
  public PhaseResult onRequestBody(byte[] chunk, boolean endOfStream) {
    if (state == State.PASSTHROUGH) {
      return PhaseResult.CONTINUE;
    }
    if (state != State.REQUEST_BODY) {
      return outOfOrder("request body");
    }
    if ((long) requestBody.size() + chunk.length > config.maxRequestBodyBytes()) {
      return fail(413, "body_too_large", "request body is larger than " + config.maxRequestBodyBytes() + " bytes");
    }
    requestBody.writeBytes(chunk);
    requestBodyPieces++;
    if (!endOfStream) {
      // Streamed request body: hold each piece back; the whole translated body goes with the last one.
      return new PhaseResult(Headers.empty(), Set.of(), new byte[0], false, null, null, Map.of(), null);
    }
    try {
      return route(requestBody.toByteArray());
    } catch (GatewayException e) {
      return fail(e.status(), e.type(), e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("request translation failed for backend {}", backend == null ? "?" : backend.target().name(), e);
      return fail(500, "plugin_error", "internal error while preparing the upstream request");
    }
  }

  private PhaseResult route(byte[] clientBody) throws GatewayException {
    byte[] body = clientBody;
    ObjectNode parsed = parse(body);
    JsonNode modelNode = parsed.get("model");
    if (modelNode == null || !modelNode.isTextual() || modelNode.asText().isBlank()) {
      throw GatewayException.badRequest("the request body has no model; set \"model\" to one of the gateway's models");
    }
    model = modelNode.asText();
    Headers routed = requestHeaders.with(config.modelHeader(), model);
    Router.Route route = compiled.router().route(routed, random);
    rule = route.rule();
    backend = compiled.backends().get(route.backend());
    if (backend == null) {
      throw new GatewayException(500, "server_error", "backend '" + route.backend() + "' is not configured");
    }
    listener.routed(rule, route.backend(), model);
    if (!backend.translator().supports(endpoint)) {
      throw GatewayException.badRequest("backend '" + backend.target().name() + "' (schema " + backend.target().schema()
          + ") does not serve " + endpoint.path());
    }
    policies = compiled.policiesFor(rule, backend.target().name());
    if (applyRequestPolicies(parsed)) {
      body = Guarding.write(parsed);
    }
    boolean stream = parsed.path("stream").asBoolean(false);
    ClientRequest request = new ClientRequest(endpoint, routed, body, parsed, model, stream);
    exchange = backend.translator().start(request, backend.target());
    UpstreamRequest upstream = exchange.request();
    if (backend.auth().isPresent()) {
      upstream = backend.auth().get().apply(upstream, backend.target(), requestHeaders);
    }
    // A body that came whole and goes out byte for byte as it came (OpenAI to OpenAI) needs no
    // mutation: Envoy sends what it buffered. One held back in pieces must be sent whole.
    boolean bodyAsReceived = requestBodyPieces == 1 && Arrays.equals(upstream.body(), clientBody);
    Headers set = upstream.setHeaders()
        .with(config.modelHeader(), model)
        .with(config.selectedBackendHeader(), backend.target().name());
    if (!bodyAsReceived) {
      set = set.with("content-length", Integer.toString(upstream.body().length));
    }
    if (!upstream.path().equals(requestHeaders.value(":path"))) {
      set = set.with(":path", upstream.path());
    }
    Set<String> remove = new HashSet<>(upstream.removeHeaders());
    for (String h : NOT_SENT_UPSTREAM) {
      set = set.without(h);
      remove.add(h);
    }
    remove.removeAll(set.asMap().keySet());
    state = State.RESPONSE_HEADERS;
    sentNanos = System.nanoTime();
    return new PhaseResult(set, remove, bodyAsReceived ? null : upstream.body(), true, null, null, Map.of(), null);
  }

  /**
   * Request-side guards (masks are written into {@code parsed}), then enrichment, which changes
   * {@code parsed} in place. Returns whether the body changed.
   */
  private boolean applyRequestPolicies(ObjectNode parsed) throws GatewayException {
    PromptTexts texts = PromptTexts.ofRequest(endpoint, parsed);
    PromptGuard.Reject reject = Guarding.inspect(policies.guards(), PromptGuard.Direction.REQUEST, texts);
    if (reject != null) {
      throw new GatewayException(reject.status(), "guard_rejected_request", reject.message());
    }
    for (RequestEnricher e : policies.enrichers()) {
      ObjectNode enriched = e.enrich(endpoint, parsed);
      if (enriched != parsed) {
        parsed.removeAll();
        parsed.setAll(enriched);
      }
    }
    JsonNode m = parsed.get("model");
    if (m == null || !m.asText().equals(model)) {
      throw new GatewayException(500, "server_error", "request enrichment may not change the model");
    }
    return texts.changed() || !policies.enrichers().isEmpty();
  }

  private static ObjectNode parse(byte[] body) throws GatewayException {
    if (body.length == 0) {
      throw GatewayException.badRequest("the request body is empty; send a JSON object with a model");
    }
    try {
      JsonNode node = JSON.readTree(body);
      if (node == null || !node.isObject()) {
        throw GatewayException.badRequest("the request body must be a JSON object");
      }
      return (ObjectNode) node;
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
          + e.getLocation().getColumnNr();
      throw GatewayException.badRequest("the request body is not valid JSON" + where);
    } catch (java.io.IOException e) {
      throw GatewayException.badRequest("the request body cannot be read as JSON");
    }
  }

  /**
   * Phase 3: the response headers: the upstream's, or those of a reply the proxy made itself (a
   * timeout, no route, no healthy upstream, its buffer limit), which may come before the request
   * was routed.
   */
  public PhaseResult onResponseHeaders(Headers headers, boolean endOfStream) {
    if (state == State.PASSTHROUGH) {
      return PhaseResult.CONTINUE;
    }
    if (state == State.REQUEST_HEADERS || state == State.REQUEST_BODY) {
      return proxyReplyBeforeRouting(headers);
    }
    if (state != State.RESPONSE_HEADERS) {
      return outOfOrder("response headers");
    }
    responseStatus = parseStatus(headers.value(":status"));
    boolean encoded = headers.contains("content-encoding");
    if (encoded) {
      try {
        answerDecoder = ContentDecoders.forEncoding(headers.value("content-encoding"),
            config.maxDecodedResponseBytes()).orElse(null);
      } catch (ContentDecodingException e) {
        LOG.warn("backend {}: {}", backend.target().name(), e.getMessage());
        return fail(502, "undecodable_answer", e.getMessage());
      }
    }
    ResponseHead head;
    try {
      // the translator sees the answer as it will read it: decoded
      head = exchange.onResponseHeaders(responseStatus,
          encoded ? headers.without("content-encoding").without("content-length") : headers);
    } catch (GatewayException e) {
      return fail(e.status(), e.type(), e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("response translation failed for backend {}", backend.target().name(), e);
      return fail(502, "plugin_error", "internal error while reading the upstream's answer");
    }
    responseStreaming = head.streaming();
    guardAnswer = responseStatus < 400 && policies.guardsResponses();
    Set<String> remove = new HashSet<>(head.removeHeaders());
    Headers set = head.setHeaders();
    if (guardAnswer) {
      // a mask may change the length; a rejection replaces the body
      remove.add("content-length");
      scannedStream = responseStreaming ? Guarding.ScannedStream.open(endpoint, policies.guards()) : null;
      heldStream = responseStreaming && scannedStream == null ? new Guarding.HeldStream(endpoint) : null;
    }
    if (encoded) {
      // the client gets the decoded body: no stale encoding, no stale length
      set = set.without("content-encoding");
      remove.add("content-encoding");
      remove.add("content-length");
    }
    if (endOfStream) {
      state = State.DONE;
      byte[] error = bodilessError();
      if (error != null) {
        set = set.with("content-type", "application/json");
        remove.add("content-length");
        remove.remove("content-type");
      }
      return new PhaseResult(set, remove, error, false, null, null, finish(), null);
    }
    state = State.RESPONSE_BODY;
    return new PhaseResult(set, remove, null, false, null,
        responseStreaming ? BodyMode.STREAMED : BodyMode.BUFFERED, Map.of(), null);
  }

  /**
   * An error answer without a body (Envoy's own 404 for no route has none): the translator's
   * error for it, in the client's format, to go out in place of the missing body; null for a
   * success, which stays as it is.
   */
  private byte[] bodilessError() {
    if (responseStatus < 400) {
      return null;
    }
    try {
      byte[] error = exchange.onResponseBody(new byte[0], true);
      if (error.length > 0) {
        return error;
      }
    } catch (GatewayException | RuntimeException e) {
      LOG.warn("backend {}: cannot translate a {} answer without a body: {}", backend.target().name(),
          responseStatus, e.toString());
    }
    return errorBody(responseStatus, ProxyReplies.message(responseStatus));
  }

  /**
   * Response headers before the request was routed: the proxy answered by itself, e.g. with 413
   * when the request body outgrew its buffer while being buffered, or 408 when it came too slowly.
   * An error goes on with its status and the client's error format in place of the proxy's
   * plain-text body; anything else passes as it is.
   */
  private PhaseResult proxyReplyBeforeRouting(Headers headers) {
    int status = parseStatus(headers.value(":status"));
    LOG.debug("the proxy answered {} before the request was routed (state {})", status, state);
    state = State.DONE;
    listener.localReply(status, "proxy_reply");
    if (status < 400) {
      return PhaseResult.CONTINUE;
    }
    return new PhaseResult(Headers.of("content-type", "application/json"),
        Set.of("content-length", "content-encoding"), errorBody(status, ProxyReplies.message(status)), false, null,
        null, Map.of(), null);
  }

  /**
   * Phase 4: the upstream's response body, whole or chunk by chunk. Costs go out with the last
   * piece. In buffered mode the proxy sends the whole body in one message; its end of stream is
   * only missing when trailers follow, and those bring nothing more of the body.
   */
  public PhaseResult onResponseBody(byte[] chunk, boolean endOfStream) {
    if (state == State.PASSTHROUGH) {
      return PhaseResult.CONTINUE;
    }
    if (state != State.RESPONSE_BODY) {
      return outOfOrder("response body");
    }
    boolean last = endOfStream || !responseStreaming;
    if (answerBroken) {
      return bodyAnswer(new byte[0], last);
    }
    byte[] plain = chunk;
    if (answerDecoder != null) {
      try {
        plain = answerDecoder.decode(chunk, last);
      } catch (ContentDecodingException e) {
        return undecodable(e, last);
      }
    }
    byte[] out;
    try {
      out = plain.length == 0 && !last ? plain : exchange.onResponseBody(plain, last);
    } catch (GatewayException | RuntimeException e) {
      if (!responseStreaming) {
        LOG.warn("cannot translate the answer of backend {}: {}", backend.target().name(), e.toString());
        int status = e instanceof GatewayException g ? g.status() : 502;
        return fail(status, "bad_upstream_response", "the upstream's answer could not be translated");
      }
      // Headers are already on their way to the client: pass the bytes on rather than cut the stream.
      LOG.warn("cannot translate a streamed chunk of backend {}; passing it through: {}", backend.target().name(),
          e.toString());
      out = plain;
    }
    if (responseStreaming && out.length > 0) {
      lastChunkNanos = System.nanoTime();
      if (firstChunkNanos == 0) {
        firstChunkNanos = lastChunkNanos;
      }
    }
    if (guardAnswer) {
      PhaseResult guarded = guardAnswer(out, last);
      if (guarded != null) {
        return guarded;
      }
      out = last || scannedStream != null ? guardedBody : new byte[0];
    }
    boolean streamEnds = StreamEnd.isIn(clientApi(), out) || scannedStream != null && scannedStream.rejectedNow();
    if (!last && responseStreaming && streamEnds) {
      // the client may hang up as soon as it reads this (the end of its stream, or a guard's error
      // event): the costs go with it (and again at the end)
      return new PhaseResult(Headers.empty(), Set.of(), out == chunk ? null : out, false, null, null, costs(), null);
    }
    return bodyAnswer(out == chunk ? null : out, last);
  }

  /** A body answer; the last one ends the exchange and carries the costs. */
  private PhaseResult bodyAnswer(byte[] body, boolean last) {
    Map<String, Map<String, Object>> md = Map.of();
    if (last) {
      state = State.DONE;
      md = finish();
    }
    return new PhaseResult(Headers.empty(), Set.of(), body, false, null, null, md, null);
  }

  /**
   * A compressed answer that cannot be decoded (corrupt, cut short, or over the limit): a whole
   * answer becomes a 502; a streamed one, whose headers have gone, ends with an error event in the
   * client's stream format and its remaining chunks are dropped.
   */
  private PhaseResult undecodable(ContentDecodingException e, boolean last) {
    LOG.warn("backend {}: {}", backend.target().name(), e.getMessage());
    if (!responseStreaming) {
      return fail(502, "undecodable_answer", e.getMessage());
    }
    answerBroken = true;
    listener.localReply(502, "undecodable_answer");
    return bodyAnswer(Guarding.errorEvent(clientApi(), 502, e.getMessage()), last);
  }

  /**
   * Phase 5: the upstream's trailers. When an answer has trailers, its last body message has no
   * end of stream; the trailers end it instead. A streamed answer is finished here (final
   * translation, costs); bytes the translator or a response guard still held cannot go out any
   * more (a trailers answer carries no body), which is logged.
   */
  public PhaseResult onResponseTrailers() {
    if (state != State.RESPONSE_BODY) {
      return PhaseResult.CONTINUE; // already finished (a buffered body), passed through, or ended
    }
    PhaseResult last = onResponseBody(new byte[0], true);
    if (last.isLocalReply()) {
      // too late for a local reply: the answer is on its way; end it with what it has
      return PhaseResult.CONTINUE.withMetadata(last.metadata());
    }
    if (last.body() != null && last.body().length > 0) {
      LOG.warn("backend {}: the answer ended with trailers; {} bytes of its translated end could not be sent",
          backend.target().name(), last.body().length);
    }
    return PhaseResult.CONTINUE.withMetadata(last.metadata());
  }

  private byte[] guardedBody;

  /**
   * Runs the response guards over the translated answer: a stream that every guard can scan goes
   * on as it comes ({@link #guardedBody} is set for each piece); anything else is held until its
   * end ({@link #guardedBody} set then). Returns a local reply for a rejected whole answer;
   * otherwise null.
   */
  private PhaseResult guardAnswer(byte[] out, boolean endOfStream) {
    if (scannedStream != null) {
      guardedBody = scannedStream.add(out, endOfStream);
      return null;
    }
    if (heldStream != null) {
      heldStream.add(out);
      if (endOfStream) {
        guardedBody = heldStream.finish(policies.guards());
      }
      return null;
    }
    heldBody.writeBytes(out);
    if (!endOfStream) {
      return null;
    }
    byte[] whole = heldBody.toByteArray();
    ObjectNode json = Guarding.parseObject(whole);
    if (json == null) {
      guardedBody = whole;
      return null;
    }
    PromptTexts texts = PromptTexts.ofResponse(endpoint, json);
    PromptGuard.Reject reject = Guarding.inspect(policies.guards(), PromptGuard.Direction.RESPONSE, texts);
    if (reject != null) {
      Map<String, Map<String, Object>> md = finish();
      return fail(reject.status(), "guard_rejected_response", reject.message()).withMetadata(md);
    }
    guardedBody = texts.changed() ? Guarding.write(json) : whole;
    return null;
  }

  /** Tells the listener how the exchange ended; returns the costs to emit. */
  private Map<String, Map<String, Object>> finish() {
    TokenUsage usage = exchange.usage();
    String answeredModel = exchange.responseModel() == null ? model : exchange.responseModel();
    if (responseStreaming) {
      listener.streamed(backend.target().name(), answeredModel,
          firstChunkNanos == 0 ? null : java.time.Duration.ofNanos(firstChunkNanos - sentNanos),
          firstChunkNanos == 0 ? java.time.Duration.ZERO : java.time.Duration.ofNanos(lastChunkNanos - firstChunkNanos),
          usage);
    }
    listener.completed(backend.target().name(), model, answeredModel, responseStatus, usage);
    return costs();
  }

  /** The dynamic metadata of the usage read so far: backend, model and every configured cost. */
  private Map<String, Map<String, Object>> costs() {
    TokenUsage usage = exchange.usage();
    String answeredModel = exchange.responseModel() == null ? model : exchange.responseModel();
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("backend_name", backend.target().name());
    values.put("model_name", answeredModel);
    if (usage.isKnown()) {
      CostCalculator.CostInput input = new CostCalculator.CostInput(answeredModel, backend.target().name(), usage);
      for (CompiledConfig.ReadyCost cost : compiled.costsFor(rule)) {
        try {
          values.put(cost.metadataKey(), cost.calculator().cost(input));
        } catch (RuntimeException e) {
          LOG.error("cost {} failed; not emitted", cost.metadataKey(), e);
        }
      }
    }
    return Map.of(config.metadataNamespace(), values);
  }

  /** A request that never reached a backend ends here with an error in the client's format. */
  private PhaseResult fail(int status, String cause, String message) {
    state = State.DONE;
    listener.localReply(status, cause);
    return PhaseResult.reply(new LocalReply(status, Headers.of("content-type", "application/json"),
        errorBody(status, message), "tollgate_" + cause));
  }

  /** An error in the client's format. */
  private byte[] errorBody(int status, String message) {
    String type = clientApi() == ClientApi.ANTHROPIC ? ErrorFormats.anthropicType(status) : ErrorFormats.openAiType(status);
    return ErrorFormats.render(clientApi(), status, type, message);
  }

  private PhaseResult outOfOrder(String phase) {
    LOG.warn("{} arrived in state {}; ending the exchange", phase, state);
    return fail(500, "protocol", "the gateway received the " + phase + " out of order");
  }

  private PhaseResult modelsReply() {
    ObjectNode root = JSON.createObjectNode();
    root.put("object", "list");
    var data = root.putArray("data");
    for (String m : compiled.router().declaredModels()) {
      ObjectNode e = data.addObject();
      e.put("id", m);
      e.put("object", "model");
      e.put("created", 0);
      e.put("owned_by", "tollgate");
    }
    state = State.DONE;
    try {
      return PhaseResult.reply(new LocalReply(200, Headers.of("content-type", "application/json"),
          JSON.writeValueAsBytes(root), "tollgate_models"));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int parseStatus(String s) {
    try {
      return s == null ? 200 : Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      return 502;
    }
  }

  private static String sanitize(String path) {
    if (path == null) {
      return "(none)";
    }
    String p = path.length() > 200 ? path.substring(0, 200) + "…" : path;
    return p.replaceAll("[^\\x20-\\x7e]", "?");
  }
}
