package dev.tollgate.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.testkit.EnvoyLikeClient;
import dev.tollgate.testkit.FakeOpenAi;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.HttpExchange;
import dev.tollgate.testkit.ProxyResponse;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution as a user runs it: {@code bin/tollgate} started as a process, driven over
 * TCP by the Envoy-like client.
 */
class DistributionIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LISTENING = Pattern.compile("listening on [^:]+:(\\d+)");
  private static final Path DIST = Path.of(System.getProperty("tollgate.dist", "target/tollgate"));
  /** One work folder for the whole class: plugin zips unpacked and class-data archives made once. */
  @TempDir
  static Path work;

  @TempDir
  Path dir;
  private final List<Process> processes = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (Process p : processes) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void pluginsCommandListsTheBuiltInPlugins() throws Exception {
    Result r = runToEnd("plugins");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("schemas:").contains("OpenAI");
    assertThat(r.out()).containsPattern("auth types: .*APIKey");
    assertThat(r.out()).containsPattern("cost types: .*InputToken.*TotalToken");
  }

  @Test
  void defaultConfigServesOpenAiWithTheClientsKeyAndEmitsTokenCounts() throws Exception {
    try (FakeUpstream openai = new FakeUpstream(FakeOpenAi.handler("sk-client", 12, 30))) {
      int admin = freePort();
      Running t = start("run", "--port", "0", "--host", "127.0.0.1", "--admin-port", Integer.toString(admin));
      EnvoyLikeClient envoy = envoy(t.port(), Map.of("openai", openai.uri()));

      ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
          "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
          "authorization", "Bearer sk-client"));

      assertThat(r.status()).isEqualTo(200);
      assertThat(r.cluster()).isEqualTo("openai");
      assertThat(r.upstreamHeaders()).containsEntry("x-ai-eg-model", "gpt-4o-mini")
          .containsEntry("x-ai-eg-selected-backend", "openai");
      assertThat(openai.last().header("authorization")).isEqualTo("Bearer sk-client");
      assertThat(JSON.readTree(r.body()).path("choices").get(0).path("message").path("content").asText())
          .isEqualTo("Hello from the fake.");
      assertThat(r.metadataNumber("io.envoy.ai_gateway", "llm_input_token")).isEqualTo(12);
      assertThat(r.metadataNumber("io.envoy.ai_gateway", "llm_output_token")).isEqualTo(30);
      assertThat(r.metadataNumber("io.envoy.ai_gateway", "llm_total_token")).isEqualTo(42);

      ProxyResponse noKey = envoy.send(HttpExchange.postJson("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[]}"));
      assertThat(noKey.status()).isEqualTo(401);
      assertThat(JSON.readTree(noKey.body()).path("error").path("message").asText()).contains("authorization");

      HealthCheckResponse health = HealthGrpc.newBlockingStub(channel(t.port()))
          .check(HealthCheckRequest.newBuilder().setService("envoy.service.ext_proc.v3.ExternalProcessor").build());
      assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

      java.net.http.HttpResponse<String> metrics = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + admin + "/metrics")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.statusCode()).isEqualTo(200);
      String m = metrics.body();
      assertThat(m).doesNotContain("sk-client");
      // the GenAI semantic conventions' histograms, in Prometheus names
      String chat = "gen_ai_operation_name=\"chat\"";
      String openAi = "gen_ai_provider_name=\"openai\"";
      String model = "gen_ai_request_model=\"gpt-4o-mini\"";
      assertThat(sum(m, "gen_ai_server_request_duration_seconds_bucket", chat, openAi, model, "error_type=\"\"",
          "le=\"81.92\"")).isEqualTo(1);
      assertThat(sum(m, "gen_ai_server_request_duration_seconds_count", chat, openAi, model, "error_type=\"\""))
          .isEqualTo(1);
      assertThat(sum(m, "gen_ai_server_request_duration_seconds_count", "error_type=\"authentication_error\""))
          .as("the request without a key, timed as a failure").isEqualTo(1);
      assertThat(sum(m, "gen_ai_client_token_usage_sum", chat, openAi, model, "gen_ai_token_type=\"input\""))
          .isEqualTo(12);
      assertThat(sum(m, "gen_ai_client_token_usage_sum", chat, openAi, model, "gen_ai_token_type=\"output\""))
          .isEqualTo(30);
      // the JVM's
      assertThat(sum(m, "jvm_memory_used_bytes", "area=\"heap\"")).isPositive();
      assertThat(sum(m, "jvm_threads_live_threads")).isPositive();

      t.process().destroy(); // SIGTERM: graceful shutdown
      assertThat(t.process().waitFor(15, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
    }
  }

  /** The sum of the Prometheus samples named {@code name} whose labels include all of {@code labels}. */
  private static double sum(String scrape, String name, String... labels) {
    return scrape.lines().filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
        .filter(l -> java.util.Arrays.stream(labels).allMatch(l::contains))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  @Test
  void tracesOfExchangesGoToTheOtlpEndpointInTheCallersTrace() throws Exception {
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    BlockingQueue<byte[]> exports = new LinkedBlockingQueue<>();
    com.sun.net.httpserver.HttpServer collector = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    collector.createContext("/v1/traces", ex -> {
      if ("application/x-protobuf".equals(ex.getRequestHeaders().getFirst("content-type"))) {
        exports.add(ex.getRequestBody().readAllBytes());
      }
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    collector.start();
    try (FakeUpstream openai = new FakeUpstream(FakeOpenAi.handler("sk-client", 12, 30))) {
      Running t = start("run", "--port", "0", "--host", "127.0.0.1", "--admin-port", "0",
          "--otlp-traces-endpoint", "http://127.0.0.1:" + collector.getAddress().getPort() + "/v1/traces");
      EnvoyLikeClient envoy = envoy(t.port(), Map.of("openai", openai.uri()));
      ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
          "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
          "authorization", "Bearer sk-client", "traceparent", "00-" + traceId + "-00f067aa0ba902b7-01"));
      assertThat(r.status()).isEqualTo(200);

      // OTLP protobuf: the span names, the model and the 16 trace id bytes appear as they are. The
      // batch processor may send the phase spans before the exchange span ends: read every export
      // that arrives within 30 s until the exchange span is among them.
      StringBuilder all = new StringBuilder();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!all.toString().contains("ext_proc exchange") && System.nanoTime() < deadline) {
        byte[] export = exports.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (export != null) {
          all.append(new String(export, StandardCharsets.ISO_8859_1));
        }
      }
      assertThat(all).as("OTLP exports within 30 s").isNotEmpty();
      String raw = all.toString();
      assertThat(raw).contains("ext_proc exchange").contains("request_body").contains("gpt-4o-mini")
          .contains(new String(java.util.HexFormat.of().parseHex(traceId), StandardCharsets.ISO_8859_1))
          .doesNotContain("sk-client");
    } finally {
      collector.stop(0);
    }
  }

  @Test
  void badTracesEndpointStopsStartUpWithAMessage() throws Exception {
    Result r = runToEnd("run", "--port", "0", "--admin-port", "0", "--otlp-traces-endpoint", "collector:4318");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("OTLP traces endpoint 'collector:4318' is not an http(s) URL");
  }

  @Test
  void aTlsKeyThatIsNotTheCertificatesStopsStartUpWithOneLineNamingBoth() throws Exception {
    dev.tollgate.distribution.envoy.TestCa ca = dev.tollgate.distribution.envoy.TestCa.create(
        Files.createDirectories(dir.resolve("pki")));
    Path key = ca.serverKeyPem();
    Result r = runToEnd("run", "--port", "0", "--admin-port", "0", "--tls-cert", ca.caPem().toString(), "--tls-key",
        key.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().lines().filter(l -> l.startsWith("tollgate:")).toList()).containsExactly("tollgate: --tls-key "
        + key + " does not match the certificate in --tls-cert " + ca.caPem()
        + " (its public key differs); give the key the certificate was issued for");
    assertThat(r.err()).doesNotContain("Exception");
    assertThat(r.out()).doesNotContain("listening");

    Result swapped = runToEnd("run", "--port", "0", "--admin-port", "0", "--tls-cert", key.toString(), "--tls-key",
        ca.serverPem().toString());
    assertThat(swapped.exit()).isEqualTo(2);
    assertThat(swapped.err().lines().filter(l -> l.startsWith("tollgate:")).toList()).singleElement().asString()
        .startsWith("tollgate: --tls-cert " + key + " holds no PEM certificate").contains("swapped");
    assertThat(swapped.err()).doesNotContain("Exception");

    Running ok = start("run", "--port", "0", "--host", "127.0.0.1", "--admin-port", "0", "--tls-cert",
        ca.serverPem().toString(), "--tls-key", key.toString());
    assertThat(ok.port()).isPositive();
  }

  @Test
  void editedConfigIsReloadedAndABrokenOneIsReportedWhileTheLastGoodOneServes() throws Exception {
    try (FakeUpstream upstream = new FakeUpstream(FakeOpenAi.handler("sk-inline", 1, 1))) {
      Path config = dir.resolve("gateway.yaml");
      Files.writeString(config, config("model-a"));
      Running t = start("run", "--port", "0", "--host", "127.0.0.1", "--config", config.toString(),
          "--reload-interval", "PT0.2S", "--admin-port", "0");
      EnvoyLikeClient envoy = envoy(t.port(), Map.of("local", upstream.uri()));
      assertThat(envoy.send(chat("model-a")).status()).isEqualTo(200);
      assertThat(envoy.send(chat("model-b")).status()).isEqualTo(404);

      Files.writeString(config, config("model-b"));
      awaitStatus(envoy, "model-b", 200);
      assertThat(envoy.send(chat("model-a")).status()).isEqualTo(404);

      Files.writeString(config, config("model-c").replace("weight: 1", "weight: -4"));
      String line = t.awaitLine("not reloaded");
      assertThat(line).contains(config.toString()).contains("rules[0].backends[0].weight");
      assertThat(envoy.send(chat("model-b")).status()).as("last good config still serves").isEqualTo(200);
    }
  }

  @Test
  void invalidConfigStopsStartUpWithTheFileAndField() throws Exception {
    Path config = dir.resolve("bad.yaml");
    Files.writeString(config, """
        rules:
          - backends: [{name: nowhere}]
        backends:
          - name: somewhere
            schema: {name: OpenAI}
        """);
    Result r = runToEnd("run", "--port", "0", "--admin-port", "0", "--config", config.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains(config.toString()).contains("rules[0].backends[0].name")
        .contains("'nowhere' is not defined").doesNotContain("Exception");
  }

  @Test
  void explainShowsTheUpstreamRequestWithTheKeyRedacted() throws Exception {
    Path config = dir.resolve("gateway.yaml");
    Files.writeString(config, config("model-a").replace("schema: {name: OpenAI}",
        "schema: {name: OpenAI}\n    modelNameOverride: upstream-model"));
    Path request = dir.resolve("request.json");
    Files.writeString(request, "{\"model\":\"model-a\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
    Result r = runToEnd("explain", request.toString(), "--config", config.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("local").contains("POST /v1/chat/completions")
        .contains("authorization: <redacted>").contains("\"model\":\"upstream-model\"");
    assertThat(r.out() + r.err()).doesNotContain("sk-inline");
  }

  @Test
  void translatePrintsTheGatewayConfigAndTheEnvoyBootstrapOfTheExamples() throws Exception {
    Result r = runToEnd("translate", DIST.resolve("examples/resources").toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("rules:").contains("backends:").contains("static_resources")
        .contains("envoy.filters.http.ext_proc").contains("x-ai-eg-selected-backend");
  }

  /** The budgets example translates into consumers, budget costs, the rate-limit filter and the service's config. */
  @Test
  void theBudgetsExampleTranslates() throws Exception {
    Path limits = dir.resolve("example-ratelimit.yaml");
    Result r = runToEnd("translate", DIST.resolve("examples/budgets").toString(), "--ratelimit-config-out",
        limits.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("consumers:").contains("name: research-app").contains("tollgate_budget_per-key")
        .contains("type: PriceTable").contains("envoy.filters.http.ratelimit").contains("apply_on_stream_done")
        .doesNotContain("tg-example-research-app-key-do-not-use");
    assertThat(Files.readString(limits)).contains("domain: tollgate").contains("value: ops-daily")
        .contains("requests_per_unit: 20000000").contains("requests_per_unit: 100000");
  }

  /** The examples name no file outside the distribution (no /etc/tollgate), so they run as they are on any machine. */
  @Test
  void theExamplesRunAsTheyAreWithTheirKeysInTheFoldersSecrets() throws Exception {
    Path examples = DIST.resolve("examples/resources");
    Result r = runToEnd("translate", examples.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.err()).as("no warning about files or variables the gateway would lack").isBlank();
    assertThat(r.out()).doesNotContain("/etc/tollgate").contains("sk-replace-with-your-openai-key");

    Running t = start("run", "--resources", examples.toString(), "--port", "0", "--host", "127.0.0.1",
        "--admin-port", "0");
    assertThat(t.process().isAlive()).isTrue();
  }

  /**
   * A command that runs for a second makes a class-data archive on its first successful run, in
   * the work folder, and uses it from then on; help and failures make none.
   */
  @Test
  void shortLivedCommandsMakeTheirClassDataArchiveOnce() throws Exception {
    Path own = Files.createDirectories(dir.resolve("own-work"));
    Result help = runToEnd(Map.of("TOLLGATE_WORK_DIR", own.toString()), "crds", "--help");
    assertThat(help.exit()).isZero();
    Result failed = runToEnd(Map.of("TOLLGATE_WORK_DIR", own.toString()), "translate", dir.resolve("none").toString());
    assertThat(failed.exit()).isNotZero();
    assertThat(archives(own)).as("no archive from help or a failure, and no half-written one").isEmpty();

    Result first = runToEnd(Map.of("TOLLGATE_WORK_DIR", own.toString()), "crds");
    assertThat(first.exit()).as(first.err()).isZero();
    List<Path> made = archives(own);
    assertThat(made).singleElement().satisfies(a -> assertThat(a.getFileName().toString()).matches("crds-\\d+\\.jsa"));
    java.nio.file.attribute.FileTime when = Files.getLastModifiedTime(made.get(0));
    Result second = runToEnd(Map.of("TOLLGATE_WORK_DIR", own.toString()), "crds");
    assertThat(second.exit()).as(second.err()).isZero();
    assertThat(second.out()).isEqualTo(first.out());
    assertThat(second.err()).as("the archive is used without a word").isBlank();
    assertThat(archives(own)).isEqualTo(made);
    assertThat(Files.getLastModifiedTime(made.get(0))).isEqualTo(when);

    Path off = Files.createDirectories(dir.resolve("off-work"));
    assertThat(runToEnd(Map.of("TOLLGATE_WORK_DIR", off.toString(), "TOLLGATE_CDS", "off"), "crds").out())
        .isEqualTo(first.out());
    assertThat(archives(off)).isEmpty();
  }

  private static List<Path> archives(Path workDir) throws IOException {
    Path cds = workDir.resolve("cds");
    if (!Files.isDirectory(cds)) {
      return List.of();
    }
    try (var files = Files.list(cds)) {
      return files.sorted().toList();
    }
  }

  /**
   * run --resources: the gateway runs here, so a key file a BackendSecurityPolicy names and this
   * machine lacks is reported against that policy's file and field, not the generated config's.
   */
  @Test
  void runWithResourcesNamesThePolicyOfAMissingKeyFile() throws Exception {
    Path resources = Files.createDirectories(dir.resolve("missing-key"));
    Path key = dir.resolve("nowhere/openai.key");
    Files.writeString(resources.resolve("backend.yaml"), """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: local}
        spec:
          schema: {name: OpenAI}
          endpoint: {host: 127.0.0.1, port: 9, tls: false}
          backendSecurityPolicyRef: {name: local-key}
        """);
    Files.writeString(resources.resolve("key.yaml"), """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: local-key}
        spec:
          type: APIKey
          apiKey: {file: %s}
        """.formatted(key));
    Files.writeString(resources.resolve("route.yaml"), route("model-a", "local"));
    Process p = command("run", "--resources", resources.toString(), "--port", "0", "--host", "127.0.0.1",
        "--admin-port", "0").start();
    processes.add(p);
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    pump(p.getErrorStream(), lines);
    pump(p.getInputStream(), lines);
    Running running = new Running(p, 0, lines);
    assertThat(running.awaitLine("key.yaml (BackendSecurityPolicy local-key): spec.apiKey.file:"))
        .endsWith("secret file " + key + " does not exist");
    assertThat(p.isAlive()).as("waits for the resources to be fixed").isTrue();
  }

  @Test
  void translateOfBrokenResourcesNamesFileAndField() throws Exception {
    Path resources = Files.createDirectories(dir.resolve("broken"));
    Files.writeString(resources.resolve("route.yaml"), route("gpt-4o-mini", "nowhere"));
    Result r = runToEnd("translate", resources.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("route.yaml").contains("backendRefs[0].name").contains("nowhere")
        .doesNotContain("Exception");
  }

  @Test
  void runWithResourcesServesWhatTheControllerTranslatesAndFollowsChanges() throws Exception {
    try (FakeUpstream upstream = new FakeUpstream(FakeOpenAi.handler("sk-from-resources", 3, 4))) {
      Path resources = Files.createDirectories(dir.resolve("resources"));
      Files.writeString(resources.resolve("backend.yaml"), """
          apiVersion: aigateway.tollgate.dev/v1alpha1
          kind: AIServiceBackend
          metadata: {name: local}
          spec:
            schema: {name: OpenAI}
            endpoint: {host: 127.0.0.1, port: %d, tls: false}
            backendSecurityPolicyRef: {name: local-key}
          ---
          apiVersion: aigateway.tollgate.dev/v1alpha1
          kind: BackendSecurityPolicy
          metadata: {name: local-key}
          spec:
            type: APIKey
            apiKey: {inline: sk-from-resources}
          """.formatted(upstream.uri().getPort()));
      Files.writeString(resources.resolve("route.yaml"), route("model-a", "local"));
      Running t = start("run", "--resources", resources.toString(), "--port", "0", "--host", "127.0.0.1",
          "--reload-interval", "PT0.2S", "--admin-port", "0");
      EnvoyLikeClient envoy = envoy(t.port(), Map.of("local", upstream.uri()));
      ProxyResponse r = envoy.send(chat("model-a"));
      assertThat(r.status()).isEqualTo(200);
      assertThat(upstream.last().header("authorization")).isEqualTo("Bearer sk-from-resources");

      Files.writeString(resources.resolve("route.yaml"), route("model-b", "local"));
      awaitStatus(envoy, "model-b", 200);

      List<ProcessHandle> jvms = t.process().descendants().toList();
      assertThat(jvms).as("the controller and the server JVMs").hasSize(2);
      t.process().destroy();
      assertThat(t.process().waitFor(20, TimeUnit.SECONDS)).as("the launcher stops on SIGTERM").isTrue();
      for (ProcessHandle jvm : jvms) {
        assertThat(jvm.onExit().get(20, TimeUnit.SECONDS).isAlive()).as("JVM %s stopped with it", jvm.pid()).isFalse();
      }
      try (java.util.stream.Stream<Path> left = Files.list(tmp())) {
        assertThat(left.map(p -> p.getFileName().toString())).as("the launcher's state folder is removed")
            .noneMatch(n -> n.startsWith("tollgate."));
      }
    }
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static String route(String model, String backend) {
    return """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: chat}
        spec:
          schema: {name: OpenAI}
          rules:
            - model: %s
              backendRefs: [{name: %s}]
        """.formatted(model, backend);
  }

  private static String config(String model) {
    return """
        uuid: %s
        rules:
          - headers: [{name: x-ai-eg-model, type: Exact, value: %s}]
            backends:
              - name: local
                weight: 1
        backends:
          - name: local
            schema: {name: OpenAI}
            auth: {type: APIKey, key: sk-inline}
        """.formatted(model, model);
  }

  private static HttpExchange chat(String model) {
    return HttpExchange.postJson("/v1/chat/completions", "{\"model\":\"" + model + "\",\"messages\":[]}");
  }

  private static void awaitStatus(EnvoyLikeClient envoy, String model, int status) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    int last = -1;
    while (System.nanoTime() < deadline) {
      last = envoy.send(chat(model)).status();
      if (last == status) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("model " + model + " still answers " + last + ", expected " + status);
  }

  private EnvoyLikeClient envoy(int port, Map<String, java.net.URI> clusters) {
    return new EnvoyLikeClient(channel(port), EnvoyLikeClient.FilterConfig.tollgateDefault(), clusters,
        "x-ai-eg-selected-backend");
  }

  private ManagedChannel channel(int port) {
    ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    channels.add(c);
    return c;
  }

  private record Result(int exit, String out, String err) {
  }

  private record Running(Process process, int port, BlockingQueue<String> lines) {
    String awaitLine(String containing) throws InterruptedException {
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (System.nanoTime() < deadline) {
        String l = lines.poll(100, TimeUnit.MILLISECONDS);
        if (l != null && l.contains(containing)) {
          return l;
        }
      }
      throw new AssertionError("no output line containing '" + containing + "'");
    }
  }

  private ProcessBuilder command(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(DIST.resolve("bin/tollgate").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("TOLLGATE_JAVA_OPTS", "-Xmx256m");
    pb.environment().put("TMPDIR", tmp().toString()); // where the launcher's mktemp makes its folders
    pb.environment().put("TOLLGATE_WORK_DIR", work.toString());
    return pb;
  }

  private Path tmp() {
    try {
      return Files.createDirectories(dir.resolve("tmp"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private Result runToEnd(String... args) throws IOException, InterruptedException {
    return runToEnd(Map.of(), args);
  }

  private Result runToEnd(Map<String, String> env, String... args) throws IOException, InterruptedException {
    ProcessBuilder pb = command(args);
    pb.environment().putAll(env);
    Process p = pb.start();
    processes.add(p);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
        new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  /** Starts a long-running command and waits for its "listening on" line; stderr lines are collected. */
  private Running start(String... args) throws Exception {
    Process p = command(args).start();
    processes.add(p);
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    pump(p.getErrorStream(), lines);
    pump(p.getInputStream(), lines);
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    List<String> seen = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      String l = lines.poll(100, TimeUnit.MILLISECONDS);
      if (l != null) {
        seen.add(l);
        Matcher m = LISTENING.matcher(l);
        if (m.find()) {
          return new Running(p, Integer.parseInt(m.group(1)), lines);
        }
      }
      if (!p.isAlive() && lines.isEmpty()) {
        throw new AssertionError("tollgate exited with " + p.exitValue() + ": " + seen);
      }
    }
    throw new AssertionError("tollgate did not start listening: " + seen);
  }

  private static void pump(java.io.InputStream in, BlockingQueue<String> lines) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String l;
        while ((l = r.readLine()) != null) {
          lines.add(l);
        }
      } catch (IOException e) {
        // process ended
      }
    });
    t.setDaemon(true);
    t.start();
  }
}
