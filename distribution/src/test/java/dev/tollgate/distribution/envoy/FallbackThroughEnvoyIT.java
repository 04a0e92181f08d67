package dev.tollgate.distribution.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.testkit.FakeAnthropic;
import dev.tollgate.testkit.FakeBedrock;
import dev.tollgate.testkit.FakeOpenAi;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.FakeUpstream.Answer;
import dev.tollgate.testkit.FakeUpstream.Received;
import dev.tollgate.testkit.SigV4Check;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fallback across providers through a real Envoy 1.40 on what {@code tollgate translate} makes of
 * rules with priorities: each attempt is translated and signed in Envoy's upstream filter chain
 * for the backend Envoy picked, and the client always gets its own format. Two Tollgate replicas
 * serve the one Envoy, so the router-level stream and the attempts of one request land on
 * different processes; nothing is shared between them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FallbackThroughEnvoyIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String AWS_HOST = "bedrock-runtime.eu-west-1.amazonaws.com";
  private static final String AK = "AKIDFALLBACK";
  private static final String SK = "fallback-secret-key";
  private static final String PRIMARY_KEY = "sk-primary";
  private static final String CLAUDE_KEY = "sk-ant-fallback";

  @TempDir
  static Path dir;
  private final SigV4Check sigV4 = new SigV4Check(AK, SK, "eu-west-1", "bedrock", null);
  /** When each fake received each model's request (System.nanoTime), in order. */
  private final Map<String, List<Long>> receivedAt = new ConcurrentHashMap<>();
  private FakeUpstream primary;
  private FakeUpstream bedrock;
  private FakeUpstream claude;
  private CuttingUpstream cutter;
  private EnvoyAndTollgate gateway;

  @BeforeAll
  void start() throws Exception {
    Function<Received, Answer> openAiOk = FakeOpenAi.handler(PRIMARY_KEY, 11, 7);
    primary = new FakeUpstream(timed("primary", r -> switch (model(r)) {
      case "fb-direct" -> openAiOk.apply(r);
      case "fb-429" -> new Answer(429, Map.of("content-type", "application/json", "retry-after", "1"),
          List.of("{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit_error\"}}".getBytes(StandardCharsets.UTF_8)));
      case "fb-silent" -> {
        sleep(Duration.ofSeconds(8));
        yield openAiOk.apply(r);
      }
      default -> Answer.json(503, "{\"error\":{\"message\":\"primary is overloaded\",\"type\":\"server_error\"}}");
    }));
    TestCa ca = TestCa.create(Files.createDirectories(dir.resolve("ca")));
    SSLContext tls = ca.serverContext(AWS_HOST);
    bedrock = new FakeUpstream(timed("bedrock", FakeBedrock.handler(sigV4, r -> r.path().endsWith("/converse-stream")
        ? FakeBedrock.stream(FakeBedrock.textStream(List.of("Hello", " from", " Nova."), "end_turn", 12, 3))
        : FakeBedrock.converseText("Hello from Nova.", "end_turn", 12, 3))), tls);
    Function<Received, Answer> claudeOk = FakeAnthropic.handler(CLAUDE_KEY,
        FakeAnthropic.text("claude-sonnet-4-5", "Hello", " from Claude.", 25, 0, 9));
    claude = new FakeUpstream(timed("claude", r -> switch (model(r)) {
      case "fb-allfail" -> FakeAnthropic.anthropicError(529, "overloaded_error", "claude is overloaded too");
      case "fb-midevent" -> Answer.stream("text/event-stream", FakeAnthropic.sse(List.of(
          "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
              + "\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":17,"
              + "\"output_tokens\":1}}}",
          "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
          "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Half an\"}}",
          "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}")));
      default -> claudeOk.apply(r);
    }));
    cutter = new CuttingUpstream();
    int dead = EnvoyAndTollgate.freePort(); // nothing listens there

    Path secrets = Files.createDirectories(dir.resolve("secrets"));
    Path awsCredentials = Files.writeString(secrets.resolve("aws-credentials"),
        "[default]\naws_access_key_id = " + AK + "\naws_secret_access_key = " + SK + "\n");
    Path resources = Files.createDirectories(dir.resolve("resources"));
    Files.writeString(resources.resolve("route.yaml"), """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: fallback}
        spec:
          rules:
            - {name: to-bedrock, model: fb-503, backendRefs: [{name: primary}, {name: bedrock, priority: 1}]}
            - {name: rate-limited, model: fb-429, backendRefs: [{name: primary}, {name: bedrock, priority: 1}]}
            - {name: direct, model: fb-direct, backendRefs: [{name: primary}, {name: claude, priority: 1}]}
            - {name: refused, model: fb-connect, backendRefs: [{name: dead}, {name: claude, priority: 1}]}
            - name: silent
              model: fb-silent
              backendRefs: [{name: primary}, {name: claude, priority: 1}]
              retries: {perTryIdleTimeout: 1s}
            - {name: all-fail, model: fb-allfail, backendRefs: [{name: primary}, {name: claude, priority: 1}]}
            - {name: streamed, model: fb-stream, backendRefs: [{name: primary}, {name: claude, priority: 1}]}
            - {name: cut, model: fb-midcut, backendRefs: [{name: cutter}], retries: {attempts: 1}}
            - {name: error-event, model: fb-midevent, backendRefs: [{name: claude}], retries: {attempts: 1}}
          llmRequestCosts:
            - {metadataKey: llm_input_token, type: InputToken}
            - {metadataKey: llm_output_token, type: OutputToken}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: primary}
        spec:
          schema: {name: OpenAI}
          endpoint: {host: 127.0.0.1, port: %d, tls: false}
          backendSecurityPolicyRef: {name: primary-key}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: primary-key}
        spec: {type: APIKey, apiKey: {inline: %s}}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: dead}
        spec:
          schema: {name: OpenAI}
          endpoint: {host: 127.0.0.1, port: %d, tls: false}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: bedrock}
        spec:
          schema: {name: AWSBedrock}
          endpoint: {host: 127.0.0.1, port: %d, tls: true, sni: %s, caFile: "%s"}
          backendSecurityPolicyRef: {name: aws}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: aws}
        spec: {type: AWSCredentials, awsCredentials: {region: eu-west-1, credentialsFile: "%s"}}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: claude}
        spec:
          schema: {name: Anthropic}
          endpoint: {host: 127.0.0.1, port: %d, tls: false}
          backendSecurityPolicyRef: {name: claude-key}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: claude-key}
        spec: {type: APIKey, apiKey: {inline: %s}}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: cutter}
        spec:
          schema: {name: Anthropic}
          endpoint: {host: 127.0.0.1, port: %d, tls: false}
        """.formatted(primary.port(), PRIMARY_KEY, dead, bedrock.port(), AWS_HOST,
        ca.caPem(), awsCredentials, claude.port(), CLAUDE_KEY, cutter.port()));
    gateway = new EnvoyAndTollgate(dir).withSecondReplica();
    EnvoyAndTollgate.Translated t = gateway.translate(resources, "--route-timeout", "PT30S");
    gateway.start(t.gatewayConfig(), t.bootstrap());
  }

  @AfterAll
  void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    for (AutoCloseable c : new AutoCloseable[] {primary, bedrock, claude, cutter}) {
      if (c != null) {
        c.close();
      }
    }
  }

  private Function<Received, Answer> timed(String upstream, Function<Received, Answer> handler) {
    return r -> {
      receivedAt.computeIfAbsent(upstream + "/" + model(r), k -> new java.util.concurrent.CopyOnWriteArrayList<>())
          .add(System.nanoTime());
      return handler.apply(r);
    };
  }

  /** The model a request names in its body or (Bedrock) its path. */
  private static String model(Received r) {
    Matcher m = Pattern.compile("/model/([^/]+)/").matcher(r.path());
    if (m.find()) {
      return java.net.URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
    }
    try {
      return JSON.readTree(r.body()).path("model").asText();
    } catch (IOException e) {
      return "";
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static List<Received> requestsFor(FakeUpstream upstream, String model) {
    return upstream.received().stream().filter(r -> model.equals(model(r))).toList();
  }

  /** curl's POST of a chat request with its own request id; the exchange and that id. */
  private record Call(Clients.Curl curl, String requestId, long millis) {
  }

  private Call post(String model, boolean stream) throws Exception {
    String id = UUID.randomUUID().toString();
    long start = System.nanoTime();
    Clients.Curl c = Clients.curl("-N", "-H", "content-type: application/json", "-H", "x-request-id: " + id,
        "-H", "authorization: Bearer sk-client", "--data", Clients.chatJson(model, stream),
        gateway.base() + "/v1/chat/completions");
    return new Call(c, id, (System.nanoTime() - start) / 1_000_000);
  }

  @Test
  void aPrimaryAnswering503FallsBackToBedrockWithASignedConverseCallAndTheOpenAiSdkGetsItsOwnFormat()
      throws Exception {
    JsonNode r = Clients.python(gateway.base(), "chat", "fb-503");

    assertThat(r.path("content").asText()).as(r.toString()).isEqualTo("Hello from Nova.");
    assertThat(r.path("usage").path("prompt_tokens").asInt()).isEqualTo(12);
    Received first = requestsFor(primary, "fb-503").get(0);
    assertThat(first.header("authorization")).isEqualTo("Bearer " + PRIMARY_KEY);
    assertThat(first.path()).isEqualTo("/v1/chat/completions");
    Received second = requestsFor(bedrock, "fb-503").get(0);
    assertThat(second.path()).isEqualTo("/model/fb-503/converse");
    assertThat(sigV4.problem(second)).as("the second attempt is signed over its own body").isNull();
    assertThat(second.header("host")).isEqualTo(AWS_HOST);
    assertThat(second.headers()).as("nothing of the first attempt or the client goes to AWS")
        .doesNotContainValue("Bearer " + PRIMARY_KEY).doesNotContainValue("Bearer sk-client");
    assertThat(JSON.readTree(second.body()).has("messages")).isTrue();
    JsonNode log = logOfRule("to-bedrock");
    assertThat(log.path("costs").path("backend_name").asText()).isEqualTo("bedrock");
    assertThat(log.path("costs").path("llm_input_token").asInt()).isEqualTo(12);
  }

  @Test
  void aDirectAnswerNamesThePrimaryAndGoesNowhereElse() throws Exception {
    Call c = post("fb-direct", false);

    assertThat(c.curl().status()).isEqualTo(200);
    assertThat(c.curl().json().path("object").asText()).isEqualTo("chat.completion");
    assertThat(c.curl().headers()).doesNotContain("x-tollgate-attempt");
    assertThat(requestsFor(claude, "fb-direct")).isEmpty();
    JsonNode log = gateway.accessLogLine(c.requestId());
    assertThat(log.path("costs").path("backend_name").asText()).isEqualTo("primary");
    assertThat(log.path("costs").path("llm_input_token").asInt()).isEqualTo(11);
  }

  @Test
  void a429WithRetryAfterIsWaitedForThenTheNextPriorityAnswers() throws Exception {
    Call c = post("fb-429", false);

    assertThat(c.curl().status()).as(c.curl().body()).isEqualTo(200);
    assertThat(c.curl().json().path("choices").get(0).path("message").path("content").asText())
        .isEqualTo("Hello from Nova.");
    long asked = receivedAt.get("primary/fb-429").get(0);
    long retried = receivedAt.get("bedrock/fb-429").get(0);
    assertThat(Duration.ofNanos(retried - asked)).as("Envoy honours Retry-After: 1")
        .isGreaterThanOrEqualTo(Duration.ofMillis(900));
    assertThat(gateway.accessLogLine(c.requestId()).path("costs").path("backend_name").asText()).isEqualTo("bedrock");
  }

  @Test
  void aPrimaryThatRefusesConnectionsFallsBack() throws Exception {
    Call c = post("fb-connect", false);

    assertThat(c.curl().status()).as(c.curl().body()).isEqualTo(200);
    assertThat(c.curl().json().path("choices").get(0).path("message").path("content").asText())
        .isEqualTo("Hello from Claude.");
    assertThat(requestsFor(claude, "fb-connect").get(0).header("x-api-key")).isEqualTo(CLAUDE_KEY);
    assertThat(gateway.accessLogLine(c.requestId()).path("costs").path("backend_name").asText()).isEqualTo("claude");
  }

  @Test
  void aPrimarySilentBeforeItsFirstByteFailsOverWithinThePerTryIdleTimeout() throws Exception {
    Call c = post("fb-silent", false);

    assertThat(c.curl().status()).as(c.curl().body()).isEqualTo(200);
    assertThat(c.curl().json().path("choices").get(0).path("message").path("content").asText())
        .isEqualTo("Hello from Claude.");
    assertThat(requestsFor(primary, "fb-silent")).hasSize(1);
    assertThat(c.millis()).as("the primary would answer after 8 s; the idle timeout is 1 s").isLessThan(6000);
    assertThat(gateway.accessLogLine(c.requestId()).path("costs").path("backend_name").asText()).isEqualTo("claude");
  }

  @Test
  void whenEveryAttemptFailsTheClientGetsTheLastErrorInItsOwnFormat() throws Exception {
    Call c = post("fb-allfail", false);

    assertThat(c.curl().status()).isEqualTo(529);
    JsonNode error = c.curl().json().path("error");
    assertThat(error.path("message").asText()).isEqualTo("claude is overloaded too");
    assertThat(c.curl().json().has("type")).as("OpenAI's error shape, not Anthropic's").isFalse();
    assertThat(requestsFor(primary, "fb-allfail")).hasSize(1);
    assertThat(requestsFor(claude, "fb-allfail")).hasSize(1);
  }

  @Test
  void aStreamedRequestFailsOverBeforeItsFirstChunk() throws Exception {
    JsonNode r = Clients.python(gateway.base(), "chat_stream", "fb-stream");

    assertThat(r.path("content").asText()).as(r.toString()).isEqualTo("Hello from Claude.");
    assertThat(r.path("usage").path("prompt_tokens").asInt()).isEqualTo(25);
    assertThat(r.path("usage").path("completion_tokens").asInt()).isEqualTo(9);
    assertThat(requestsFor(primary, "fb-stream")).hasSize(1);
    JsonNode log = logOfRule("streamed");
    assertThat(log.path("costs").path("backend_name").asText()).isEqualTo("claude");
    assertThat(log.path("costs").path("llm_output_token").asInt()).isEqualTo(9);
  }

  @Test
  void anErrorEventMidStreamEndsTheClientsStreamWithItsOwnTerminalError() throws Exception {
    Call c = post("fb-midevent", true);

    String body = c.curl().body();
    assertThat(c.curl().status()).isEqualTo(200);
    assertThat(body).contains("Half an");
    int error = body.indexOf("\"error\"");
    assertThat(error).as(body).isPositive();
    assertThat(body.substring(error)).contains("Overloaded").contains("data: [DONE]");
    assertThat(gateway.accessLogLine(c.requestId()).path("costs").path("llm_input_token").asInt()).isEqualTo(17);
  }

  /**
   * A provider that resets the connection after the first chunks: Envoy resets the client's
   * stream at once (HTTP/1.1: the chunked body ends without its last chunk), so nothing can be
   * appended; the client sees the cut as an error, never as a complete answer, and the usage
   * read so far is charged.
   */
  @Test
  void aProviderResetMidStreamIsChargedForTheUsageSeenAndTheClientSeesTheCut() throws Exception {
    String id = UUID.randomUUID().toString();
    Tools.Run r = Tools.run(Duration.ofSeconds(60), "curl", "-s", "-S", "-N", "--max-time", "30",
        "-H", "content-type: application/json", "-H", "x-request-id: " + id,
        "--data", Clients.chatJson("fb-midcut", true), gateway.base() + "/v1/chat/completions");

    assertThat(r.exit()).as("curl sees the truncated body: " + r.output()).isIn(18, 56, 92);
    assertThat(r.output()).contains("Half a").doesNotContain("[DONE]");
    JsonNode log = gateway.accessLogLine(id);
    assertThat(log.path("costs").path("backend_name").asText()).isEqualTo("cutter");
    assertThat(log.path("costs").path("llm_input_token").asInt()).isEqualTo(31);
  }

  @Test
  void bothReplicasServedStreams() {
    assertThat(phaseCount(gateway.tollgateMetrics())).isPositive();
    assertThat(phaseCount(gateway.secondReplicaMetrics())).isPositive();
  }

  private static double phaseCount(String metrics) {
    Matcher m = Pattern.compile("(?m)^tollgate_extproc_phase_seconds_count\\{[^}]*phase=\"request_headers\"[^}]*} "
        + "([0-9.eE+-]+)$").matcher(metrics);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  /** The access-log line of the one request of this rule (the SDK sends its own request id). */
  private JsonNode logOfRule(String rule) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < deadline) {
      for (JsonNode l : gateway.accessLogLines()) {
        if (l.path("upstream_cluster").asText().equals("tollgate-rule-" + rule)) {
          return l;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no access-log line for rule " + rule + ": " + gateway.accessLogLines());
  }

  /** An Anthropic-schema provider that sends the start of a stream and then resets the connection. */
  private static final class CuttingUpstream implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final Thread thread = new Thread(this::serve, "cutting-upstream");

    CuttingUpstream() throws IOException {
      thread.setDaemon(true);
      thread.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void serve() {
      while (!server.isClosed()) {
        try (Socket s = server.accept()) {
          InputStream in = s.getInputStream();
          readRequest(in);
          OutputStream out = s.getOutputStream();
          out.write(("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
          for (String event : List.of(
              "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_2\",\"type\":\"message\",\"role\":\"assistant\","
                  + "\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":31,"
                  + "\"output_tokens\":1}}}",
              "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
              "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Half a\"}}")) {
            byte[] sse = ("event: " + JSON.readTree(event).path("type").asText() + "\ndata: " + event + "\n\n")
                .getBytes(StandardCharsets.UTF_8);
            out.write((Integer.toHexString(sse.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(sse);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
          }
          Thread.sleep(300);
          s.setSoLinger(true, 0); // close with a reset
        } catch (IOException | InterruptedException e) {
          if (server.isClosed()) {
            return;
          }
        }
      }
    }

    /** Reads the request line, headers and a content-length body. */
    private static void readRequest(InputStream in) throws IOException {
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          return;
        }
        head.append((char) b);
      }
      Matcher m = Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(head);
      if (m.find()) {
        in.readNBytes(Integer.parseInt(m.group(1)));
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
