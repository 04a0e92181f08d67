package dev.tollgate.extproc;

import dev.tollgate.core.pipeline.ExchangeSession;
import dev.tollgate.core.pipeline.Gateway;
import dev.tollgate.core.pipeline.PhaseResult;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.TrailersResponse;
import dev.tollgate.api.Headers;
import io.grpc.Status;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy's {@code ExternalProcessor}: one gRPC stream per HTTP exchange, each message answered
 * with the matching response. All the work happens in the core's {@link ExchangeSession}; this
 * class only maps messages, and guards the stream: each phase runs under a deadline, so a plugin
 * that throws or hangs ends the exchange with a local reply (500 or 504 in the client's error
 * format) instead of leaving the stream open, and the hung thread is interrupted.
 *
 * <p>Threads: the gRPC server delivers messages on its transport (event loop) threads. A phase
 * whose extensions are all {@link dev.tollgate.api.spi.NonBlocking} runs right there, which
 * saves the two thread wake-ups a hand-off costs per message (about half the CPU of a no-op
 * exchange on a small machine; see bench/RESULTS.md). A phase that may block (a webhook guard, a
 * token fetch, a plugin that says nothing) goes to a worker thread, and so does every later
 * message of that stream until the workers have caught up, so answers keep Envoy's order.
 *
 * <p>A phase in progress is registered with its deadline in a set that one watchdog thread sweeps
 * a few times per timeout, so a phase costs two set operations and wakes no thread.
 */
