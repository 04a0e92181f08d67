package dev.tollgate.core.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.toolkit.ErrorFormats;
import dev.tollgate.toolkit.UpstreamErrors;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamError;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.CostCalculator;
import dev.tollgate.api.spi.PromptGuard;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.api.spi.ResponseHead;
import dev.tollgate.core.clientapi.EndpointSpec;
import dev.tollgate.core.clientapi.EndpointSpecs;
import dev.tollgate.core.clientapi.LocalAnswer;
import dev.tollgate.core.clientapi.ParsedRequest;
import dev.tollgate.core.clientapi.PromptTexts;
import dev.tollgate.core.config.ClientKeys;
import dev.tollgate.core.config.CompiledConfig;
import dev.tollgate.core.config.CompiledConfig.ReadyBackend;
import dev.tollgate.core.config.ReadyConsumer;
import dev.tollgate.core.config.GatewayConfig;
import dev.tollgate.core.encoding.ContentDecoder;
import dev.tollgate.core.encoding.ContentDecoders;
import dev.tollgate.core.encoding.ContentDecodingException;
import dev.tollgate.core.pipeline.PhaseResult.BodyMode;
import dev.tollgate.core.pipeline.PhaseResult.LocalReply;
import dev.tollgate.core.routing.Router;
import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
  /**
   * Request headers never sent upstream: the gateway reads and rewrites answers, so they must come
   * uncompressed ({@code accept-encoding}); Envoy's compressor can compress for the client.
   */
  private static final Set<String> NOT_SENT_UPSTREAM = Set.of("accept-encoding");

  /**
   * HANDED_OFF: routed to a rule whose attempts Envoy's upstream filter translates; the answer
   * comes back already translated. PASSTHROUGH: nothing more to do for this exchange.
   */
  private enum State { REQUEST_HEADERS, REQUEST_BODY, RESPONSE_HEADERS, RESPONSE_BODY, HANDED_OFF, PASSTHROUGH, DONE }

  /**
   * ROUTER: the stream of Envoy's router-level filter (the client's exchange; for a rule of
   * placement ROUTER it also makes the one attempt). ATTEMPT: the stream of the upstream filter
   * for one attempt of a rule of placement UPSTREAM.
   */
  private enum Role { ROUTER, ATTEMPT }

  /**
   * Headers an attempt leaves alone although the router phase did not hand them over: the proxy
   * adds them after that phase ({@code x-envoy-*}, {@code x-forwarded-*}, the request id).
   */
  private static boolean proxyOwned(String header) {
    return header.startsWith(":") || header.equals("host") || header.startsWith("x-envoy-")
        || header.startsWith("x-forwarded-") || header.equals("x-request-id");
  }

  /** The kind of extension the request body phase is calling, to name the one that fails. */
  private enum Calling { NONE, TRANSLATOR, AUTH, ENRICHER }

  private final CompiledConfig compiled;
  private final GatewayConfig config;
  private final RandomGenerator random;
  private final GatewayListener listener;
  private final FailureLog failures;
  /** What client keys expire by. */
  private final Clock clock;
  private final Guarding.Failures guardFailures = (guard, error, status) -> failed("guard/" + guard.type(), error, status);

  private State state = State.REQUEST_HEADERS;
  private Role role = Role.ROUTER;
  /** This stream's attempt, in the ATTEMPT role. */
  private UpstreamAttempt attempt;
  /** The request headers the attempt was shown (a previous attempt's rewrite, on a retry). */
  private Headers attemptHeaders = Headers.empty();
  /** Where the router sent the request; null before routing and in the ATTEMPT role. */
  private Router.Route route;
  /** The usage last emitted with the costs of a streamed answer. */
  private TokenUsage emittedUsage;
  private Headers requestHeaders = Headers.empty();
  /**
   * Request headers the client sent that go no further (its key, its {@code x-tollgate-consumer*}
   * headers); the request headers phase removes them.
   */
  private final Set<String> dropped = new LinkedHashSet<>();
  /** Whose key the request carries; null when the config asks for none, and in the ATTEMPT role. */
  private ReadyConsumer consumer;
  /** The client endpoint; null before the request headers and for a path that is not one. */
  private EndpointSpec spec;
  private final ByteArrayOutputStream requestBody = new ByteArrayOutputStream();
  private int requestBodyPieces;
  private ReadyBackend backend;
  private String model;
  private Calling calling = Calling.NONE;
  /** The enricher being called, when {@link #calling} is {@link Calling#ENRICHER}. */
  private CompiledConfig.ReadyEnricher callingEnricher;
  private Translator.Exchange exchange;
  private int responseStatus;
  /** The answer is an error (status 400 and above): held whole, read, and written in the client's format. */
  private boolean errorAnswer;
  private Headers responseHeaders = Headers.empty();
  private final ByteArrayOutputStream errorBody = new ByteArrayOutputStream();
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
  // timings for the listener (System.nanoTime); 0 = not yet
  private long startNanos;
  /** The listener was given the exchange's duration: it is timed once. */
  private boolean timed;
  private long sentNanos;
  private long firstChunkNanos;
  private long lastChunkNanos;

  ExchangeSession(CompiledConfig compiled, RandomGenerator random, GatewayListener listener, FailureLog failures,
                  Clock clock) {
    this.compiled = compiled;
    this.config = compiled.config();
    this.random = random;
    this.listener = listener;
    this.failures = failures;
    this.clock = clock;
  }

  /** The consumer whose key the request carries; empty when the config asks for no key or before the check. */
  public Optional<ReadyConsumer> consumer() {
    return Optional.ofNullable(consumer);
  }

  /** The client API whose error format this exchange answers in. */
  public ClientApi clientApi() {
    return spec == null ? config.clientSchema() : spec.clientApi(requestHeaders);
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
    startNanos = System.nanoTime();
    // the gateway's own headers: whatever the client sent there is not its to choose
    requestHeaders = headers.without(config.modelHeader()).without(config.selectedBackendHeader());
    for (String h : headers.asMap().keySet()) {
      if (h.startsWith(ReadyConsumer.HEADER)) {
        requestHeaders = requestHeaders.without(h);
        dropped.add(h);
      }
    }
    String path = headers.value(":path");
    String method = headers.get(":method").orElse("POST");
    spec = Endpoint.fromPath(path).map(EndpointSpecs::of).orElse(null);
    if (compiled.clientKeys().required()) {
      PhaseResult refused = identifyConsumer(headers);
      if (refused != null) {
        return refused;
      }
    }
    if (spec == null) {
      if (config.unknownPaths() == GatewayConfig.UnknownPaths.PASSTHROUGH) {
        state = State.PASSTHROUGH;
        return withoutClientRoutingHeaders(null);
      }
      return fail(404, "unknown_path", unknownPath(path));
    }
    if (!method.equals(spec.method())) {
      return fail(405, "method", "use " + spec.method() + " for " + spec.endpoint().path());
    }
    LocalAnswer local = spec.localAnswer(headers, this::listedModels);
    if (local != null) {
      state = State.DONE;
      return PhaseResult.reply(new LocalReply(local.status(), Headers.of("content-type", "application/json"),
          local.json(), "tollgate_" + local.cause()));
    }
    if (endOfStream) {
      return fail(400, "no_body", "the request has no body; send a JSON body with a model");
    }
    state = State.REQUEST_BODY;
    return withoutClientRoutingHeaders(BodyMode.BUFFERED);
  }

  /**
   * The client key check: the key (see {@link ClientKeyHeaders}) must be one of a consumer's and
   * in force. The key headers go no further either way: the backend's own credentials are the
   * auth handler's to set. Returns the 401 for a missing, unknown or expired key; null when
   * {@link #consumer} is known.
   */
  private PhaseResult identifyConsumer(Headers headers) {
    String key = ClientKeyHeaders.find(headers);
    for (String h : ClientKeyHeaders.NAMES) {
      requestHeaders = requestHeaders.without(h);
      dropped.add(h);
    }
    if (key == null) {
      return fail(401, "client_key", "this gateway needs a client key; " + ClientKeyHeaders.HOW_TO_SEND);
    }
    ClientKeys.Identity identity = compiled.clientKeys().identify(key, clock.instant());
    if (identity instanceof ClientKeys.Known known) {
      consumer = known.consumer();
      return null;
    }
    if (identity instanceof ClientKeys.Expired expired) {
      LOG.debug("a key of consumer '{}' that expired at {} was refused", expired.consumer().name(), expired.at());
      return fail(401, "client_key", "the client key expired at " + expired.at()
          + "; ask the gateway's operator for a new one");
    }
    return fail(401, "client_key", "the client key is not valid for this gateway");
  }

  /** The models {@code GET /v1/models} lists: those the rules declare that the consumer may use. */
  private List<String> listedModels() {
    List<String> declared = compiled.router().declaredModels();
    return consumer == null ? declared : declared.stream().filter(consumer::allows).toList();
  }

  /**
   * Phase 1 of one upstream attempt (placement UPSTREAM): the request headers as Envoy has them
   * for this attempt, the backend it picked and the router phase's hand-over. Nothing is decided
   * yet; the body phase translates and signs for {@code attempt.backend()}.
   */
  public PhaseResult onAttemptHeaders(Headers headers, UpstreamAttempt attempt, boolean endOfStream) {
    if (state != State.REQUEST_HEADERS) {
      return outOfOrder("request headers");
    }
    startNanos = System.nanoTime();
    role = Role.ATTEMPT;
    this.attempt = attempt;
    attemptHeaders = headers;
    Handoff handoff = Handoff.fromMetadata(attempt.handoff());
    if (handoff == null) {
      LOG.error("an upstream attempt for backend '{}' came without the router phase's hand-over (dynamic metadata {});"
          + " the rule's cluster must forward that namespace and the router-level ext_proc filter must receive it:"
          + " regenerate the Envoy config with tollgate translate", attempt.backend(), UpstreamPlacement.HANDOFF_NAMESPACE);
      return fail(500, "no_handoff", "the gateway's Envoy configuration is incomplete (an attempt without hand-over)");
    }
    rule = handoff.rule();
    requestHeaders = handoff.headers();
    spec = Endpoint.fromPath(handoff.path()).map(EndpointSpecs::of).orElse(null);
    backend = attempt.backend() == null ? null : compiled.backends().get(attempt.backend());
    if (backend == null) {
      LOG.error("Envoy chose backend '{}' for an attempt of rule '{}', which the gateway config does not define;"
          + " the Envoy config and the gateway config are out of step", attempt.backend(), rule);
      return fail(500, "unknown_backend", "backend '" + attempt.backend() + "' is not configured");
    }
    if (spec == null) {
      return fail(500, "protocol", "the hand-over names path " + sanitize(handoff.path()) + ", which is not served");
    }
    if (endOfStream) {
      return fail(400, "no_body", "the request has no body; send a JSON body with a model");
    }
    state = State.REQUEST_BODY;
    return PhaseResult.CONTINUE;
  }

  /**
   * The answer to request headers that go on: the model and selected-backend headers are removed,
   * whatever the client sent in them, and the proxy is asked to pick the route again, since it
   * resolved the first one from the client's headers. (Envoy clears its route cache only along
   * with a header mutation; the removal is one.) The client's key and {@code x-tollgate-consumer*}
   * headers are removed too, and the consumer goes into the dynamic metadata, where the proxy's
   * rate-limit filter reads it.
   */
  private PhaseResult withoutClientRoutingHeaders(BodyMode requestBodyMode) {
    Set<String> remove = new LinkedHashSet<>(List.of(config.modelHeader(), config.selectedBackendHeader()));
    remove.addAll(dropped);
    Map<String, Map<String, Object>> metadata = consumer == null ? Map.of()
        : Map.of(config.metadataNamespace(), consumer.metadataValues());
    return new PhaseResult(Headers.empty(), remove, null, true, requestBodyMode, null, metadata, null);
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
    requestBodyPieces++;
    if (!endOfStream) {
      // Streamed request body: hold each piece back; the whole translated body goes with the last one.
      requestBody.writeBytes(chunk);
      return new PhaseResult(Headers.empty(), Set.of(), new byte[0], false, null, null, Map.of(), null);
    }
    // a buffered body comes whole in one message: used as it is, without two copies through the buffer
    byte[] whole = requestBody.size() == 0 ? chunk : concat(requestBody, chunk);
    try {
      return role == Role.ATTEMPT ? attemptRequest(whole) : route(whole);
    } catch (GatewayException e) {
      if (e.status() >= 500 && calling != Calling.NONE) {
        failed(callingName(), e, e.status());
      }
      return fail(e.status(), e.type(), e.getMessage());
    } catch (RuntimeException e) {
      failed(calling == Calling.NONE ? "gateway" : callingName(), e, 500);
      return fail(500, "plugin_error", "internal error while preparing the upstream request");
    }
  }

  private static byte[] concat(ByteArrayOutputStream held, byte[] last) {
    held.writeBytes(last);
    return held.toByteArray();
  }

  /** The client's exchange: parse once, route, then the attempt here or Envoy's attempts upstream. */
  private PhaseResult route(byte[] clientBody) throws GatewayException {
    ParsedRequest parsed = spec.parse(clientBody);
    model = parsed.model();
    if (consumer != null && !consumer.allows(model)) {
      return fail(403, "model_not_allowed", "consumer '" + consumer.name() + "' may not use model '" + model
          + "'; its models: " + consumer.models());
    }
    Headers routed = requestHeaders.with(config.modelHeader(), model);
    // rules may match the consumer; its headers are in the router's view only
    route = compiled.router().route(consumer == null ? routed : consumer.addHeaders(routed), random);
    rule = route.rule();
    if (route.handedOff()) {
      return handOff();
    }
    backend = compiled.backends().get(route.backend());
    if (backend == null) {
      throw new GatewayException(500, "server_error", "backend '" + route.backend() + "' is not configured");
    }
    listener.routed(rule, route.backend(), model);
    return attempt(parsed, clientBody, routed);
  }

  /**
   * The candidates the router found, in order (the first is where a rule of placement ROUTER
   * sends the request); empty before routing and in an upstream attempt.
   */
  public List<String> candidates() {
    return route == null ? List.of() : route.candidates();
  }

  /**
   * A rule of placement UPSTREAM: Envoy's route for the rule leads to its cluster, and each
   * attempt there is translated by the upstream filter's stream. Every candidate must serve the
   * endpoint (an attempt cannot refuse and still fall back: Envoy does not retry a local reply).
   * The body goes on as the client sent it; Envoy replays it to each attempt.
   */
  private PhaseResult handOff() throws GatewayException {
    for (String name : route.candidates()) {
      ReadyBackend b = compiled.backends().get(name);
      if (b == null) {
        throw new GatewayException(500, "server_error", "backend '" + name + "' is not configured");
      }
      if (b.translator(spec.endpoint()).isEmpty()) {
        throw GatewayException.badRequest("backend '" + name + "' (schema " + b.target().schema() + "), a candidate of"
            + " rule '" + rule + "', does not serve " + spec.endpoint().path());
      }
    }
    Map<String, String> handed = new LinkedHashMap<>(requestHeaders.asMap());
    handed.keySet().removeIf(h -> h.startsWith(":"));
    Handoff handoff = new Handoff(rule, requestHeaders.value(":path"), Headers.of(handed));
    state = State.HANDED_OFF;
    sentNanos = System.nanoTime();
    Headers set = Headers.of(config.modelHeader(), model,
        config.selectedBackendHeader(), config.rule(rule).orElseThrow().routeTarget());
    return new PhaseResult(set, Set.of(), null, true, null, null,
        Map.of(UpstreamPlacement.HANDOFF_NAMESPACE, handoff.toMetadata()), null);
  }

  /** An upstream attempt's body: the client's request as the router phase let it go on. */
  private PhaseResult attemptRequest(byte[] clientBody) throws GatewayException {
    ParsedRequest parsed = spec.parse(clientBody);
    model = parsed.model();
    listener.routed(rule, backend.target().name(), model);
    return attempt(parsed, clientBody, requestHeaders.with(config.modelHeader(), model));
  }

  /**
   * One attempt for {@link #backend}: the rule's request policies for that backend, translation,
   * credentials, and the header and body mutations that make the upstream request.
   */
  private PhaseResult attempt(ParsedRequest parsed, byte[] clientBody, Headers routed) throws GatewayException {
    byte[] body = clientBody;
    Translator translator = backend.translator(spec.endpoint()).orElse(null);
    if (translator == null) {
      throw GatewayException.badRequest("backend '" + backend.target().name() + "' (schema " + backend.target().schema()
          + ") does not serve " + spec.endpoint().path());
    }
    policies = compiled.policiesFor(rule, backend.target().name());
    if (applyRequestPolicies(parsed)) {
      body = Guarding.write(parsed.json());
    }
    ClientRequest request = new ClientRequest(spec.endpoint(), routed, body, parsed.json(), model, parsed.stream());
    calling = Calling.TRANSLATOR;
    exchange = translator.start(request);
    UpstreamRequest upstream = exchange.request();
    if (backend.auth().isPresent()) {
      // the client's credential headers never reach a backend that has credentials of its own
      // (the auth handler sets the one it needs; a passthrough auth copies the client's own back)
      for (String h : ClientKeyHeaders.NAMES) {
        if (upstream.setHeaders().get(h).isEmpty()) {
          upstream = upstream.withoutHeader(h);
        }
      }
      calling = Calling.AUTH;
      upstream = backend.auth().get().apply(upstream, backend.target(), requestHeaders);
    }
    calling = Calling.NONE;
    if (role == Role.ATTEMPT) {
      return attemptMutations(upstream, clientBody);
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
   * The mutations of an upstream attempt. Envoy shows a retry the headers the previous attempt
   * left (its path, host, credentials and length), so an attempt writes the whole request: the
   * handed-over headers with the translator's and auth handler's changes, this backend's path,
   * Host and length, and removes every other header but the proxy's own.
   */
  private PhaseResult attemptMutations(UpstreamRequest upstream, byte[] clientBody) {
    Map<String, String> wanted = new LinkedHashMap<>(requestHeaders.asMap());
    upstream.removeHeaders().forEach(wanted::remove);
    NOT_SENT_UPSTREAM.forEach(wanted::remove);
    wanted.remove("transfer-encoding");
    wanted.putAll(upstream.setHeaders().asMap());
    wanted.put(config.modelHeader(), model);
    wanted.put(config.selectedBackendHeader(), backend.target().name());
    wanted.put("content-length", Integer.toString(upstream.body().length));
    wanted.put(":path", upstream.path());
    if (attempt.host() != null && !attempt.host().isEmpty() && !wanted.containsKey(":authority")
        && !wanted.containsKey("host")) {
      wanted.put(":authority", attempt.host());
    }
    Set<String> remove = new HashSet<>();
    for (String h : attemptHeaders.asMap().keySet()) {
      if (!wanted.containsKey(h) && !proxyOwned(h)) {
        remove.add(h);
      }
    }
    state = State.RESPONSE_HEADERS;
    sentNanos = System.nanoTime();
    byte[] body = Arrays.equals(upstream.body(), clientBody) ? null : upstream.body();
    return new PhaseResult(Headers.of(wanted), remove, body, false, null, null, Map.of(), null);
  }

  /**
   * Request-side guards (masks are written into {@code parsed}), then enrichment, which changes
   * {@code parsed} in place. Returns whether the body changed.
   */
  private boolean applyRequestPolicies(ParsedRequest request) throws GatewayException {
    ObjectNode parsed = request.json();
    PromptTexts texts = spec.requestTexts(parsed);
    PromptGuard.Reject reject = Guarding.inspect(policies.guards(), PromptGuard.Direction.REQUEST, texts, guardFailures);
    if (reject != null) {
      throw new GatewayException(reject.status(), "guard_rejected_request", reject.message());
    }
    for (CompiledConfig.ReadyEnricher e : policies.enrichers()) {
      calling = Calling.ENRICHER;
      callingEnricher = e;
      ObjectNode enriched = e.enricher().enrich(spec.endpoint(), parsed);
      if (enriched != parsed) {
        parsed.removeAll();
        parsed.setAll(enriched);
      }
      if (!request.keepsModel()) {
        throw new GatewayException(500, "server_error", "request enrichment may not change the model");
      }
    }
    calling = Calling.NONE;
    return texts.changed() || !policies.enrichers().isEmpty();
  }

  /**
   * Phase 3: the response headers: the upstream's, or those of a reply the proxy made itself (a
   * timeout, no route, no healthy upstream, its buffer limit), which may come before the request
   * was routed.
   */
  public PhaseResult onResponseHeaders(Headers headers, boolean endOfStream) {
    if (role == Role.ROUTER && state != State.DONE && isBudgetRefusal(headers)) {
      return budgetRefusal(headers);
    }
    if (state == State.PASSTHROUGH) {
      return PhaseResult.CONTINUE;
    }
    if (state == State.REQUEST_HEADERS || state == State.REQUEST_BODY) {
      return proxyReply(headers);
    }
    if (state == State.HANDED_OFF) {
      return handedBack(headers);
    }
    PhaseResult r = answerHeaders(headers, endOfStream);
    return role == Role.ATTEMPT && !r.isLocalReply() ? r.withHeader(UpstreamPlacement.ATTEMPT_HEADER,
        backend.target().name()) : r;
  }

  /**
   * Whether an answer is the proxy's rate-limit filter refusing the request because a token
   * budget is used up: a 429 marked {@code x-envoy-ratelimited} that no upstream sent (the router
   * adds {@code x-envoy-upstream-service-time} to every upstream's answer). The filter sits
   * between the router-level ext_proc filter and the router, so only that stream sees it: for a
   * rule of placement ROUTER after the request went on, for one of placement UPSTREAM in the
   * HANDED_OFF state, without an attempt's marker.
   */
  static boolean isBudgetRefusal(Headers headers) {
    String status = headers.value(":status");
    return status != null && status.strip().equals("429") && headers.contains("x-envoy-ratelimited")
        && !headers.contains("x-envoy-upstream-service-time") && !headers.contains(UpstreamPlacement.ATTEMPT_HEADER);
  }

  /**
   * A budget's refusal as a 429 in the client's error format, naming the consumer and when the
   * budget resets ({@code x-ratelimit-reset}, in seconds, which also becomes {@code retry-after});
   * the {@code x-ratelimit-*} headers stay, and so does the proxy's {@code x-envoy-ratelimited}
   * (Envoy's mutation rules keep {@code x-envoy-*} headers out of an ext_proc server's reach).
   */
  private PhaseResult budgetRefusal(Headers headers) {
    state = State.DONE;
    String reset = headers.value("x-ratelimit-reset");
    String seconds = reset != null && reset.strip().matches("[0-9]{1,10}") ? reset.strip() : null;
    String who = consumer == null ? "this client" : "consumer '" + consumer.name() + "'";
    String message = who + " has used up its budget; " + (seconds == null ? "try again later"
        : "it resets in " + seconds + (seconds.equals("1") ? " second" : " seconds"));
    listener.localReply(429, "budget", facts(null));
    Headers set = Headers.of("content-type", "application/json");
    if (seconds != null) {
      set = set.with("retry-after", seconds);
    }
    byte[] body = ErrorFormats.render(clientApi(), 429, new UpstreamError(ErrorFormats.openAiType(429), message,
        "rate_limit_exceeded"));
    return new PhaseResult(set, Set.of("content-length", "content-encoding"), body, false,
        null, null, Map.of(), null);
  }

  /**
   * The answer to a handed-off exchange, at the router level: one an attempt processed (it is
   * marked) goes on as it is; any other is the proxy's own (no healthy upstream, every attempt
   * failed to connect, a timeout) and becomes an error in the client's format.
   */
  private PhaseResult handedBack(Headers headers) {
    if (!headers.contains(UpstreamPlacement.ATTEMPT_HEADER)) {
      return proxyReply(headers);
    }
    state = State.PASSTHROUGH;
    return new PhaseResult(Headers.empty(), Set.of(UpstreamPlacement.ATTEMPT_HEADER), null, false, null,
        BodyMode.NONE, Map.of(), null);
  }

  private PhaseResult answerHeaders(Headers headers, boolean endOfStream) {
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
    Headers plainHeaders = encoded ? headers.without("content-encoding").without("content-length") : headers;
    if (responseStatus >= 400) {
      return errorHeaders(plainHeaders, encoded, endOfStream);
    }
    ResponseHead head;
    try {
      // the translator sees the answer as it will read it: decoded
      head = exchange.onResponseHeaders(responseStatus, plainHeaders);
    } catch (GatewayException e) {
      if (e.status() >= 500) {
        failed(translatorName(), e, e.status());
      }
      return fail(e.status(), e.type(), e.getMessage());
    } catch (RuntimeException e) {
      failed(translatorName(), e, 502);
      return fail(502, "plugin_error", "internal error while reading the upstream's answer");
    }
    responseStreaming = head.streaming();
    guardAnswer = policies.guardsResponses();
    Set<String> remove = new HashSet<>(head.removeHeaders());
    Headers set = head.setHeaders();
    if (guardAnswer) {
      // a mask may change the length; a rejection replaces the body
      remove.add("content-length");
      scannedStream = responseStreaming ? Guarding.ScannedStream.open(spec, policies.guards(), guardFailures) : null;
      heldStream = responseStreaming && scannedStream == null ? new Guarding.HeldStream(spec) : null;
    }
    if (encoded) {
      // the client gets the decoded body: no stale encoding, no stale length
      set = set.without("content-encoding");
      remove.add("content-encoding");
      remove.add("content-length");
    }
    if (endOfStream) {
      return new PhaseResult(set, remove, null, false, null, null, done(), null);
    }
    state = State.RESPONSE_BODY;
    return new PhaseResult(set, remove, null, false, null,
        responseStreaming ? BodyMode.STREAMED : BodyMode.BUFFERED, Map.of(), null);
  }

  /**
   * The headers of an error answer: it goes to the client with its status, as JSON in the
   * client's error format, so its length changes. The body is held whole (see
   * {@link #errorAnswer(byte[], boolean)}); an answer without one (Envoy's own 404 for no route
   * has none) gets its error now.
   */
  private PhaseResult errorHeaders(Headers headers, boolean encoded, boolean endOfStream) {
    errorAnswer = true;
    responseHeaders = headers;
    Headers set = Headers.of("content-type", "application/json");
    Set<String> remove = new HashSet<>(Set.of("content-length"));
    if (encoded) {
      remove.add("content-encoding");
    }
    if (endOfStream) {
      return new PhaseResult(set, remove, clientError(new byte[0]), false, null, null, done(), null);
    }
    state = State.RESPONSE_BODY;
    return new PhaseResult(set, remove, null, false, null, BodyMode.BUFFERED, Map.of(), null);
  }

  /** A piece of an error answer's body: held until its end, then the client's error. */
  private PhaseResult errorAnswer(byte[] plain, boolean last) {
    errorBody.writeBytes(plain);
    return bodyAnswer(last ? clientError(errorBody.toByteArray()) : new byte[0], last);
  }

  /**
   * The upstream's error in the client's format: read by the translator, else by the platform;
   * an empty body (the proxy's own replies) gets the status's usual message.
   */
  private byte[] clientError(byte[] body) {
    UpstreamError error = null;
    if (body.length == 0) {
      error = UpstreamError.of(ProxyReplies.message(responseStatus));
    } else {
      try {
        error = exchange.onError(responseStatus, responseHeaders, body);
      } catch (RuntimeException e) {
        failed(translatorName(), e, responseStatus); // the platform reads the error instead
      }
      if (error == null) {
        error = UpstreamErrors.read(clientApi(), responseStatus, responseHeaders, body);
      }
    }
    return ErrorFormats.render(clientApi(), responseStatus, error);
  }

  /**
   * Response headers the proxy made by itself: before the request was routed, e.g. 413 when the
   * request body outgrew its buffer while being buffered or 408 when it came too slowly; after a
   * hand-over, e.g. 503 when every attempt failed to connect or 504 when the last one timed out.
   * An error goes on with its status and the client's error format in place of the proxy's
   * plain-text body; anything else passes as it is.
   */
  private PhaseResult proxyReply(Headers headers) {
    int status = parseStatus(headers.value(":status"));
    LOG.debug("the proxy answered {} by itself (state {})", status, state);
    listener.localReply(status, "proxy_reply", facts(null));
    if (status < 400) {
      state = State.PASSTHROUGH;
      return PhaseResult.CONTINUE;
    }
    state = State.DONE;
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
    if (errorAnswer) {
      return errorAnswer(plain, last);
    }
    byte[] out;
    try {
      out = plain.length == 0 && !last ? plain : exchange.onResponseBody(plain, last);
    } catch (GatewayException | RuntimeException e) {
      if (!responseStreaming) {
        // a GatewayException's message is for the client; anything else is the plugin's business
        int status = e instanceof GatewayException g ? g.status() : 502;
        if (status >= 500) {
          failed(translatorName(), e, status);
        }
        return e instanceof GatewayException g ? fail(g.status(), "bad_upstream_response", g.getMessage())
            : fail(502, "bad_upstream_response", "the upstream's answer could not be translated");
      }
      // Headers are already on their way to the client: pass the bytes on rather than cut the stream.
      failed(translatorName() + " (a streamed chunk, passed on untranslated)", e, responseStatus);
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
    boolean streamEnds = spec.streamEnd().isIn(out) || scannedStream != null && scannedStream.rejectedNow();
    if (!last && responseStreaming && (streamEnds || usageChanged())) {
      // the client may hang up as soon as it reads this (the end of its stream, or a guard's error
      // event): the costs go with it (and again at the end)
      return new PhaseResult(Headers.empty(), Set.of(), out == chunk ? null : out, false, null, null, costs(), null);
    }
    return bodyAnswer(out == chunk ? null : out, last);
  }

  /**
   * Whether a streamed answer's usage changed since its costs last went out. They go out again
   * then, so that a stream the upstream cuts (Envoy resets the client's stream, nothing more can
   * be sent) is still charged for what it used.
   */
  private boolean usageChanged() {
    TokenUsage usage = exchange.usage();
    return usage.isKnown() && !usage.equals(emittedUsage);
  }

  /** A body answer; the last one ends the exchange and carries the costs. */
  private PhaseResult bodyAnswer(byte[] body, boolean last) {
    return new PhaseResult(Headers.empty(), Set.of(), body, false, null, null, last ? done() : Map.of(), null);
  }

  /** Ends the exchange: tells the listener and returns the costs to emit. */
  private Map<String, Map<String, Object>> done() {
    state = State.DONE;
    return finish();
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
    listener.localReply(502, "undecodable_answer", facts(answeredModel()));
    return bodyAnswer(spec.streamError(502, e.getMessage()), last);
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
        guardedBody = heldStream.finish(policies.guards(), guardFailures);
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
    PromptTexts texts = spec.answerTexts(json);
    PromptGuard.Reject reject = Guarding.inspect(policies.guards(), PromptGuard.Direction.RESPONSE, texts, guardFailures);
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
    ExchangeFacts facts = facts(answeredModel());
    if (responseStreaming) {
      listener.streamed(facts,
          firstChunkNanos == 0 ? null : java.time.Duration.ofNanos(firstChunkNanos - sentNanos),
          firstChunkNanos == 0 ? java.time.Duration.ZERO : java.time.Duration.ofNanos(lastChunkNanos - firstChunkNanos),
          usage);
    }
    listener.completed(facts, responseStatus, usage);
    return costs();
  }

  /** The model that answered: the one the answer names, else the client's. */
  private String answeredModel() {
    return exchange == null || exchange.responseModel() == null ? model : exchange.responseModel();
  }

  /** What the listener is told of this exchange; the duration only the first time, so it is timed once. */
  private ExchangeFacts facts(String responseModel) {
    java.time.Duration duration = timed || startNanos == 0 ? null
        : java.time.Duration.ofNanos(System.nanoTime() - startNanos);
    timed = true;
    return new ExchangeFacts(spec == null ? null : spec.endpoint(), backend == null ? null : backend.target().name(),
        backend == null ? null : backend.target().schema(), model, responseModel, duration);
  }

  /** The dynamic metadata of the usage read so far: backend, model and every configured cost. */
  private Map<String, Map<String, Object>> costs() {
    TokenUsage usage = exchange.usage();
    emittedUsage = usage;
    String answeredModel = answeredModel();
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("backend_name", backend.target().name());
    values.put("model_name", answeredModel);
    if (usage.isKnown() || spec.usesNoTokens()) {
      CostCalculator.CostInput input = new CostCalculator.CostInput(answeredModel, backend.target().name(), usage);
      for (CompiledConfig.ReadyCost cost : compiled.costsFor(rule)) {
        try {
          long value = cost.calculator().cost(input);
          if (value < 0) {
            // a budget's counter would go backwards: the calculator is wrong, not the exchange
            throw new IllegalStateException("cost '" + cost.metadataKey() + "' came out negative (" + value
                + "); a cost is a count of tokens or money and cannot be");
          }
          values.put(cost.metadataKey(), value);
        } catch (RuntimeException e) {
          failed("cost/" + cost.type(), e, responseStatus); // the others are still emitted
        }
      }
    }
    return Map.of(config.metadataNamespace(), values);
  }

  /**
   * An extension failed: logged (rate-limited) and counted. {@code status} is what the client got
   * (0: nothing yet). Not when the phase was interrupted (it timed out or the proxy reset the
   * stream; the server reports that, and the client's answer is not this one).
   */
  private void failed(String extension, Throwable error, int status) {
    if (Thread.currentThread().isInterrupted()) {
      return;
    }
    String name = backend == null ? "(not routed)" : backend.target().name();
    failures.failed(name, extension, error, status);
    listener.pluginFailed(name, extension, FailureLog.cause(error));
  }

  private String translatorName() {
    return "translator/" + backend.target().schema();
  }

  /** The extension the request body phase was calling, e.g. {@code auth/APIKey}. */
  private String callingName() {
    return switch (calling) {
      case TRANSLATOR, NONE -> translatorName();
      case AUTH -> "auth/" + config.backend(backend.target().name()).flatMap(GatewayConfig.Backend::auth)
          .map(GatewayConfig.AuthSpec::type).orElse("?");
      case ENRICHER -> "enricher/" + callingEnricher.type();
    };
  }

  /** A request that never reached a backend ends here with an error in the client's format. */
  private PhaseResult fail(int status, String cause, String message) {
    state = State.DONE;
    listener.localReply(status, cause, facts(exchange == null ? null : answeredModel()));
    return PhaseResult.reply(errorReply(status, cause, message));
  }

  /**
   * A local reply with an error in this exchange's client format; {@code cause} becomes its
   * details ({@code tollgate_<cause>}). For the adapter's own failures too, so that every client
   * error is written here.
   */
  public LocalReply errorReply(int status, String cause, String message) {
    Headers headers = Headers.of("content-type", "application/json");
    if (role == Role.ATTEMPT) {
      // the router-level stream leaves an attempt's reply as it is
      headers = headers.with(UpstreamPlacement.ATTEMPT_HEADER, attempt.backend() == null ? "" : attempt.backend());
    }
    return new LocalReply(status, headers, errorBody(status, message), "tollgate_" + cause);
  }

  /** An error in the client's format. */
  private byte[] errorBody(int status, String message) {
    return ErrorFormats.render(clientApi(), status, null, message);
  }

  private PhaseResult outOfOrder(String phase) {
    LOG.warn("{} arrived in state {}; ending the exchange", phase, state);
    return fail(500, "protocol", "the gateway received the " + phase + " out of order");
  }

  private static int parseStatus(String s) {
    try {
      return s == null ? 200 : Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      return 502;
    }
  }

  /**
   * Why a path is refused. The Responses API's requests on a stored response ({@code GET} or
   * {@code DELETE /v1/responses/{id}}, {@code .../cancel}, {@code .../input_items}) name no model,
   * so they cannot be routed; the message says what works instead.
   */
  private static String unknownPath(String path) {
    String p = sanitize(path);
    if (p.startsWith(Endpoint.RESPONSES.path() + "/")) {
      return "path " + p + " is not served by this gateway: requests on a stored response (retrieve, delete, "
          + "cancel, input_items) name no model to route by. Create responses with POST " + Endpoint.RESPONSES.path()
          + " (previous_response_id continues a stored one), or set unknownPaths: PassThrough to send these "
          + "requests on to the proxy's own route";
    }
    return "path " + p + " is not served by this gateway";
  }

  private static String sanitize(String path) {
    if (path == null) {
      return "(none)";
    }
    String p = path.length() > 200 ? path.substring(0, 200) + "…" : path;
    return p.replaceAll("[^\\x20-\\x7e]", "?");
  }
}
