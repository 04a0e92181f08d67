package dev.tollgate.extproc;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    double ttft = sample(m, "gen_ai_server_time_to_first_token_seconds_sum", "gen_ai_response_model=\"gpt-s-0001\"",
        "backend=\"scripted\"");
    assertThat(ttft).isBetween(0.12, 5.0);
    assertThat(sample(m, "gen_ai_server_time_to_first_token_seconds_count")).isEqualTo(1);
    assertThat(sample(m, "gen_ai_server_time_to_first_token_seconds_bucket", "le=\"0.1\"")).isEqualTo(0);
    // 7 output tokens over >= 300 ms from the first to the last piece: >= 50 ms per token after the first
    double tpot = sample(m, "gen_ai_server_time_per_output_token_seconds_sum", "backend=\"scripted\"");
    assertThat(tpot).isBetween(0.05, 1.0);
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
