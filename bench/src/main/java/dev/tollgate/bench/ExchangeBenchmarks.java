package dev.tollgate.bench;

import dev.tollgate.api.Headers;
import dev.tollgate.core.Platform;
import dev.tollgate.core.pipeline.ExchangeSession;
import dev.tollgate.core.pipeline.Gateway;
import dev.tollgate.core.pipeline.GatewayListener;
import dev.tollgate.core.pipeline.PhaseResult;
import dev.tollgate.testkit.FakeBedrock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Tollgate's own work per exchange, in process, without gRPC: the core's {@link ExchangeSession}
 * driven phase by phase exactly as the ext_proc service drives it, with the built-in plugins
 * (openai, aws-bedrock, api-key, aws-auth, token-costs) found on the class path and the bench
 * gateway config ({@code bench/config/gateway.yaml}, or {@code -Dbench.config=...}).
 *
 * <ul>
 *   <li>{@code *Request}: request headers + buffered request body (routing, translation, auth:
 *       an API key for OpenAI, SigV4 signing for Bedrock);</li>
 *   <li>{@code *Exchange}: the whole buffered exchange (request, then the upstream's response
 *       headers and body: OpenAI JSON passed through with usage read for costs, or a Converse
 *       answer translated to a chat completion);</li>
 *   <li>{@code *Stream}: a streamed exchange with {@code chunks} content chunks (OpenAI SSE
 *       passthrough, or Bedrock event-stream frames to SSE); the per-chunk cost is
 *       (time at chunks=64 − time at chunks=0) / 64.</li>
 * </ul>
 * Results are checked once in setup, so a benchmark that silently fails fast cannot pass.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ExchangeBenchmarks {
  /** The streamed answers, {@code chunks} content chunks long. */
  @State(Scope.Benchmark)
  public static class Stream {
    @Param({"0", "64"})
    public int chunks;
    List<byte[]> sse;
    List<byte[]> frames;

    @Setup(Level.Trial)
    public void setUp() {
      sse = Scenario.sseChunks(chunks);
      frames = Scenario.bedrockFrames(chunks);
    }
  }

  private Platform platform;
  private Gateway gateway;
  private Path work;

  private Headers openAiRequestHeaders;
  private Headers openAiStreamRequestHeaders;
  private byte[] openAiRequest;
  private byte[] bedrockRequest;
  private byte[] openAiStreamRequest;
  private byte[] bedrockStreamRequest;
  private final Headers jsonResponseHeaders = Headers.of(":status", "200", "content-type", "application/json",
      "date", "Thu, 26 Nov 2026 10:00:00 GMT", "x-request-id", "req-7d3c9a1f");
  private final Headers sseResponseHeaders = Headers.of(":status", "200", "content-type", "text/event-stream",
      "date", "Thu, 26 Nov 2026 10:00:00 GMT");
  private final Headers eventStreamResponseHeaders = Headers.of(":status", "200", "content-type",
      FakeBedrock.EVENT_STREAM, "date", "Thu, 26 Nov 2026 10:00:00 GMT");
  private byte[] completion;
  private byte[] converse;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    work = Files.createTempDirectory("tollgate-jmh");
    Path config = Path.of(System.getProperty("bench.config", "config/gateway.yaml"));
    if (!Files.exists(config)) {
      config = Path.of("bench/config/gateway.yaml");
    }
    platform = Platform.start(Files.createDirectories(work.resolve("no-plugins")), config, Duration.ZERO,
        GatewayListener.NONE);
    gateway = platform.gateway();
    openAiRequest = request(Scenario.OPENAI_MODEL, false);
    bedrockRequest = request(Scenario.BEDROCK_MODEL, false);
    openAiStreamRequest = request(Scenario.OPENAI_MODEL, true);
    bedrockStreamRequest = request(Scenario.BEDROCK_MODEL, true);
    openAiRequestHeaders = requestHeaders(openAiRequest.length, false);
    openAiStreamRequestHeaders = requestHeaders(openAiStreamRequest.length, true);
    completion = Scenario.completionJson();
    converse = Scenario.converseJson();
    check();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    platform.close();
  }

  private static Headers requestHeaders(int length, boolean stream) {
    return Headers.of(":method", "POST", ":path", "/v1/chat/completions", ":authority", "gateway.example.com",
        ":scheme", "https", "content-type", "application/json", "content-length", Integer.toString(length),
        "accept", stream ? "text/event-stream" : "application/json",
        "authorization", "Bearer sk-client-key-not-used-upstream", "user-agent", "OpenAI/Python 1.54.0",
        "x-forwarded-proto", "https", "x-request-id", "3f1c2a9e-5b7d-4e0a-9c41-8d2f6b1e7a90");
  }

  private static byte[] request(String model, boolean stream) {
    return ("{\"model\":\"" + model + "\",\"messages\":["
        + "{\"role\":\"system\",\"content\":\"You are a helpful assistant that answers in one short paragraph.\"},"
        + "{\"role\":\"user\",\"content\":\"Explain in two sentences what an API gateway does and why teams put one "
        + "in front of LLM providers.\"}],\"max_tokens\":256,\"temperature\":0.3"
        + (stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "") + "}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private void check() {
    PhaseResult r = bufferedExchange(bedrockRequest, converse, null);
    String out = new String(r.body(), StandardCharsets.UTF_8);
    require(out.contains("\"chat.completion\""), "Bedrock answer not translated: " + out);
    require(!r.metadata().isEmpty(), "no costs emitted for the Bedrock exchange");
    r = bufferedExchange(openAiRequest, completion, null);
    require(!r.metadata().isEmpty(), "no costs emitted for the OpenAI exchange");
    StringBuilder sb = new StringBuilder();
    r = streamedExchange(bedrockStreamRequest, eventStreamResponseHeaders, Scenario.bedrockFrames(8), null, sb);
    require(sb.toString().contains("chat.completion.chunk") && sb.toString().contains("[DONE]"),
        "Bedrock stream not translated to SSE: " + sb);
    require(!r.metadata().isEmpty(), "no costs emitted for the Bedrock stream");
    r = streamedExchange(openAiStreamRequest, sseResponseHeaders, Scenario.sseChunks(8), null, null);
    require(!r.metadata().isEmpty(), "no costs emitted for the OpenAI stream");
  }

  private static void require(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException(what);
    }
  }

  private PhaseResult requestPhases(byte[] body, Blackhole bh) {
    ExchangeSession s = gateway.newExchange();
    PhaseResult h = s.onRequestHeaders(openAiRequestHeaders.with("content-length", Integer.toString(body.length)), false);
    PhaseResult b = s.onRequestBody(body, true);
    require(!b.isLocalReply(), "request refused: " + (b.isLocalReply() ? new String(b.localReply().body(), StandardCharsets.UTF_8) : ""));
    if (bh != null) {
      bh.consume(h);
    }
    return b;
  }

  private PhaseResult bufferedExchange(byte[] request, byte[] answer, Blackhole bh) {
    ExchangeSession s = gateway.newExchange();
    PhaseResult h = s.onRequestHeaders(openAiRequestHeaders, false);
    PhaseResult b = s.onRequestBody(request, true);
    PhaseResult rh = s.onResponseHeaders(jsonResponseHeaders.with("content-length", Integer.toString(answer.length)), false);
    PhaseResult rb = s.onResponseBody(answer, true);
    require(!b.isLocalReply() && !rb.isLocalReply(), "exchange refused");
    if (bh != null) {
      bh.consume(h);
      bh.consume(b);
      bh.consume(rh);
    }
    return rb;
  }

  private PhaseResult streamedExchange(byte[] request, Headers responseHeaders, List<byte[]> pieces, Blackhole bh,
                                       StringBuilder out) {
    ExchangeSession s = gateway.newExchange();
    PhaseResult h = s.onRequestHeaders(openAiStreamRequestHeaders, false);
    PhaseResult b = s.onRequestBody(request, true);
    PhaseResult rh = s.onResponseHeaders(responseHeaders, false);
    require(rh.responseBodyMode() == PhaseResult.BodyMode.STREAMED, "response not switched to STREAMED");
    PhaseResult last = null;
    for (int i = 0; i < pieces.size(); i++) {
      byte[] piece = pieces.get(i);
      last = s.onResponseBody(piece, i == pieces.size() - 1);
      if (out != null) {
        out.append(new String(last.body() == null ? piece : last.body(), StandardCharsets.UTF_8));
      }
      if (bh != null) {
        bh.consume(last);
      }
    }
    if (bh != null) {
      bh.consume(h);
      bh.consume(b);
      bh.consume(rh);
    }
    return last;
  }

  /** OpenAI passthrough: routing, API key, body rewritten with the model header. */
  @Benchmark
  public PhaseResult openAiPassthroughRequest(Blackhole bh) {
    return requestPhases(openAiRequest, bh);
  }

  /** OpenAI passthrough, whole buffered exchange including usage → costs. */
  @Benchmark
  public PhaseResult openAiPassthroughExchange(Blackhole bh) {
    return bufferedExchange(openAiRequest, completion, bh);
  }

  /** OpenAI → Bedrock Converse request translation and SigV4 signing. */
  @Benchmark
  public PhaseResult bedrockRequest(Blackhole bh) {
    return requestPhases(bedrockRequest, bh);
  }

  /** OpenAI → Bedrock, whole buffered exchange: request translation + Converse answer → chat completion. */
  @Benchmark
  public PhaseResult bedrockExchange(Blackhole bh) {
    return bufferedExchange(bedrockRequest, converse, bh);
  }

  /** Streamed OpenAI passthrough with {@code chunks} SSE chunks (+ usage chunk and [DONE]). */
  @Benchmark
  public PhaseResult openAiStream(Stream st, Blackhole bh) {
    return streamedExchange(openAiStreamRequest, sseResponseHeaders, st.sse, bh, null);
  }

  /** Streamed Bedrock with {@code chunks} delta frames (+ start, stops, metadata) translated to SSE. */
  @Benchmark
  public PhaseResult bedrockStream(Stream st, Blackhole bh) {
    return streamedExchange(bedrockStreamRequest, eventStreamResponseHeaders, st.frames, bh, null);
  }
}
