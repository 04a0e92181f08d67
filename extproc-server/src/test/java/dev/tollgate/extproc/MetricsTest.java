package dev.tollgate.extproc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.Endpoint;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin port, scraped after real ext_proc exchanges. */
class MetricsTest {
  @TempDir
  Path dir;
  Fixture f;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    f = new Fixture(dir, Duration.ofSeconds(10));
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.admin.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The value of the one sample whose name and labels contain all of {@code parts}. */
  private static double sample(String scrape, String name, String... labels) {
    double found = Double.NaN;
    for (String line : scrape.split("\n")) {
      if (line.startsWith("#") || !line.startsWith(name + "{") && !line.startsWith(name + " ")) {
        continue;
      }
      boolean all = true;
      for (String l : labels) {
        all &= line.contains(l);
      }
      if (all) {
        if (!Double.isNaN(found)) {
          throw new AssertionError("more than one sample matches " + name + " " + String.join(",", labels));
        }
        found = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return found;
  }

  private void bufferedExchange(String model) throws Exception {
    try (ExtProcDriver d = f.stream()) {
      ProcessingResponse r = d.chat(model, false);
      assertThat(r.hasRequestBody()).isTrue();
      d.responseHeaders(":status", "200", "content-type", "application/json");
      ProcessingResponse end = d.responseBody("{\"choices\":[]}", true);
      assertThat(end.hasDynamicMetadata()).isTrue();
    }
  }

  @Test
  void requestsErrorsAndTokenUsageAreScrapedWithGenAiNames() throws Exception {
    bufferedExchange("gpt-a");
    bufferedExchange("gpt-a");
    try (ExtProcDriver d = f.stream()) {
      assertThat(d.requestHeaders(true, ":method", "GET", ":path", "/v2/nope").getImmediateResponse()
          .getStatus().getCodeValue()).isEqualTo(404);
    }
    try (ExtProcDriver d = f.stream()) {
      d.requestHeaders(false, ":method", "POST", ":path", "/v1/chat/completions");
      assertThat(d.requestBody("{\"model\":").getImmediateResponse().getStatus().getCodeValue()).isEqualTo(400);
    }
    try (ExtProcDriver d = f.stream()) {
      d.chat("gpt-a", false);
      d.responseHeaders(":status", "429", "content-type", "application/json");
      d.responseBody("{\"error\":{}}", true);
    }

    HttpResponse<String> res = get("/metrics");
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
    String m = res.body();
    assertThat(sample(m, "tollgate_requests_total", "outcome=\"upstream\"", "status=\"200\"", "backend=\"scripted\"",
        "gen_ai_request_model=\"gpt-a\"")).isEqualTo(2);
    assertThat(sample(m, "tollgate_requests_total", "outcome=\"upstream\"", "status=\"429\"")).isEqualTo(1);
    assertThat(sample(m, "tollgate_requests_total", "outcome=\"local_reply\"", "status=\"404\"")).isEqualTo(1);
    assertThat(sample(m, "tollgate_errors_total", "cause=\"unknown_path\"", "status=\"404\"")).isEqualTo(1);
    assertThat(sample(m, "tollgate_errors_total", "cause=\"invalid_request_error\"", "status=\"400\"")).isEqualTo(1);
    assertThat(sample(m, "tollgate_errors_total", "cause=\"upstream_error\"", "status=\"429\"")).isEqualTo(1);
    // three exchanges reached the backend: 3 x 11 input, 3 x 7 output tokens
    assertThat(sample(m, "gen_ai_client_token_usage_sum", "gen_ai_token_type=\"input\"", "backend=\"scripted\"",
        "gen_ai_request_model=\"gpt-a\"", "gen_ai_response_model=\"gpt-a-0001\"")).isEqualTo(33);
    assertThat(sample(m, "gen_ai_client_token_usage_count", "gen_ai_token_type=\"output\"")).isEqualTo(3);
    assertThat(sample(m, "gen_ai_client_token_usage_sum", "gen_ai_token_type=\"output\"")).isEqualTo(21);
    assertThat(sample(m, "gen_ai_client_token_usage_bucket", "gen_ai_token_type=\"output\"", "le=\"4.0\"")).isEqualTo(0);
    assertThat(sample(m, "gen_ai_client_token_usage_bucket", "gen_ai_token_type=\"output\"", "le=\"16.0\"")).isEqualTo(3);
    // every phase was timed: 5 exchanges had request headers
    assertThat(sample(m, "tollgate_extproc_phase_seconds_count", "phase=\"request_headers\"")).isEqualTo(5);
    assertThat(sample(m, "tollgate_extproc_phase_seconds_count", "phase=\"response_body\"")).isEqualTo(3);
    assertThat(sample(m, "tollgate_extproc_streams_open")).isEqualTo(0);
    assertThat(m).doesNotContain(Fixture.SECRET);
  }

  /** The {@code le} bounds of the buckets of one histogram series, in order, without {@code +Inf}. */
  private static List<Double> bucketBounds(String scrape, String bucket, String... labels) {
    List<Double> bounds = new ArrayList<>();
    for (String line : scrape.split("\n")) {
      if (line.startsWith(bucket + "{") && Arrays.stream(labels).allMatch(line::contains)) {
        String le = line.substring(line.indexOf("le=\"") + 4);
        le = le.substring(0, le.indexOf('"'));
        if (!le.equals("+Inf")) {
          bounds.add(Double.parseDouble(le));
        }
      }
    }
    return bounds;
  }

  private static List<Double> list(double[] values) {
    return Arrays.stream(values).boxed().toList();
  }

  @Test
  void everyGenAiExchangeIsTimedOnceWithTheConventionsAttributesAndBuckets() throws Exception {
    bufferedExchange("gpt-a");
    bufferedExchange("gpt-a");
    try (ExtProcDriver d = f.stream()) {
      d.chat("gpt-a", false);
      d.responseHeaders(":status", "429", "content-type", "application/json");
      d.responseBody("{\"error\":{}}", true);
    }
    try (ExtProcDriver d = f.stream()) { // a client error before routing: no provider, no model
      d.requestHeaders(false, ":method", "POST", ":path", "/v1/chat/completions");
      assertThat(d.requestBody("{\"model\":").getImmediateResponse().getStatus().getCodeValue()).isEqualTo(400);
    }
    try (ExtProcDriver d = f.stream()) { // routed, but the backend's schema has no embeddings
      d.requestHeaders(false, ":method", "POST", ":path", "/v1/embeddings");
      assertThat(d.requestBody("{\"model\":\"emb-1\",\"input\":\"x\"}").getImmediateResponse().getStatus()
          .getCodeValue()).isEqualTo(400);
    }
    try (ExtProcDriver d = f.stream()) { // not a GenAI operation: counted, not timed
      d.requestHeaders(true, ":method", "GET", ":path", "/v2/nope");
    }

    String m = get("/metrics").body();
    String ok = "gen_ai_server_request_duration_seconds_count";
    assertThat(sample(m, ok, "gen_ai_operation_name=\"chat\"", "gen_ai_provider_name=\"scripted\"",
        "gen_ai_request_model=\"gpt-a\"", "gen_ai_response_model=\"gpt-a-0001\"", "backend=\"scripted\"",
        "error_type=\"\"")).isEqualTo(2);
    assertThat(sample(m, ok, "gen_ai_request_model=\"gpt-a\"", "error_type=\"429\"")).isEqualTo(1);
    assertThat(sample(m, ok, "gen_ai_operation_name=\"chat\"", "gen_ai_provider_name=\"\"",
        "gen_ai_request_model=\"\"", "error_type=\"invalid_request_error\"")).isEqualTo(1);
    assertThat(sample(m, ok, "gen_ai_operation_name=\"embeddings\"", "gen_ai_provider_name=\"scripted\"",
        "gen_ai_request_model=\"emb-1\"", "error_type=\"invalid_request_error\"")).isEqualTo(1);
    assertThat(m.lines().filter(l -> l.startsWith(ok + "{")).mapToDouble(l -> Double.parseDouble(
        l.substring(l.lastIndexOf(' ') + 1))).sum()).as("5 GenAI exchanges, each timed once").isEqualTo(5);
    assertThat(bucketBounds(m, "gen_ai_server_request_duration_seconds_bucket", "error_type=\"429\""))
        .isEqualTo(list(GatewayMetrics.DURATION_BUCKETS)).startsWith(0.01).endsWith(81.92);
    // a loopback exchange ends well within the largest bound
    assertThat(sample(m, "gen_ai_server_request_duration_seconds_bucket", "error_type=\"\"", "le=\"81.92\""))
        .isEqualTo(2);

    String tokens = "gen_ai_client_token_usage_sum";
    assertThat(sample(m, tokens, "gen_ai_operation_name=\"chat\"", "gen_ai_provider_name=\"scripted\"",
        "gen_ai_token_type=\"input\"", "gen_ai_request_model=\"gpt-a\"")).isEqualTo(33);
    assertThat(bucketBounds(m, "gen_ai_client_token_usage_bucket", "gen_ai_token_type=\"input\""))
        .isEqualTo(list(GatewayMetrics.TOKEN_BUCKETS));
    // the earlier names stay
    assertThat(sample(m, "tollgate_requests_total", "outcome=\"upstream\"", "status=\"200\"")).isEqualTo(2);
    assertThat(sample(m, "tollgate_errors_total", "cause=\"invalid_request_error\"")).isEqualTo(2);
  }

  @Test
  void aStreamThatBreaksIsTimedOnceAsAFailure() throws Exception {
    try (ExtProcDriver d = f.stream()) {
      d.chat("gpt-b", true);
      d.responseHeaders(":status", "200", "content-type", "text/event-stream", "content-encoding", "gzip");
      d.responseBody("not gzip at all", false); // the error event goes out; the exchange is told it failed
      d.responseBody("data: [DONE]\n\n", true); // then it ends, and is told it completed
    }
    String m = get("/metrics").body();
    assertThat(sample(m, "gen_ai_server_request_duration_seconds_count", "gen_ai_request_model=\"gpt-b\"",
        "error_type=\"undecodable_answer\"")).isEqualTo(1);
    assertThat(sample(m, "gen_ai_server_request_duration_seconds_count", "error_type=\"\"")).as("not again")
        .isNaN();
  }

  @Test
  void theJvmAndTheProcessAreMeasured() throws Exception {
    String m = get("/metrics").body();
    assertThat(m.lines().filter(l -> l.startsWith("jvm_memory_used_bytes{area=\"heap\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum()).isPositive();
    assertThat(sample(m, "jvm_threads_live_threads")).isPositive();
    assertThat(sample(m, "jvm_classes_loaded_classes")).isPositive();
    assertThat(sample(m, "system_cpu_count")).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(sample(m, "process_uptime_seconds")).isPositive();
    assertThat(m).contains("# TYPE jvm_gc_memory_allocated_bytes_total counter", "# TYPE process_cpu_usage gauge");
  }

  @Test
  void providersAndOperationsAreTheConventionsValues() {
    Map.of("OpenAI", "openai", "AzureOpenAI", "azure.ai.openai", "AWSBedrock", "aws.bedrock",
        "AWSAnthropic", "aws.bedrock", "Anthropic", "anthropic", "GCPAnthropic", "gcp.vertex_ai",
        "GCPVertexAI", "gcp.vertex_ai", "Ollama", "ollama") // the last a third-party schema
        .forEach((schema, provider) -> assertThat(GenAiAttributes.provider(schema)).as(schema).isEqualTo(provider));
    assertThat(GenAiAttributes.provider(null)).as("before routing").isEmpty();
    Map.of(Endpoint.CHAT_COMPLETIONS, "chat", Endpoint.MESSAGES, "chat", Endpoint.COMPLETIONS, "text_completion",
        Endpoint.EMBEDDINGS, "embeddings")
        .forEach((endpoint, operation) -> assertThat(GenAiAttributes.operation(endpoint)).isEqualTo(operation));
  }

  @Test
  void streamedAnswerRecordsTimeToFirstTokenAndTimePerOutputToken() throws Exception {
    try (ExtProcDriver d = f.stream()) {
      d.chat("gpt-s", true);
      Thread.sleep(120);
      ProcessingResponse h = d.responseHeaders(":status", "200", "content-type", "text/event-stream");
      assertThat(h.getModeOverride().getResponseBodyModeValue()).as("streamed").isNotZero();
      d.responseBody("data: {\"a\":1}\n\n", false);
      Thread.sleep(300);
      d.responseBody("data: {\"a\":2}\n\n", false);
      d.responseBody("data: [DONE]\n\n", true);
    }
    String m = get("/metrics").body();
    double ttft = sample(m, "gen_ai_server_time_to_first_token_seconds_sum", "gen_ai_operation_name=\"chat\"",
        "gen_ai_provider_name=\"scripted\"", "gen_ai_request_model=\"gpt-s\"",
        "gen_ai_response_model=\"gpt-s-0001\"", "backend=\"scripted\"");
    assertThat(ttft).isBetween(0.12, 5.0);
    assertThat(sample(m, "gen_ai_server_time_to_first_token_seconds_count")).isEqualTo(1);
    assertThat(sample(m, "gen_ai_server_time_to_first_token_seconds_bucket", "le=\"0.1\"")).isEqualTo(0);
    // 7 output tokens over >= 300 ms from the first to the last piece: >= 50 ms per token after the first
    double tpot = sample(m, "gen_ai_server_time_per_output_token_seconds_sum", "backend=\"scripted\"");
    assertThat(tpot).isBetween(0.05, 1.0);
    assertThat(bucketBounds(m, "gen_ai_server_time_to_first_token_seconds_bucket", "backend=\"scripted\""))
        .isEqualTo(list(GatewayMetrics.TTFT_BUCKETS));
    assertThat(bucketBounds(m, "gen_ai_server_time_per_output_token_seconds_bucket", "backend=\"scripted\""))
        .isEqualTo(list(GatewayMetrics.TPOT_BUCKETS));
    // the whole exchange, timed from the request's headers, holds the time to the first piece
    assertThat(sample(m, "gen_ai_server_request_duration_seconds_sum", "gen_ai_request_model=\"gpt-s\""))
        .isGreaterThan(ttft);
  }

  @Test
  void configReloadsAndHealthAndConfigEndpoint() throws Exception {
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
    HttpResponse<String> c = get("/config");
    assertThat(c.body()).contains("\"uuid\" : \"metrics-1\"").contains("\"lastReloadError\" : null");

    Files.writeString(f.configFile, Fixture.config("metrics-2"));
    assertThat(f.platform.config().checkNow()).isTrue();
    // a broken file whose error could echo the secret: unknown field next to the key
    Files.writeString(f.configFile, Fixture.config("metrics-3").replace("auth: {type: TestKey, key: ",
        "auth: {type: NoSuchAuth, key: "));
    assertThat(f.platform.config().checkNow()).isFalse();

    String m = get("/metrics").body();
    assertThat(sample(m, "tollgate_config_reloads_total", "result=\"success\"")).isEqualTo(1);
    assertThat(sample(m, "tollgate_config_reloads_total", "result=\"failure\"")).isEqualTo(1);
    c = get("/config");
    assertThat(c.statusCode()).isEqualTo(200);
    assertThat(c.body()).contains("\"uuid\" : \"metrics-2\"").contains("\"failedReloads\" : 1")
        .contains("NoSuchAuth").doesNotContain(Fixture.SECRET);
    assertThat(get("/nope").statusCode()).isEqualTo(404);
    assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.admin.port() + "/metrics"))
        .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(405);

    f.server.close();
    assertThat(get("/healthz").statusCode()).isEqualTo(503);
  }

  @Test
  void redactionHidesCredentialsInHeadersAndText() {
    assertThat(Redaction.headerValue("authorization", "Bearer sk-1")).isEqualTo("<redacted>");
    assertThat(Redaction.headerValue("api-key", "k")).isEqualTo("<redacted>");
    assertThat(Redaction.headerValue("x-amz-security-token", "t")).isEqualTo("<redacted>");
    assertThat(Redaction.headerValue("authorization",
        "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=abc123"))
        .isEqualTo("AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=host, "
            + "Signature=<redacted>");
    assertThat(Redaction.headerValue("content-type", "application/json")).isEqualTo("application/json");
    assertThat(Redaction.text("backends[0].auth: bad key: sk-abc, apiKey=\"q1\" token: t2"))
        .doesNotContain("sk-abc").doesNotContain("q1").doesNotContain("t2").contains("backends[0].auth");
  }
}
