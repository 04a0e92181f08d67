package dev.tollgate.extproc;

import dev.tollgate.api.TokenUsage;
import dev.tollgate.core.config.ConfigWatcher;
import dev.tollgate.core.pipeline.GatewayListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.function.IntSupplier;

/**
 * Tollgate's metrics, in a Prometheus registry. Token usage and streaming latencies follow the
 * OpenTelemetry GenAI semantic conventions ({@code gen_ai.client.token.usage},
 * {@code gen_ai.server.time_to_first_token}, {@code gen_ai.server.time_per_output_token}), with a
 * {@code backend} tag added; the rest are {@code tollgate.*}. Prometheus names use underscores
 * ({@code gen_ai_client_token_usage_count}, {@code tollgate_requests_total}, ...).
 */
public final class GatewayMetrics implements GatewayListener {
  /** Most distinct model names kept per meter; more are dropped so a client cannot blow up the registry. */
  static final int MAX_MODELS = 200;

  private static final double[] TOKEN_BUCKETS = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576,
      4194304, 16777216, 67108864};
  private static final Duration[] TTFT_BUCKETS = seconds(0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5,
      0.75, 1.0, 2.5, 5.0, 7.5, 10.0);
  private static final Duration[] TPOT_BUCKETS = seconds(0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5,
      0.75, 1.0, 2.5);

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  public GatewayMetrics() {
    for (String meter : new String[] {"gen_ai.client.token.usage", "gen_ai.server.time_to_first_token",
        "gen_ai.server.time_per_output_token", "tollgate.requests"}) {
      registry.config().meterFilter(MeterFilter.maximumAllowableTags(meter, "gen_ai.request.model", MAX_MODELS,
          MeterFilter.deny()));
      registry.config().meterFilter(MeterFilter.maximumAllowableTags(meter, "gen_ai.response.model", MAX_MODELS,
          MeterFilter.deny()));
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

  /** Counts a local error reply made outside the core pipeline (deadline, internal error). */
  void error(int status, String cause) {
    Counter.builder("tollgate.errors").description("Errors answered to clients, by status and cause")
        .tags("status", Integer.toString(status), "cause", cause)
        .register(registry).increment();
  }

  @Override
  public void completed(String backend, String requestModel, String responseModel, int status, TokenUsage usage) {
    Counter.builder("tollgate.requests").description("Exchanges handled, by outcome and HTTP status")
        .tags("outcome", "upstream", "status", Integer.toString(status), "backend", backend,
            "gen_ai.request.model", nz(requestModel))
        .register(registry).increment();
    if (status >= 400) {
      error(status, "upstream_error");
    }
    if (usage.isKnown()) {
      tokens(backend, requestModel, responseModel, "input").record(usage.inputTokens());
      tokens(backend, requestModel, responseModel, "output").record(usage.outputTokens());
    }
  }

  private DistributionSummary tokens(String backend, String requestModel, String responseModel, String type) {
    return DistributionSummary.builder("gen_ai.client.token.usage")
        .description("Number of input and output tokens used, per exchange")
        .tags("gen_ai.token.type", type, "gen_ai.request.model", nz(requestModel),
            "gen_ai.response.model", nz(responseModel), "backend", backend)
        .serviceLevelObjectives(TOKEN_BUCKETS)
        .register(registry);
  }

  @Override
  public void streamed(String backend, String model, Duration timeToFirstChunk, Duration generation, TokenUsage usage) {
    if (timeToFirstChunk == null) {
      return;
    }
    Timer.builder("gen_ai.server.time_to_first_token")
        .description("Time from the request leaving the gateway to the first streamed piece of the answer")
        .tags("gen_ai.response.model", nz(model), "backend", backend)
        .serviceLevelObjectives(TTFT_BUCKETS)
        .register(registry).record(timeToFirstChunk);
    if (usage.outputTokens() > 1) {
      Timer.builder("gen_ai.server.time_per_output_token")
          .description("Time per output token after the first (inter-token latency) of streamed answers")
          .tags("gen_ai.response.model", nz(model), "backend", backend)
          .serviceLevelObjectives(TPOT_BUCKETS)
          .register(registry).record(generation.dividedBy(usage.outputTokens() - 1));
    }
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

  /** Config reloads, successful and failed, read from the watcher. */
  public void bindConfig(ConfigWatcher watcher) {
    FunctionCounter.builder("tollgate.config.reloads", watcher, ConfigWatcher::reloads)
        .description("Gateway config reloads").tags("result", "success").register(registry);
    FunctionCounter.builder("tollgate.config.reloads", watcher, ConfigWatcher::failedReloads)
        .description("Gateway config reloads").tags("result", "failure").register(registry);
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  private static Duration[] seconds(double... s) {
    Duration[] d = new Duration[s.length];
    for (int i = 0; i < s.length; i++) {
      d[i] = Duration.ofNanos((long) (s[i] * 1e9));
    }
    return d;
  }
}
