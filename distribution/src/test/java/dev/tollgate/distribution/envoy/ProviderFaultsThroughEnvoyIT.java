package dev.tollgate.distribution.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.testkit.FakeBedrock;
import dev.tollgate.testkit.FakeOpenAi;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Providers that break the HTTP exchange itself, behind the real Envoy and Tollgate: a connection
 * reset mid-body, a body trickled a byte a second, a body longer or shorter than its
 * content-length, and no answer at all; each for a whole and a streamed request, to an OpenAI
 * backend and to Bedrock (Converse and ConverseStream, translated). The route timeout is 3 s (the
 * operator's bound on a whole exchange): every client call ends well within it plus a margin with
 * a clear answer, a whole answer as an error in the OpenAI format, a stream that already started
 * as a cut (the client's own HTTP library reports the body incomplete), and Tollgate's
 * open-streams gauge returns to 0 after each.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProviderFaultsThroughEnvoyIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String AWS_HOST = "bedrock-runtime.eu-west-1.amazonaws.com";
  private static final Duration ROUTE_TIMEOUT = Duration.ofSeconds(3);
  /** Route timeout plus Envoy's and the client's own time: nothing may take longer. */
  private static final long BOUND_MS = ROUTE_TIMEOUT.toMillis() + 5000;

  @TempDir
  static Path dir;
  private RawUpstream openai;
  private RawUpstream bedrock;
  private EnvoyAndTollgate gateway;
  private final List<String> table = new ArrayList<>();

  @BeforeAll
  void start() throws Exception {
    TestCa ca = TestCa.create(Files.createDirectories(dir.resolve("ca")));
    SSLContext tls = ca.serverContext("api.openai.com", AWS_HOST);
    openai = new RawUpstream(tls, r -> openAiFault(r));
    bedrock = new RawUpstream(tls, r -> bedrockFault(r));
    Path secrets = Files.createDirectories(dir.resolve("secrets"));
    Path aws = Files.writeString(secrets.resolve("aws"), "[default]\naws_access_key_id = AKIDEXAMPLE\n"
        + "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n");
    Path resources = Files.createDirectories(dir.resolve("resources"));
    Files.writeString(resources.resolve("r.yaml"), """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: r}
        spec:
          rules:
            - {name: bedrock, modelPattern: "amazon\\\\..+", backendRefs: [{name: bedrock}]}
            - {name: openai, modelPattern: ".+", backendRefs: [{name: openai}]}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: openai}
        spec:
          schema: {name: OpenAI}
          endpoint: {host: 127.0.0.1, port: %d, tls: true, sni: api.openai.com, caFile: "%s"}
          backendSecurityPolicyRef: {name: key}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: key}
        spec: {type: APIKey, apiKey: {inline: sk-upstream}}
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
        spec:
          type: AWSCredentials
          awsCredentials: {region: eu-west-1, credentialsFile: "%s"}
        """.formatted(openai.port(), ca.caPem(), bedrock.port(), AWS_HOST, ca.caPem(), aws));
    gateway = new EnvoyAndTollgate(dir);
    EnvoyAndTollgate.Translated t = gateway.translate(resources, "--route-timeout", "PT3S");
    gateway.start(t.gatewayConfig(), t.bootstrap());
    // warm: connections, TLS sessions and Tollgate's code paths, so that no fault's timing pays for them;
    // and a complete exchange is never counted as cut
    for (String model : new String[] {"gpt-4o-mini", "amazon.nova"}) {
      for (boolean stream : new boolean[] {false, true}) {
        Seen s = send("warm-up", model, stream);
        assertThat(s.status()).as(s.toString()).isEqualTo(200);
        assertThat(s.exit()).as(s.toString()).isZero();
        assertThat(lastCounted).noneMatch(c -> c.startsWith(CUT));
      }
    }
    table.clear();
  }

  private static final String CUT = "tollgate_extproc_streams_cut_total";
  private volatile List<String> lastCounted = List.of();

  /** Tollgate counted the exchange as one the proxy cut before its answer was complete. */
  private void countedAsCut() {
    assertThat(lastCounted).as("Tollgate counts the stream Envoy ended mid-answer").anyMatch(c -> c.startsWith(CUT));
  }

  @AfterAll
  void stop() throws Exception {
    System.out.println("fault | client saw\n" + String.join("\n", table));
    Files.write(Path.of("target/provider-faults.txt"), table);
    gateway.close();
    openai.close();
    bedrock.close();
  }

  // --- the OpenAI backend's faults, by model name ---

  private static final String CT_JSON = "application/json";
  private static final String CT_SSE = "text/event-stream";

  private static byte[] completion(String model) {
    return ("{\"id\":\"chatcmpl-f\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"" + model
        + "\",\"choices\":[{\"index\":0,\"finish_reason\":\"stop\",\"message\":{\"role\":\"assistant\","
        + "\"content\":\"Hello from the fake.\"}}],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7,"
        + "\"total_tokens\":18}}").getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] sse(String model) {
    return concat(FakeOpenAi.streamChunks(model, 11, 7, false));
  }

  private static byte[] concat(List<byte[]> pieces) {
    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
    pieces.forEach(all::writeBytes);
    return all.toByteArray();
  }

  private static RawUpstream.Fault openAiFault(RawUpstream.Request r) {
    JsonNode req;
    try {
      req = JSON.readTree(r.body());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    String model = req.path("model").asText();
    boolean stream = req.path("stream").asBoolean();
    String ct = stream ? CT_SSE : CT_JSON;
    byte[] body = stream ? sse(model) : completion(model);
    return switch (model) {
      case "reset" -> stream ? RawUpstream.resetMidStream(ct, FakeOpenAi.streamChunks(model, 11, 7, false).subList(0, 2))
          : RawUpstream.resetMidBody(ct, body);
      case "trickle" -> RawUpstream.trickle(ct, body, stream);
      case "longer" -> RawUpstream.longerThanItsLength(ct, body,
          "data: {\"injected\":true}\n\nHTTP/1.1 200 OK\r\n\r\n".getBytes(StandardCharsets.UTF_8));
      case "shorter-close" -> RawUpstream.shorterThanItsLength(ct, java.util.Arrays.copyOf(body, body.length / 2),
          body.length - body.length / 2, true);
      case "shorter-stall" -> RawUpstream.shorterThanItsLength(ct, java.util.Arrays.copyOf(body, body.length / 2),
          body.length - body.length / 2, false);
      case "never" -> RawUpstream.neverAnswers();
      default -> RawUpstream.answer(ct, body);
    };
  }

  private static RawUpstream.Fault bedrockFault(RawUpstream.Request r) {
    boolean stream = r.path().endsWith("/converse-stream");
    String ct = stream ? FakeBedrock.EVENT_STREAM : CT_JSON;
    List<byte[]> frames = FakeBedrock.textStream(List.of("Hello", " from", " Nova."), "end_turn", 12, 3);
    byte[] body = stream ? concat(frames) : concat(FakeBedrock.converseText("Hello from Nova.", "end_turn", 12, 3)
        .pieces());
    if (r.path().contains("amazon.reset")) {
      return stream ? RawUpstream.resetMidStream(ct, frames.subList(0, 2)) : RawUpstream.resetMidBody(ct, body);
    }
    if (r.path().contains("amazon.trickle")) {
      return RawUpstream.trickle(ct, body, stream);
    }
    if (r.path().contains("amazon.never")) {
      return RawUpstream.neverAnswers();
    }
    return RawUpstream.answer(ct, body);
  }

  // --- the client ---

  /** What curl saw: its exit code (0, or 18/56 for a body cut short), status, body, and how long it took. */
  record Seen(int exit, int status, String body, long millis) {
    JsonNode error() throws Exception {
      return JSON.readTree(body).path("error");
    }

    @Override
    public String toString() {
      return "exit " + exit + ", status " + status + ", " + millis + " ms, body "
          + body.replace("\n", "\\n").substring(0, Math.min(body.length(), 300));
    }
  }

  private Seen send(String fault, String model, boolean stream) throws Exception {
    java.util.Map<String, String> before = counters();
    String id = java.util.UUID.randomUUID().toString();
    long t0 = System.nanoTime();
    Tools.Run r = Tools.run(Duration.ofSeconds(30), "curl", "-s", "-N", "-D", "-", "--max-time", "20",
        gateway.url("/v1/chat/completions").toString(), "-H", "content-type: application/json",
        "-H", "x-request-id: " + id,
        "-d", "{\"model\":\"" + model + "\",\"stream\":" + stream
            + ",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    String out = r.output();
    int split = out.indexOf("\r\n\r\n");
    String head = split < 0 ? out : out.substring(0, split);
    String body = split < 0 ? "" : out.substring(split + 4);
    int status = head.startsWith("HTTP/") ? Integer.parseInt(head.lines().findFirst().orElseThrow().split(" ")[1]) : 0;
    Seen seen = new Seen(r.exit(), status, body, ms);
    JsonNode log = gateway.accessLogLine(id);
    EnvoyAndTollgate.await("Tollgate's open-streams gauge back to 0", Duration.ofSeconds(10),
        () -> gateway.openStreams() == 0, null, null);
    java.util.Map<String, String> after = counters();
    List<String> counted = after.entrySet().stream().filter(e -> !e.getValue().equals(before.get(e.getKey())))
        .map(e -> e.getKey() + " " + e.getValue()).toList();
    lastCounted = counted;
    table.add(fault + (stream ? " (streamed)" : " (whole)") + " | " + seen + " | Envoy: " + log.path("status").asText()
        + " " + log.path("response_flags").asText() + " " + log.path("details").asText() + " "
        + log.path("duration_ms").asText() + " ms | Tollgate counted: " + counted);
    assertThat(ms).as("%s: the client has its answer within the route timeout plus a margin", seen).isLessThan(BOUND_MS);
    return seen;
  }

  /** Tollgate's request and error counters, by series. */
  private java.util.Map<String, String> counters() {
    java.util.Map<String, String> m = new java.util.TreeMap<>();
    gateway.tollgateMetrics().lines().filter(l -> l.startsWith("tollgate_requests_total")
        || l.startsWith("tollgate_errors_total") || l.startsWith(CUT)).forEach(l -> {
          int sp = l.lastIndexOf(' ');
          m.put(l.substring(0, sp), l.substring(sp + 1));
        });
    return m;
  }

  private void cutError(Seen s, int status, String message) throws Exception {
    openAiError(s, status, message);
    countedAsCut();
  }

  private static void openAiError(Seen s, int status, String message) throws Exception {
    assertThat(s.exit()).as(s.toString()).isZero();
    assertThat(s.status()).as(s.toString()).isEqualTo(status);
    assertThat(s.error().path("message").asText()).as(s.toString()).contains(message);
    assertThat(s.error().path("type").asText()).as(s.toString()).isEqualTo("server_error");
  }

  private static final String BROKE_OFF = "the upstream's answer broke off before it was complete";
  private static final String IN_TIME = "the upstream did not finish its answer in time";

  /** A stream that began (200, some events) and was then cut: no [DONE], curl reports the body incomplete. */
  private void cutStream(Seen s) {
    countedAsCut();
    assertThat(s.status()).as(s.toString()).isEqualTo(200);
    assertThat(s.exit()).as("curl reports the chunked body cut short (18), not a clean end: " + s).isIn(18, 56);
    assertThat(s.body()).as(s.toString()).doesNotContain("[DONE]");
  }

  // --- OpenAI ---

  @Test
  void resetMidBodyOfAWholeAnswer() throws Exception {
    cutError(send("OpenAI: RST mid-body", "reset", false), 502, BROKE_OFF);
  }

  @Test
  void resetMidStream() throws Exception {
    Seen s = send("OpenAI: RST mid-stream", "reset", true);
    cutStream(s);
    assertThat(s.body()).contains("data: {");
  }

  @Test
  void aWholeAnswerTrickledAByteASecondEndsAtTheRouteTimeout() throws Exception {
    Seen s = send("OpenAI: 1 byte/s (route timeout 3 s)", "trickle", false);
    cutError(s, 504, IN_TIME);
    assertThat(s.millis()).isGreaterThanOrEqualTo(ROUTE_TIMEOUT.toMillis() - 100);
  }

  @Test
  void aStreamTrickledAByteASecondIsCutAtTheRouteTimeout() throws Exception {
    Seen s = send("OpenAI: 1 byte/s (route timeout 3 s)", "trickle", true);
    cutStream(s);
    assertThat(s.millis()).isGreaterThanOrEqualTo(ROUTE_TIMEOUT.toMillis() - 100);
  }

  @Test
  void aWholeAnswerLongerThanItsContentLengthIsTakenAsItsContentLength() throws Exception {
    Seen s = send("OpenAI: body longer than content-length", "longer", false);
    assertThat(s.exit()).isZero();
    assertThat(s.status()).isEqualTo(200);
    assertThat(JSON.readTree(s.body()).path("choices").get(0).path("message").path("content").asText())
        .isEqualTo("Hello from the fake.");
    assertThat(lastCounted).noneMatch(c -> c.startsWith(CUT));
  }

  @Test
  void aStreamLongerThanItsContentLengthEndsAtItsContentLength() throws Exception {
    Seen s = send("OpenAI: body longer than content-length", "longer", true);
    assertThat(s.exit()).as(s.toString()).isZero();
    assertThat(s.status()).isEqualTo(200);
    assertThat(s.body()).contains("data: [DONE]").doesNotContain("injected");
    assertThat(lastCounted).noneMatch(c -> c.startsWith(CUT));
  }

  @Test
  void aWholeAnswerShorterThanItsContentLengthThenClosed() throws Exception {
    cutError(send("OpenAI: body shorter than content-length, then FIN", "shorter-close", false), 502, BROKE_OFF);
  }

  @Test
  void aStreamShorterThanItsContentLengthThenClosed() throws Exception {
    cutStream(send("OpenAI: body shorter than content-length, then FIN", "shorter-close", true));
  }

  @Test
  void aWholeAnswerShorterThanItsContentLengthThenStalled() throws Exception {
    cutError(send("OpenAI: body shorter than content-length, then stall", "shorter-stall", false), 504, IN_TIME);
  }

  @Test
  void aStreamShorterThanItsContentLengthThenStalled() throws Exception {
    cutStream(send("OpenAI: body shorter than content-length, then stall", "shorter-stall", true));
  }

  @Test
  void aProviderThatNeverAnswersAWholeRequest() throws Exception {
    openAiError(send("OpenAI: never answers (no headers)", "never", false), 504, IN_TIME);
  }

  @Test
  void aProviderThatNeverAnswersAStreamedRequest() throws Exception {
    openAiError(send("OpenAI: never answers (no headers)", "never", true), 504, IN_TIME);
  }

  // --- Bedrock (Converse / ConverseStream, translated to OpenAI) ---

  @Test
  void bedrockResetMidBody() throws Exception {
    cutError(send("Bedrock Converse: RST mid-body", "amazon.reset", false), 502, BROKE_OFF);
  }

  @Test
  void bedrockResetMidEventStream() throws Exception {
    Seen s = send("Bedrock ConverseStream: RST mid-stream", "amazon.reset", true);
    cutStream(s);
  }

  @Test
  void bedrockEventStreamTrickledIsCutAtTheRouteTimeout() throws Exception {
    cutStream(send("Bedrock ConverseStream: 1 byte/s (route timeout 3 s)", "amazon.trickle", true));
  }

  @Test
  void bedrockNeverAnswersAStream() throws Exception {
    openAiError(send("Bedrock ConverseStream: never answers", "amazon.never", true), 504, IN_TIME);
  }
}
