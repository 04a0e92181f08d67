package dev.tollgate.extproc;

import dev.tollgate.api.TokenUsage;
import dev.tollgate.core.config.ConfigWatcher;
import dev.tollgate.core.pipeline.ExchangeFacts;
import dev.tollgate.core.pipeline.GatewayListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.function.IntSupplier;

/**
 * Tollgate's metrics, in a Prometheus registry. Request duration, token usage and streaming
 * latencies follow the OpenTelemetry GenAI semantic conventions ({@code gen_ai.server.request.duration},
 * {@code gen_ai.client.token.usage}, {@code gen_ai.server.time_to_first_token},
 * {@code gen_ai.server.time_per_output_token}: their units and bucket boundaries, attributes
 * {@code gen_ai.operation.name}, {@code gen_ai.provider.name}, {@code gen_ai.request.model},
 * {@code gen_ai.response.model}, {@code error.type}), with a {@code backend} tag added; the rest are
 * {@code tollgate.*}, plus the JVM's and the process's. Prometheus names use underscores and the
 * unit ({@code gen_ai_server_request_duration_seconds_bucket}, {@code tollgate_requests_total}, ...).
 */
public final class GatewayMetrics implements GatewayListener, AutoCloseable {
  /** Most distinct model names kept per meter; more are dropped so a client cannot blow up the registry. */
  static final int MAX_MODELS = 200;

