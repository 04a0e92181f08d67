package dev.tollgate.extproc;

import dev.tollgate.api.Headers;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.core.pipeline.GatewayListener;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * OpenTelemetry tracing of ext_proc exchanges, exported over OTLP/HTTP: one span per exchange
 * ({@code ext_proc exchange}, kind SERVER) with a child span per phase ({@code request_headers},
 * {@code request_body}, {@code response_headers}, {@code response_body}; a streamed answer's
 * chunks share one {@code response_body} span from the first chunk to the last).
 *
 * <p>The exchange joins the caller's trace: W3C trace context from the ext_proc call's gRPC
 * metadata when the proxy sends it, else from the HTTP request's {@code traceparent} header.
 * Attributes follow the GenAI semantic conventions where they exist ({@code gen_ai.request.model},
 * {@code gen_ai.response.model}, {@code gen_ai.usage.input_tokens}, ...), plus
 * {@code tollgate.rule} and {@code tollgate.backend}. Local replies of 5xx and phase timeouts
 * set the span status to ERROR. This class is also the {@link GatewayListener} that writes those
 * attributes, on the span of the exchange in progress on the calling thread.
 */
public final class ExchangeTracing implements GatewayListener, AutoCloseable {
  static final AttributeKey<String> RULE = AttributeKey.stringKey("tollgate.rule");
  static final AttributeKey<String> BACKEND = AttributeKey.stringKey("tollgate.backend");
  static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
  static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
  static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
  static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<String> LOCAL_REPLY = AttributeKey.stringKey("tollgate.local_reply");
  static final AttributeKey<Double> TIME_TO_FIRST_CHUNK = AttributeKey.doubleKey("tollgate.time_to_first_chunk_ms");
  static final AttributeKey<Long> CHUNKS = AttributeKey.longKey("tollgate.response_chunks");

  /** The exchange span, in the OpenTelemetry context while one of its phases runs. */
  private static final ContextKey<Span> EXCHANGE = ContextKey.named("tollgate-exchange");
  /** W3C trace context from the ext_proc call's gRPC metadata, in the gRPC context of the call. */
  private static final io.grpc.Context.Key<List<String>> CALL_TRACE_CONTEXT = io.grpc.Context.key("tollgate-trace-context");
  private static final Metadata.Key<String> TRACEPARENT = Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> TRACESTATE = Metadata.Key.of("tracestate", Metadata.ASCII_STRING_MARSHALLER);

  private final SdkTracerProvider provider;
  private final Tracer tracer;

  private ExchangeTracing(SdkTracerProvider provider) {
    this.provider = provider;
    this.tracer = provider.get("dev.tollgate.extproc");
  }