public final class ExtProcService extends ExternalProcessorGrpc.ExternalProcessorImplBase implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ExtProcService.class);
  /** The default time one phase (one ext_proc message) may take. */
  public static final Duration DEFAULT_PHASE_TIMEOUT = Duration.ofSeconds(10);

  private final Gateway gateway;
  private final Duration phaseTimeout;
  private final GatewayMetrics metrics;
  private final ExchangeTracing tracing;
  private final AtomicInteger openStreams = new AtomicInteger();
  private final Map<ProcessingRequest.RequestCase, Timer> timers = new EnumMap<>(ProcessingRequest.RequestCase.class);
  private final ScheduledThreadPoolExecutor watchdog;
  /** Runs the phases that may block; threads are made on demand and end after a minute idle. */
  private final ExecutorService workers = Executors.newCachedThreadPool(new ThreadFactory() {
    private final AtomicInteger n = new AtomicInteger();

    @Override
    public Thread newThread(Runnable r) {
      Thread t = new Thread(r, "tollgate-phase-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    }
  });
  /** Streams with a phase in progress; the watchdog answers for those past their deadline. */
  private final Set<Stream> inPhase = ConcurrentHashMap.newKeySet();

  public ExtProcService(Gateway gateway) {
    this(gateway, DEFAULT_PHASE_TIMEOUT, null, null);
  }

  /**
   * @param phaseTimeout how long one phase may take before the exchange is answered with 504
   * @param metrics      where phase timings and errors go; null for none
   * @param tracing      spans for exchanges and phases; null for none
   */
  public ExtProcService(Gateway gateway, Duration phaseTimeout, GatewayMetrics metrics, ExchangeTracing tracing) {
    if (phaseTimeout.isNegative() || phaseTimeout.isZero()) {
      throw new IllegalArgumentException("the phase timeout must be positive");
    }
    this.gateway = gateway;
    this.phaseTimeout = phaseTimeout;
    this.metrics = metrics;
    this.tracing = tracing;
    watchdog = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "tollgate-watchdog");
      t.setDaemon(true);
      return t;
    });
    long tick = Math.max(10, Math.min(200, phaseTimeout.toMillis() / 10));
    watchdog.scheduleWithFixedDelay(this::sweep, tick, tick, TimeUnit.MILLISECONDS);
    if (metrics != null) {
      metrics.bindOpenStreams(openStreams::get);
      for (ProcessingRequest.RequestCase c : ProcessingRequest.RequestCase.values()) {
        if (c != ProcessingRequest.RequestCase.REQUEST_NOT_SET) {
          timers.put(c, metrics.phase(c.name().toLowerCase(java.util.Locale.ROOT)));
        }
      }
    }
  }

  private void sweep() {
    long now = System.nanoTime();
    for (Stream s : inPhase) {
      if (now - s.deadline > 0) {
        s.overran();
      }
    }
  }

  /** ext_proc streams open now. */
  public int openStreams() {
    return openStreams.get();
  }

  @Override
  public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> out) {
    ExchangeSession session = gateway.newExchange();
    openStreams.incrementAndGet();
    Stream stream = new Stream(session, out, tracing == null ? null : ExchangeTracing.callTraceContext());
    // A reset by the proxy cancels the call's context at once, even while onNext is still busy:
    // stop the work in progress then rather than when the deadline passes.
    io.grpc.Context.current().addListener(c -> stream.cancelled(), Runnable::run);
    return stream;
  }

  /** One ext_proc stream. Answers go out under its lock, so a watchdog answer and a late phase never interleave. */
  private final class Stream implements StreamObserver<ProcessingRequest> {
    private final ExchangeSession session;
    private final StreamObserver<ProcessingResponse> out;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean ended;
    /** Whether the proxy has sent the end of the answer (its last body piece, or headers or trailers that end it). */
    private volatile boolean answerEnded;
    /** Whether {@link #countIfCut} counted this stream; guarded by {@code this}. */
    private boolean cutCounted;
    /** The thread running a phase now, or null; guarded by {@code this}. */
    private Thread phaseThread;
    /** The phase in progress and when it must be done (System.nanoTime), while in {@link #inPhase}. */
    private volatile ProcessingRequest.RequestCase phase;
    private volatile long deadline;
    /** Work waiting for a worker thread, in arrival order; guarded by itself, with {@link #draining}. */
    private final ArrayDeque<Runnable> pending = new ArrayDeque<>();
    private boolean draining;
    // tracing (null when off): the trace context of the call, the exchange's span, the span of a
    // body that comes in several messages and how many it had so far
    private final List<String> callTraceContext;
    private volatile Span exchangeSpan;
    private Span bodySpan;
    private long bodyMessages;

    Stream(ExchangeSession session, StreamObserver<ProcessingResponse> out, List<String> callTraceContext) {
      this.session = session;
      this.out = out;
      this.callTraceContext = callTraceContext;
    }

    private void close() {
      if (closed.compareAndSet(false, true)) {
        openStreams.decrementAndGet();
        Span exchange = exchangeSpan;
        if (exchange != null) {
          synchronized (this) {
            if (bodySpan != null) {
              bodySpan.setAttribute(ExchangeTracing.CHUNKS, bodyMessages);
              bodySpan.end();
              bodySpan = null;
            }
          }
          exchange.end();
        }
      }
    }

    /** The span for this message's phase; a body in several messages gets one span until its end. */
    private Span phaseSpan(ProcessingRequest request) {
      if (exchangeSpan == null) {
        exchangeSpan = tracing.startExchange(callTraceContext,
            request.hasRequestHeaders() ? request.getRequestHeaders().getHeaders() : null);
      }
      boolean body = request.hasRequestBody() || request.hasResponseBody();
      if (!body) {
        return tracing.startPhase(exchangeSpan, phaseName(request.getRequestCase()).replace(' ', '_'));
      }
      synchronized (this) {
        if (bodySpan == null) {
          bodySpan = tracing.startPhase(exchangeSpan, phaseName(request.getRequestCase()).replace(' ', '_'));
          bodyMessages = 0;
        }
        bodyMessages++;
        return bodySpan;
      }
    }

    private void endPhaseSpan(ProcessingRequest request, Span span) {
      boolean body = request.hasRequestBody() || request.hasResponseBody();
      if (!body) {
        span.end();
        return;
      }
      boolean last = request.hasRequestBody() ? request.getRequestBody().getEndOfStream()
          : request.getResponseBody().getEndOfStream();
      synchronized (this) {
        if ((last || ended) && bodySpan == span) {
          span.setAttribute(ExchangeTracing.CHUNKS, bodyMessages);
          span.end();
          bodySpan = null;
        }
      }
    }

    @Override
    public void onNext(ProcessingRequest request) {
      if (ended) {
        return;
      }
      if (!handedOff(() -> process(request), mayBlock(request))) {
        process(request);
      }
    }

    private boolean mayBlock(ProcessingRequest request) {
      return switch (request.getRequestCase()) {
        case REQUEST_BODY -> session.requestBodyMayBlock();
        case RESPONSE_HEADERS, RESPONSE_BODY, RESPONSE_TRAILERS -> session.responseMayBlock();
        default -> false;
      };
    }

    /**
     * Queues {@code work} for a worker thread when it may block or when earlier work of this stream
     * is still queued or running there (answers must keep their order). False when the caller
     * should run it now.
     */
    private boolean handedOff(Runnable work, boolean mayBlock) {
      synchronized (pending) {
        if (!draining && !mayBlock) {
          return false;
        }
        pending.add(work);
        if (draining) {
          return true;
        }
        draining = true;
      }
      try {
        workers.execute(this::drain);
        return true;
      } catch (RejectedExecutionException e) {
        // shutting down: run what is queued here
        drain();
        return true;
      }
    }

    private void drain() {
      while (true) {
        Runnable next;
        synchronized (pending) {
          next = pending.poll();
          if (next == null) {
            draining = false;
            return;
          }
        }
        next.run();
      }
    }

    private void process(ProcessingRequest request) {
      if (ended) {
        return; // queued before the exchange ended
      }
      long start = System.nanoTime();
      ProcessingResponse response;
      if (tracing == null) {
        response = runPhase(request);
      } else {
        Span span = phaseSpan(request);
        try (Scope ignored = ExchangeTracing.enter(exchangeSpan, span)) {
          response = runPhase(request);
        } finally {
          endPhaseSpan(request, span);
        }
      }
      Timer timer = timers.get(request.getRequestCase());
      if (timer != null) {
        timer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      }
      if (response != null && !request.getObservabilityMode()) {
        send(response);
      }
    }

    private ProcessingResponse runPhase(ProcessingRequest request) {
      if (request.getRequestCase() == ProcessingRequest.RequestCase.REQUEST_NOT_SET) {
        LOG.warn("ext_proc message without a phase; ending the exchange");
        return failure(session, 500, "protocol", "the gateway received an ext_proc message without a phase");
      }
      synchronized (this) {
        if (ended) {
          return null;
        }
        phaseThread = Thread.currentThread();
      }
      phase = request.getRequestCase();
      if ((request.hasResponseBody() && request.getResponseBody().getEndOfStream())
          || (request.hasResponseHeaders() && request.getResponseHeaders().getEndOfStream())
          || request.hasResponseTrailers()) {
        answerEnded = true;
      }
      deadline = System.nanoTime() + phaseTimeout.toNanos();
      inPhase.add(this);
      try {
        return handle(session, request);
      } catch (RuntimeException e) {
        LOG.error("ext_proc {} failed", phaseName(request.getRequestCase()), e);
        return failure(session, 500, "internal_error", "internal error in the gateway");
      } finally {
        inPhase.remove(this);
        synchronized (this) {
          phaseThread = null;
        }
        // an interrupt from the watchdog or a reset happened under the lock above: clear it, so
        // that the transport or worker thread goes on clean
        Thread.interrupted();
      }
    }

    /** The watchdog's answer to a phase that took too long: 504, end of stream, interrupt the phase. */
    private void overran() {
      synchronized (this) {
        if (ended || phaseThread == null) {
          return;
        }
        String name = phaseName(phase);
        LOG.error("ext_proc {} took longer than {}; answering 504 and interrupting it", name, phaseTimeout);
        if (exchangeSpan != null) {
          ExchangeTracing.failed(exchangeSpan, 504, "phase_timeout");
        }
        send(failure(session, 504, "phase_timeout", "the gateway did not finish the " + name
            + " within " + phaseTimeout.toMillis() + " ms"));
        phaseThread.interrupt();
      }
    }

    private synchronized void send(ProcessingResponse response) {
      if (ended) {
        return;
      }
      if (response.hasResponseHeaders() && response.hasModeOverride()
          && response.getModeOverride().getResponseBodyMode() == ProcessingMode.BodySendMode.NONE) {
        answerEnded = true; // the rest of the answer passes without Tollgate: nothing more is owed
      }
      out.onNext(response);
      if (response.hasImmediateResponse()) {
        ended = true;
        out.onCompleted();
        close();
      }
    }

    @Override
    public void onError(Throwable t) {
      // Envoy reset the stream (client gone, timeout); nothing is owed. Stop work in progress.
      cancelled();
      LOG.debug("ext_proc stream ended by the proxy: {}", Status.fromThrowable(t));
    }

    void cancelled() {
      countIfCut();
      synchronized (this) {
        ended = true;
        if (phaseThread != null) {
          phaseThread.interrupt();
        }
      }
      close();
    }

    /** Counts the stream once as cut if the proxy ends it before the answer was complete. */
    private void countIfCut() {
      boolean cut;
      synchronized (this) {
        cut = !ended && !answerEnded && !cutCounted;
        cutCounted |= cut;
      }
      if (cut && metrics != null) {
        ProcessingRequest.RequestCase last = phase;
        metrics.streamCut(last == null ? "none" : phaseName(last).replace(' ', '_'));
      }
    }

    @Override
    public void onCompleted() {
      // Envoy closes the stream this way also when the exchange broke off (the upstream reset or
      // timed out mid-answer, the client left): count those
      countIfCut();
      // after the answers still being worked on
      if (!handedOff(this::completed, false)) {
        completed();
      }
    }

    private void completed() {
      synchronized (this) {
        if (!ended) {
          ended = true;
          out.onCompleted();
        }
      }
      close();
    }
  }

  /** A local reply made here, when the core could not answer: in the client's error format. */
  private ProcessingResponse failure(ExchangeSession session, int status, String cause, String message) {
    if (metrics != null) {
      metrics.localReply(status, cause);
    }
    if (tracing != null) {
      tracing.localReply(status, cause);
    }
    return ProcessingResponse.newBuilder()
        .setImmediateResponse(ProtoMapping.immediate(session.errorReply(status, cause, message))).build();
  }

  private static String phaseName(ProcessingRequest.RequestCase phase) {
    return phase.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
  }

  /** Stops the watchdog and the worker threads once idle; phases still running finish on their threads. */
  @Override
  public void close() {
    watchdog.shutdownNow();
    workers.shutdown();
  }

  private static ProcessingResponse handle(ExchangeSession session, ProcessingRequest request) {
    ProcessingResponse.Builder b = ProcessingResponse.newBuilder();
    PhaseResult r;
    switch (request.getRequestCase()) {
      case REQUEST_HEADERS -> {
        Headers headers = ProtoMapping.headers(request.getRequestHeaders().getHeaders());
        if (LOG.isDebugEnabled()) {
          LOG.debug("request headers {}", Redaction.headers(headers.asMap()));
        }
        dev.tollgate.core.pipeline.UpstreamAttempt attempt = ProtoMapping.attempt(request);
        r = attempt == null ? session.onRequestHeaders(headers, request.getRequestHeaders().getEndOfStream())
            : session.onAttemptHeaders(headers, attempt, request.getRequestHeaders().getEndOfStream());
        if (r.isLocalReply()) {
          return immediate(r);
        }
        b.setRequestHeaders(HeadersResponse.newBuilder().setResponse(ProtoMapping.headersCommon(r)));
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
        b.setResponseHeaders(HeadersResponse.newBuilder().setResponse(ProtoMapping.headersCommon(r)));
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
        r = session.onResponseTrailers();
        TrailersResponse.Builder t = TrailersResponse.newBuilder();
        io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation m = ProtoMapping.mutation(r.setHeaders(), r.removeHeaders());
        if (m != null) {
          t.setHeaderMutation(m);
        }
        b.setResponseTrailers(t);
      }
      default -> {
        LOG.warn("ext_proc message without a phase; ignored");
        return null;
      }
    }
    if (!r.metadata().isEmpty()) {
      b.setDynamicMetadata(ProtoMapping.metadata(r.metadata()));
    }
    if (LOG.isDebugEnabled() && !r.setHeaders().isEmpty()) {
      LOG.debug("{}: set headers {}, remove {}", request.getRequestCase(), Redaction.headers(r.setHeaders().asMap()),
          r.removeHeaders());
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
