package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.tollgate.core.Platform;
import dev.tollgate.core.pipeline.GatewayListener;
import dev.tollgate.extproc.TollgateServer;
import dev.tollgate.testkit.EnvoyLikeClient;
import dev.tollgate.testkit.FakeOpenAi;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.HttpExchange;
import dev.tollgate.testkit.ProxyResponse;
import dev.tollgate.testkit.TollgateHarness;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Tollgate as shipped (plugin zips) against hostile or broken input: every case gets a local reply
 * with a status and an error JSON in the client's format, and no ext_proc stream stays open.
 */
class HardeningTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = "sk-hardening-2f8d1e-never-log";
  private static final int MAX_BODY = 4096;

  @TempDir
  Path dir;
  FakeUpstream upstream;
  Platform platform;
  TollgateServer server;
  ManagedChannel channel;
  EnvoyLikeClient envoy;

  @BeforeEach
  void start() throws Exception {
    upstream = new FakeUpstream(FakeOpenAi.handler(KEY, 11, 7));
    Path config = Files.writeString(dir.resolve("gateway.yaml"), """
        uuid: hardening
        maxRequestBodyBytes: %d
        rules:
          - name: mini
            headers:
              - {name: x-ai-eg-model, type: Exact, value: gpt-4o-mini}
            backends:
              - name: primary
        backends:
          - name: primary
            schema: {name: OpenAI}
            auth: {type: APIKey, key: %s}
        """.formatted(MAX_BODY, KEY));
    platform = Platform.start(Plugins.dir(), config, Duration.ZERO, GatewayListener.NONE);
    server = new TollgateServer(platform.gateway(), new TollgateServer.Options("127.0.0.1", 0, null,
        Duration.ofSeconds(1)));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    envoy = new EnvoyLikeClient(channel, EnvoyLikeClient.FilterConfig.tollgateDefault(),
        Map.of("primary", upstream.uri()), TollgateHarness.SELECTED_BACKEND_HEADER);
  }

  @AfterEach
  void stop() throws Exception {
    try {
      awaitNoOpenStreams();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.close();
      platform.close();
      upstream.close();
    }
  }

  private void awaitNoOpenStreams() throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (server.service().openStreams() != 0) {
      if (System.nanoTime() > end) {
        throw new AssertionError(server.service().openStreams() + " ext_proc streams still open");
      }
      Thread.sleep(20);
    }
  }

  /** A local reply with {@code status} and an OpenAI error whose message contains {@code text}. */
  private static void assertLocalError(ProxyResponse r, int status, String text) throws Exception {
    assertThat(r.localReply()).as("answered by the gateway").isTrue();
    assertThat(r.status()).isEqualTo(status);
    JsonNode err = JSON.readTree(r.body()).path("error");
    assertThat(err.path("message").asText()).containsIgnoringCase(text);
    assertThat(err.path("type").asText()).isNotBlank();
  }

  private ProxyResponse post(byte[] body) throws Exception {
    return envoy.send(new HttpExchange("POST", "/v1/chat/completions", Map.of("content-type", "application/json"), body));
  }

  @Test
  void malformedTruncatedAndNonUtf8BodiesGet400() throws Exception {
    assertLocalError(post("{\"model\":\"gpt-4o-mini\",\"messages\":[".getBytes(StandardCharsets.UTF_8)), 400, "not valid JSON");
    assertLocalError(post("not json at all".getBytes(StandardCharsets.UTF_8)), 400, "not valid JSON");
    assertLocalError(post(new byte[] {'{', '"', 'm', '"', ':', '"', (byte) 0xff, (byte) 0xfe, '"', '}'}), 400, "JSON");
    assertLocalError(post(new byte[] {(byte) 0xc3, (byte) 0x28, 0, 1, 2}), 400, "JSON");
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void jsonThatIsNotAnObjectOrHasNoUsableModelGets400() throws Exception {
    for (String body : List.of("[]", "[{\"model\":\"gpt-4o-mini\"}]", "42", "\"gpt-4o-mini\"", "null", "true")) {
      assertLocalError(post(body.getBytes(StandardCharsets.UTF_8)), 400, "JSON object");
    }
    for (String body : List.of("{}", "{\"model\":42}", "{\"model\":null}", "{\"model\":\"  \"}", "{\"model\":{}}")) {
      assertLocalError(post(body.getBytes(StandardCharsets.UTF_8)), 400, "no model");
    }
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void aBodyOverTheLimitGets413() throws Exception {
    String big = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "a".repeat(MAX_BODY)
        + "\"}]}";
    assertLocalError(post(big.getBytes(StandardCharsets.UTF_8)), 413, "larger than " + MAX_BODY);
    // exactly at the limit is fine as far as size goes (unknown model then)
    String atLimit = "{\"model\":\"x\",\"p\":\"" + "a".repeat(MAX_BODY - 20) + "\"}";
    assertThat(atLimit.length()).isEqualTo(MAX_BODY);
    assertLocalError(post(atLimit.getBytes(StandardCharsets.UTF_8)), 404, "x");
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void unknownPathsAndWrongMethodsGetLocalReplies() throws Exception {
    assertLocalError(envoy.send(HttpExchange.postJson("/v1/nope", "{}")), 404, "/v1/nope");
    assertLocalError(envoy.send(HttpExchange.postJson("/../../etc/passwd\u0001", "{}")), 404, "is not served");
    assertLocalError(envoy.send(HttpExchange.get("/v1/chat/completions")), 405, "use POST");
    assertLocalError(envoy.send(HttpExchange.postJson("/v1/models", "{}")), 405, "use GET");
    assertLocalError(envoy.send(new HttpExchange("POST", "/v1/chat/completions", Map.of(), new byte[0])), 400, "no body");
  }

  // --- protocol-level abuse, driven message by message ---

  /** One raw ext_proc stream: send a message, get its answer, see whether the server ended the stream. */
  private final class Raw {
    final LinkedBlockingQueue<Object> answers = new LinkedBlockingQueue<>();
    final CompletableFuture<Void> ended = new CompletableFuture<>();
    final StreamObserver<ProcessingRequest> out = ExternalProcessorGrpc.newStub(channel).process(new StreamObserver<>() {
      @Override
      public void onNext(ProcessingResponse v) {
        answers.add(v);
      }

      @Override
      public void onError(Throwable t) {
        ended.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        ended.complete(null);
      }
    });

    ProcessingResponse send(ProcessingRequest r) throws Exception {
      out.onNext(r);
      Object a = answers.poll(15, TimeUnit.SECONDS);
      assertThat(a).as("an answer to " + r.getRequestCase()).isNotNull();
      return (ProcessingResponse) a;
    }

    /** Sends {@code r}; expects a local reply with {@code status} and an error JSON, and the stream ended by the server. */
    void expectLocalReply(ProcessingRequest r, int status, String text) throws Exception {
      ProcessingResponse resp = send(r);
      assertThat(resp.hasImmediateResponse()).as("local reply to " + r.getRequestCase()).isTrue();
      assertThat(resp.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(status);
      assertThat(JSON.readTree(resp.getImmediateResponse().getBody().toByteArray()).path("error").path("message")
          .asText()).containsIgnoringCase(text);
      ended.get(5, TimeUnit.SECONDS);
    }
  }

  private static HeaderMap headers(String... kv) {
    HeaderMap.Builder b = HeaderMap.newBuilder();
    for (int i = 0; i < kv.length; i += 2) {
      b.addHeaders(HeaderValue.newBuilder().setKey(kv[i]).setRawValue(ByteString.copyFromUtf8(kv[i + 1])));
    }
    return b.build();
  }

  private static ProcessingRequest reqHeaders(boolean eos, String... kv) {
    return ProcessingRequest.newBuilder().setRequestHeaders(HttpHeaders.newBuilder().setHeaders(headers(kv))
        .setEndOfStream(eos)).build();
  }

  private static ProcessingRequest reqBody(String body) {
    return ProcessingRequest.newBuilder().setRequestBody(HttpBody.newBuilder()
        .setBody(ByteString.copyFromUtf8(body)).setEndOfStream(true)).build();
  }

  @Test
  void missingPseudoHeadersAndMessagesOutOfOrderAreAnsweredAndTheStreamEnds() throws Exception {
    // no :path at all
    new Raw().expectLocalReply(reqHeaders(false, ":method", "POST", "content-type", "application/json"), 404, "(none)");
    // no :method on a chat path: treated as POST (Envoy always sends one), so the body is asked for and judged
    Raw noMethod = new Raw();
    assertThat(noMethod.send(reqHeaders(false, ":path", "/v1/chat/completions")).hasRequestHeaders()).isTrue();
    noMethod.expectLocalReply(reqBody("{\"model\":\"nope\"}"), 404, "nope");
    // request body before headers
    new Raw().expectLocalReply(reqBody("{\"model\":\"gpt-4o-mini\"}"), 500, "out of order");
    // response headers before the request body: Envoy's own reply (here its buffer limit) goes on
    // with its status, in the client's error format, instead of becoming a 500
    Raw early = new Raw();
    early.send(reqHeaders(false, ":method", "POST", ":path", "/v1/chat/completions"));
    ProcessingResponse envoyReply = early.send(ProcessingRequest.newBuilder().setResponseHeaders(HttpHeaders.newBuilder()
        .setHeaders(headers(":status", "413", "content-type", "text/plain"))).build());
    assertThat(envoyReply.hasImmediateResponse()).isFalse();
    JsonNode replaced = JSON.readTree(envoyReply.getResponseHeaders().getResponse().getBodyMutation().getBody()
        .toByteArray()).path("error");
    assertThat(replaced.path("code").asText()).isEqualTo("413");
    assertThat(replaced.path("message").asText()).contains("buffer limit");
    early.out.onCompleted();
    early.ended.get(5, TimeUnit.SECONDS);
    // response body before response headers
    Raw noHead = new Raw();
    noHead.send(reqHeaders(false, ":method", "POST", ":path", "/v1/chat/completions"));
    assertThat(noHead.send(reqBody("{\"model\":\"gpt-4o-mini\",\"messages\":[]}")).hasRequestBody()).isTrue();
    noHead.expectLocalReply(ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
        .setBody(ByteString.copyFromUtf8("{}")).setEndOfStream(true)).build(), 500, "out of order");
    // headers twice
    Raw twice = new Raw();
    twice.send(reqHeaders(false, ":method", "POST", ":path", "/v1/chat/completions"));
    twice.expectLocalReply(reqHeaders(false, ":method", "POST", ":path", "/v1/chat/completions"), 500, "out of order");
    // a message without any phase
    new Raw().expectLocalReply(ProcessingRequest.getDefaultInstance(), 500, "without a phase");
    // streamed request body over the limit, in pieces
    Raw pieces = new Raw();
    pieces.send(reqHeaders(false, ":method", "POST", ":path", "/v1/chat/completions"));
    byte[] piece = new byte[MAX_BODY / 2];
    ProcessingResponse r = null;
    for (int i = 0; i < 3 && (r == null || !r.hasImmediateResponse()); i++) {
      r = pieces.send(ProcessingRequest.newBuilder().setRequestBody(HttpBody.newBuilder()
          .setBody(ByteString.copyFrom(piece)).setEndOfStream(false)).build());
    }
    assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(413);
    pieces.ended.get(5, TimeUnit.SECONDS);
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void seededGarbageBodiesAlwaysGet4xxNeverA5xxOrAHang() throws Exception {
    long seed = Long.getLong("tollgate.fuzz.seed", 20261126L);
    Random rnd = new Random(seed);
    String valid = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stream\":false}";
    int served = 0;
    for (int i = 0; i < 300; i++) {
      byte[] body = switch (rnd.nextInt(6)) {
        case 0 -> randomBytes(rnd, 1 + rnd.nextInt(200));
        case 1 -> valid.substring(0, rnd.nextInt(valid.length())).getBytes(StandardCharsets.UTF_8);
        case 2 -> flip(rnd, valid.getBytes(StandardCharsets.UTF_8));
        case 3 -> randomJson(rnd, 0).getBytes(StandardCharsets.UTF_8);
        case 4 -> ("{\"model\":" + randomJson(rnd, 0) + ",\"messages\":" + randomJson(rnd, 0) + "}")
            .getBytes(StandardCharsets.UTF_8);
        default -> randomBytes(rnd, MAX_BODY + 1 + rnd.nextInt(1000));
      };
      if (body.length == 0) {
        continue;
      }
      ProxyResponse r = post(body);
      String what = "seed " + seed + " case " + i + ": " + preview(body);
      assertThat(r.status()).as(what).isLessThan(500);
      if (r.status() >= 400) {
        assertThat(r.localReply()).as(what).isTrue();
        assertThat(JSON.readTree(r.body()).path("error").path("message").asText()).as(what).isNotBlank();
      } else {
        // only a body that really is a usable request may pass
        JsonNode sent = JSON.readTree(body);
        assertThat(sent.path("model").asText()).as(what).isEqualTo("gpt-4o-mini");
        served++;
      }
    }
    assertThat(served).as("almost everything is refused").isLessThan(60);
  }

  private static byte[] randomBytes(Random rnd, int n) {
    byte[] b = new byte[n];
    rnd.nextBytes(b);
    return b;
  }

  private static byte[] flip(Random rnd, byte[] b) {
    byte[] c = b.clone();
    for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
      c[rnd.nextInt(c.length)] = (byte) rnd.nextInt(256);
    }
    return c;
  }

  private static String randomJson(Random rnd, int depth) {
    int pick = depth > 3 ? rnd.nextInt(4) : rnd.nextInt(7);
    return switch (pick) {
      case 0 -> Integer.toString(rnd.nextInt());
      case 1 -> "\"" + Long.toHexString(rnd.nextLong()) + "\"";
      case 2 -> "null";
      case 3 -> rnd.nextBoolean() ? "true" : "false";
      case 4 -> "[" + randomJson(rnd, depth + 1) + "," + randomJson(rnd, depth + 1) + "]";
      case 5 -> "{\"" + Integer.toHexString(rnd.nextInt()) + "\":" + randomJson(rnd, depth + 1) + "}";
      default -> "1e" + rnd.nextInt(400);
    };
  }

  private static String preview(byte[] body) {
    String s = new String(body, 0, Math.min(body.length, 80), StandardCharsets.ISO_8859_1)
        .replaceAll("[^\\x20-\\x7e]", "?");
    return s + (body.length > 80 ? "... (" + body.length + " bytes)" : "");
  }

  @Test
  void theBackendKeyNeverAppearsInTheLogs() throws Exception {
    ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("ROOT");
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    root.addAppender(captured);
    Level was = root.getLevel();
    root.setLevel(Level.DEBUG);
    try {
      ProxyResponse ok = post("{\"model\":\"gpt-4o-mini\",\"messages\":[]}".getBytes(StandardCharsets.UTF_8));
      assertThat(ok.status()).isEqualTo(200);
      assertThat(upstream.last().header("authorization")).isEqualTo("Bearer " + KEY);
      upstream.handler(req -> FakeUpstream.Answer.json(401,
          "{\"error\":{\"message\":\"Incorrect API key provided: " + KEY + "\",\"type\":\"invalid_request_error\"}}"));
      post("{\"model\":\"gpt-4o-mini\",\"messages\":[]}".getBytes(StandardCharsets.UTF_8));
      upstream.handler(req -> new FakeUpstream.Answer(200, Map.of("content-type", "application/json"),
          List.of("{not json".getBytes(StandardCharsets.UTF_8))));
      post("{\"model\":\"gpt-4o-mini\",\"messages\":[]}".getBytes(StandardCharsets.UTF_8));
      post("{\"model\":\"gpt-4o-mini\"".getBytes(StandardCharsets.UTF_8));
      post(("{\"model\":\"" + KEY + "\"}").getBytes(StandardCharsets.UTF_8));
    } finally {
      root.setLevel(was);
      root.detachAppender(captured);
    }
    StringBuilder all = new StringBuilder();
    for (ILoggingEvent e : captured.list) {
      all.append(e.getLoggerName()).append(' ').append(e.getFormattedMessage()).append('\n');
      if (e.getThrowableProxy() != null) {
        all.append(ThrowableProxyUtil.asString(e.getThrowableProxy())).append('\n');
      }
    }
    String log = all.toString();
    assertThat(log).as("debug logging was on").contains("authorization=<redacted>");
    assertThat(log).doesNotContain(KEY);
  }
}