  /**
   * Tracing exported to an OTLP/HTTP endpoint.
   *
   * @param endpoint    the traces endpoint, e.g. {@code http://collector:4318/v1/traces}
   * @param sampleRatio share of new traces recorded (0..1); a caller's sampling decision is kept
   * @param serviceName the {@code service.name} resource attribute
   */
  public static ExchangeTracing otlp(URI endpoint, double sampleRatio, String serviceName) {
    if (!(sampleRatio >= 0 && sampleRatio <= 1)) {
      throw new IllegalArgumentException("must be between 0 and 1, not " + sampleRatio);
    }
    OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(endpoint.toString())
        .setTimeout(Duration.ofSeconds(10)).build();
    return new ExchangeTracing(SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
            AttributeKey.stringKey("service.name"), serviceName))))
        .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(sampleRatio)))
        .addSpanProcessor(BatchSpanProcessor.builder(exporter).setScheduleDelay(Duration.ofSeconds(1)).build())
        .build());
  }

  /** Keeps the W3C trace context of each ext_proc call's gRPC metadata for {@link #startExchange}. */
  ServerInterceptor callContext() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                          ServerCallHandler<Q, R> next) {
        String parent = headers.get(TRACEPARENT);
        if (parent == null) {
          return next.startCall(call, headers);
        }
        String state = headers.get(TRACESTATE);
        List<String> kv = new ArrayList<>(List.of("traceparent", parent));
        if (state != null) {
          kv.addAll(List.of("tracestate", state));
        }
        return Contexts.interceptCall(io.grpc.Context.current().withValue(CALL_TRACE_CONTEXT, List.copyOf(kv)),
            call, headers, next);
      }
    };
  }

  /** The trace context of the ext_proc call being set up, or null; read in the service's {@code process}. */
  static List<String> callTraceContext() {
    return CALL_TRACE_CONTEXT.get();
  }

  /**
   * Starts the span of one exchange, under the call's trace context ({@code callContext}, pairs
   * of names and values) or else the request's own {@code traceparent} header.
   */
  Span startExchange(List<String> callContext, HeaderMap requestHeaders) {
    Context parent = callContext != null
        ? W3CTraceContextPropagator.getInstance().extract(Context.root(), callContext, PAIRS)
        : W3CTraceContextPropagator.getInstance().extract(Context.root(),
            requestHeaders == null ? null : ProtoMapping.headers(requestHeaders), HEADERS);
    return tracer.spanBuilder("ext_proc exchange").setParent(parent).setSpanKind(SpanKind.SERVER).startSpan();
  }

  Span startPhase(Span exchange, String name) {
    return tracer.spanBuilder(name).setParent(Context.root().with(exchange)).startSpan();
  }

  /** Makes {@code phase} current, with {@code exchange} where the listener methods find it. */
  static Scope enter(Span exchange, Span phase) {
    return Context.root().with(phase).with(EXCHANGE, exchange).makeCurrent();
  }

  private static Span exchange() {
    Span s = Context.current().get(EXCHANGE);
    return s == null ? Span.getInvalid() : s;
  }

  static void failed(Span span, int status, String cause) {
    span.setAttribute(STATUS, (long) status);
    span.setAttribute(LOCAL_REPLY, cause);
    if (status >= 500) {
      span.setStatus(StatusCode.ERROR, cause);
    }
  }

  @Override
  public void localReply(int status, String cause) {
    failed(exchange(), status, cause);
  }

  @Override
  public void routed(String rule, String backend, String model) {
    Span s = exchange();
    if (rule != null) {
      s.setAttribute(RULE, rule);
    }
    s.setAttribute(BACKEND, backend);
    if (model != null) {
      s.setAttribute(REQUEST_MODEL, model);
    }
  }

  @Override
  public void completed(String backend, String requestModel, String responseModel, int status, TokenUsage usage) {
    Span s = exchange();
    s.setAttribute(STATUS, (long) status);
    if (responseModel != null) {
      s.setAttribute(RESPONSE_MODEL, responseModel);
    }
    s.setAttribute(INPUT_TOKENS, (long) usage.inputTokens());
    s.setAttribute(OUTPUT_TOKENS, (long) usage.outputTokens());
    if (status >= 500) {
      s.setStatus(StatusCode.ERROR, "upstream answered " + status);
    }
  }

  @Override
  public void streamed(String backend, String model, Duration timeToFirstChunk, Duration generation, TokenUsage usage) {
    if (timeToFirstChunk != null) {
      exchange().setAttribute(TIME_TO_FIRST_CHUNK, timeToFirstChunk.toNanos() / 1e6);
    }
  }

  /** Exports what is still buffered (waiting up to 5 s) and stops. */
  @Override
  public void close() {
    provider.shutdown().join(5, TimeUnit.SECONDS);
  }

  private static final TextMapGetter<List<String>> PAIRS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(List<String> carrier) {
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < carrier.size(); i += 2) {
        keys.add(carrier.get(i));
      }
      return keys;
    }

    @Override
    public String get(List<String> carrier, String key) {
      for (int i = 0; carrier != null && i < carrier.size(); i += 2) {
        if (carrier.get(i).equals(key)) {
          return carrier.get(i + 1);
        }
      }
      return null;
    }
  };

  private static final TextMapGetter<Headers> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Headers carrier) {
      return carrier.asMap().keySet();
    }

    @Override
    public String get(Headers carrier, String key) {
      return carrier == null ? null : carrier.value(key);
    }
  };
}