  static final double[] TOKEN_BUCKETS = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576,
      4194304, 16777216, 67108864};
  static final double[] DURATION_BUCKETS = {0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24,
      20.48, 40.96, 81.92};
  static final double[] TTFT_BUCKETS = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5,
      5.0, 7.5, 10.0};
  static final double[] TPOT_BUCKETS = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5};

  private static final String REQUEST_DURATION = "gen_ai.server.request.duration";
  private static final String TOKEN_USAGE = "gen_ai.client.token.usage";
  private static final String TIME_TO_FIRST_TOKEN = "gen_ai.server.time_to_first_token";
  private static final String TIME_PER_OUTPUT_TOKEN = "gen_ai.server.time_per_output_token";

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();

  public GatewayMetrics() {
    for (String meter : new String[] {REQUEST_DURATION, TOKEN_USAGE, TIME_TO_FIRST_TOKEN, TIME_PER_OUTPUT_TOKEN,
        "tollgate.requests"}) {
      registry.config().meterFilter(MeterFilter.maximumAllowableTags(meter, "gen_ai.request.model", MAX_MODELS,
          MeterFilter.deny()));
      registry.config().meterFilter(MeterFilter.maximumAllowableTags(meter, "gen_ai.response.model", MAX_MODELS,
          MeterFilter.deny()));
    }
    for (MeterBinder jvm : new MeterBinder[] {new JvmMemoryMetrics(), gc, new JvmThreadMetrics(),
        new ClassLoaderMetrics(), new ProcessorMetrics(), new UptimeMetrics()}) {
      jvm.bindTo(registry);
    }
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void localReply(int status, String cause) {
    Counter.builder("tollgate.requests").description("Exchanges handled, by outcome and HTTP status")
        .tags("outcome", "local_reply", "status", Integer.toString(status), "backend", "", "gen_ai.request.model", "")
        .register(registry).increment();
    if (status >= 400) {
      error(status, cause);
    }
  }

  @Override
  public void pluginFailed(String backend, String extension, String cause) {
    Counter.builder("tollgate.plugin.failures")
        .description("Extensions that threw or raised a 5xx on the request path, by backend, extension and cause")
        .tags("backend", backend, "extension", extension, "cause", cause)
        .register(registry).increment();
  }

  @Override
  public void localReply(int status, String cause, ExchangeFacts exchange) {
    localReply(status, cause);
    duration(exchange, status >= 400 ? cause : "");
  }

  /** Counts a local error reply made outside the core pipeline (deadline, internal error). */
  void error(int status, String cause) {
    Counter.builder("tollgate.errors").description("Errors answered to clients, by status and cause")
        .tags("status", Integer.toString(status), "cause", cause)
        .register(registry).increment();
  }

  @Override
  public void completed(ExchangeFacts exchange, int status, TokenUsage usage) {
    Counter.builder("tollgate.requests").description("Exchanges handled, by outcome and HTTP status")
        .tags("outcome", "upstream", "status", Integer.toString(status), "backend", exchange.backend(),
            "gen_ai.request.model", nz(exchange.requestModel()))
        .register(registry).increment();
    if (status >= 400) {
      error(status, "upstream_error");
    }
    // error.type: the upstream's status, the error code the provider returned
    duration(exchange, status >= 400 ? Integer.toString(status) : "");
    if (usage.isKnown()) {
      tokens(exchange, "input").record(usage.inputTokens());
      tokens(exchange, "output").record(usage.outputTokens());
    }
  }

  /** Records the exchange's duration, when it has one and is of a GenAI operation. */
  private void duration(ExchangeFacts exchange, String errorType) {
    if (exchange == null || exchange.duration() == null || exchange.endpoint() == null) {
      return;
    }
    Timer.builder(REQUEST_DURATION)
        .description("Time from the request's headers to the end of the answer (the last streamed piece) or the "
            + "gateway's own reply")
        .tags(genAiTags(exchange)).tag("gen_ai.response.model", nz(exchange.responseModel()))
        .tag("error.type", errorType)
        .serviceLevelObjectives(seconds(DURATION_BUCKETS))
        .register(registry).record(exchange.duration());
  }

  private DistributionSummary tokens(ExchangeFacts exchange, String type) {
    return DistributionSummary.builder(TOKEN_USAGE)
        .description("Number of input and output tokens used, per exchange")
        .tags(genAiTags(exchange)).tag("gen_ai.response.model", nz(exchange.responseModel()))
        .tag("gen_ai.token.type", type)
        .serviceLevelObjectives(TOKEN_BUCKETS)
        .register(registry);
  }

  @Override
  public void streamed(ExchangeFacts exchange, Duration timeToFirstChunk, Duration generation, TokenUsage usage) {
    if (timeToFirstChunk == null) {
      return;
    }
    Timer.builder(TIME_TO_FIRST_TOKEN)
        .description("Time from the request leaving the gateway to the first streamed piece of the answer")
        .tags(genAiTags(exchange)).tag("gen_ai.response.model", nz(exchange.responseModel()))
        .serviceLevelObjectives(seconds(TTFT_BUCKETS))
        .register(registry).record(timeToFirstChunk);
    if (usage.outputTokens() > 1) {
      Timer.builder(TIME_PER_OUTPUT_TOKEN)
          .description("Time per output token after the first (inter-token latency) of streamed answers")
          .tags(genAiTags(exchange)).tag("gen_ai.response.model", nz(exchange.responseModel()))
          .serviceLevelObjectives(seconds(TPOT_BUCKETS))
          .register(registry).record(generation.dividedBy(usage.outputTokens() - 1));
    }
  }

  /** The tags every GenAI meter has: operation, provider, request model, and Tollgate's backend. */
  private static Tags genAiTags(ExchangeFacts exchange) {
    return Tags.of("gen_ai.operation.name", GenAiAttributes.operation(exchange.endpoint()),
        "gen_ai.provider.name", GenAiAttributes.provider(exchange.schema()),
        "gen_ai.request.model", nz(exchange.requestModel()),
        "backend", nz(exchange.backend()));
  }

  /** A timer for one ext_proc phase ({@code request_headers}, {@code response_body}, ...). */
  Timer phase(String phase) {
    return Timer.builder("tollgate.extproc.phase").description("Time spent handling one ext_proc message")
        .tags("phase", phase).register(registry);
  }

  /** Open ext_proc streams, read from {@code open}. */
  void bindOpenStreams(IntSupplier open) {
    Gauge.builder("tollgate.extproc.streams.open", open::getAsInt).description("ext_proc streams now open")
        .register(registry);
  }

  /**
   * An ext_proc stream the proxy ended before the exchange's answer was complete: the client went
   * away, or the upstream reset, closed short or timed out mid-answer (Envoy then answers or cuts
   * the client itself, without asking Tollgate again). {@code phase} is the last phase Tollgate saw.
   */
  void streamCut(String phase) {
    Counter.builder("tollgate.extproc.streams.cut")
        .description("ext_proc streams the proxy ended before the answer was complete, by the last phase seen")
        .tags("phase", phase)
        .register(registry).increment();
  }

  /** Config reloads, successful and failed, read from the watcher. */
  public void bindConfig(ConfigWatcher watcher) {
    FunctionCounter.builder("tollgate.config.reloads", watcher, ConfigWatcher::reloads)
        .description("Gateway config reloads").tags("result", "success").register(registry);
    FunctionCounter.builder("tollgate.config.reloads", watcher, ConfigWatcher::failedReloads)
        .description("Gateway config reloads").tags("result", "failure").register(registry);
  }

  /** Stops watching the JVM's garbage collections. */
  @Override
  public void close() {
    gc.close();
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  private static Duration[] seconds(double... s) {
    Duration[] d = new Duration[s.length];
    for (int i = 0; i < s.length; i++) {
      d[i] = Duration.ofNanos(Math.round(s[i] * 1e9));
    }
    return d;
  }
}
