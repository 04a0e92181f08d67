package dev.tollgate.extproc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OpenTelemetry spans of exchanges and phases, exported over OTLP/HTTP to a receiver on loopback. */
class ExchangeTracingTest {
  private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
  private static final String CLIENT_SPAN = "b7ad6b7169203331";
  @TempDir
  Path dir;

  private FakeOtlpCollector collector;
  private ExchangeTracing tracing;
  private LoopbackServer server;
  private io.grpc.Channel channel;

  @BeforeEach
  void start() throws Exception {
    collector = new FakeOtlpCollector();
    tracing = ExchangeTracing.otlp(collector.tracesEndpoint(), 1.0, "tollgate-test");
    // the Scripted backend hangs for models hang-*: past this 2 s phase timeout
    server = new LoopbackServer(dir, LoopbackServer.INLINE_AND_SCRIPTED, Duration.ofSeconds(2), tracing);
    channel = server.channel;
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    tracing.close();
    collector.close();
  }

  /** Ends every stream and exports all spans buffered. */
  private void flush() throws Exception {
    server.stopServing();
    tracing.close();
  }

  @Test
  void anExchangeIsOneServerSpanInTheClientsTraceWithASpanPerPhase() throws Exception {
    try (ExtProcDriver d = new ExtProcDriver(channel)) {
      d.chat("fast", false, "x-ai-eg-model", "fast", "traceparent", "00-" + TRACE_ID + "-" + CLIENT_SPAN + "-01");
      d.responseHeaders(":status", "200", "content-type", "application/json");
      d.responseBody("{\"ok\":true}", true);
    }
    flush();

    assertThat(collector.contentTypes).allMatch(t -> t.startsWith("application/x-protobuf"));
    List<FakeOtlpCollector.ReceivedSpan> exchanges = collector.named("ext_proc exchange");
    assertThat(exchanges).hasSize(1);
    FakeOtlpCollector.ReceivedSpan exchange = exchanges.get(0);
    assertThat(exchange.traceId()).isEqualTo(TRACE_ID);
    assertThat(exchange.parentSpanId()).isEqualTo(CLIENT_SPAN);
    assertThat(exchange.kind()).isEqualTo(2); // SPAN_KIND_SERVER
    assertThat(exchange.attributes()).containsEntry("tollgate.rule", "fast").containsEntry("tollgate.backend", "inline")
        .containsEntry("gen_ai.request.model", "fast").containsEntry("gen_ai.response.model", "fast")
        .containsEntry("gen_ai.usage.input_tokens", "1").containsEntry("gen_ai.usage.output_tokens", "1")
        .containsEntry("http.response.status_code", "200");
    assertThat(exchange.statusCode()).isNotEqualTo(2); // not ERROR
    for (String phase : List.of("request_headers", "request_body", "response_headers", "response_body")) {
      assertThat(collector.named(phase)).as(phase).singleElement().satisfies(s -> {
        assertThat(s.traceId()).isEqualTo(TRACE_ID);
        assertThat(s.parentSpanId()).isEqualTo(exchange.spanId());
      });
    }
  }

  @Test
  void theProxysTraceContextInTheCallMetadataWinsAndAStreamedAnswerIsOneBodySpan() throws Exception {
    String proxyTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
    String proxySpan = "00f067aa0ba902b7";
    Metadata md = new Metadata();
    md.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER), "00-" + proxyTrace + "-" + proxySpan + "-01");
    try (ExtProcDriver d = new ExtProcDriver(ClientInterceptors.intercept(channel,
        MetadataUtils.newAttachHeadersInterceptor(md)))) {
      d.chat("fast", true, "x-ai-eg-model", "fast", "traceparent", "00-" + TRACE_ID + "-" + CLIENT_SPAN + "-01");
      d.responseHeaders(":status", "200", "content-type", "text/event-stream");
      for (int i = 0; i < 5; i++) {
        d.sendNoWait(ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
            .setBody(ByteString.copyFromUtf8("data: {}\n\n")).setEndOfStream(i == 4)).build());
      }
      for (int i = 0; i < 5; i++) {
        assertThat(d.next("chunk " + i).hasResponseBody()).isTrue();
      }
    }
    flush();

    FakeOtlpCollector.ReceivedSpan exchange = collector.named("ext_proc exchange").get(0);
    assertThat(exchange.traceId()).isEqualTo(proxyTrace);
    assertThat(exchange.parentSpanId()).isEqualTo(proxySpan);
    assertThat(collector.named("response_body")).singleElement().satisfies(s -> {
      assertThat(s.parentSpanId()).isEqualTo(exchange.spanId());
      assertThat(s.attributes()).containsEntry("tollgate.response_chunks", "5");
    });
  }

  @Test
  void localRepliesAndTimeoutsAreOnTheExchangeSpan() throws Exception {
    try (ExtProcDriver d = new ExtProcDriver(channel)) {
      ProcessingResponse r = d.requestHeaders(false, ":method", "POST", ":path", "/v1/nowhere");
      assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(404);
    }
    try (ExtProcDriver d = new ExtProcDriver(channel)) {
      // the Scripted translator hangs past the 2 s phase timeout
      ProcessingResponse r = d.chat("hang-1", false, "x-ai-eg-model", "hang-1");
      assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(504);
      d.awaitServerEnd();
    }
    flush();

    List<FakeOtlpCollector.ReceivedSpan> exchanges = collector.named("ext_proc exchange");
    assertThat(exchanges).hasSize(2);
    assertThat(exchanges).anySatisfy(s -> {
      assertThat(s.attributes()).containsEntry("http.response.status_code", "404")
          .containsEntry("tollgate.local_reply", "unknown_path");
      assertThat(s.statusCode()).isNotEqualTo(2); // a client error is not the server's
      assertThat(s.traceId()).isNotEqualTo(TRACE_ID);
      assertThat(s.parentSpanId()).isEmpty(); // no caller trace: a new root
    });
    assertThat(exchanges).anySatisfy(s -> {
      assertThat(s.attributes()).containsEntry("http.response.status_code", "504")
          .containsEntry("tollgate.local_reply", "phase_timeout").containsEntry("gen_ai.request.model", "hang-1");
      assertThat(s.statusCode()).isEqualTo(2); // STATUS_CODE_ERROR
    });
  }
}
