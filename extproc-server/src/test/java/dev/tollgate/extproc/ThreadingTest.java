package dev.tollgate.extproc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which thread runs a phase: the gRPC transport thread when every extension involved is
 * {@code @NonBlocking}, a worker otherwise, with answers in Envoy's order either way and a
 * blocked phase never holding up other streams on the same connection.
 */
class ThreadingTest {
  @TempDir
  Path dir;

  @BeforeEach
  void clear() {
    InlineTranslator.CALLS.clear();
    RecordingGuard.CALLS.clear();
  }

  private static final String INLINE_ONLY = """
      rules:
        - name: all
          headers: [{name: x-ai-eg-model, type: RegularExpression, value: ".*"}]
          backends: [{name: inline}]
      backends:
        - name: inline
          schema: {name: Inline}
      """;

  private static ProcessingResponse exchange(ExtProcDriver d, String model) throws Exception {
    ProcessingResponse r = d.chat(model, false, "x-ai-eg-model", model);
    if (r.hasImmediateResponse()) {
      return r;
    }
    d.responseHeaders(":status", "200", "content-type", "application/json");
    return d.responseBody("{\"ok\":true}", true);
  }

  @Test
  void nonBlockingPhasesRunOnTheTransportThread() throws Exception {
    try (LoopbackServer s = new LoopbackServer(dir, INLINE_ONLY, Duration.ofSeconds(10), null);
         ExtProcDriver d = new ExtProcDriver(s.channel)) {
      ProcessingResponse last = exchange(d, "m1");
      assertThat(last.hasResponseBody()).isTrue();
      assertThat(last.getResponseBody().getResponse().getBodyMutation().getBody().toStringUtf8()).isEqualTo("{\"OK\":TRUE}");
      assertThat(InlineTranslator.CALLS).hasSize(2)
          .allSatisfy(c -> assertThat(c).doesNotContain("tollgate-phase").contains("grpc-"));
    }
  }

  @Test
  void aGuardThatMayBlockOnAnswersOnlyMovesOnlyTheResponseSideToWorkers() throws Exception {
    String config = INLINE_ONLY + """
        policies:
          - name: answers
            guards: [{type: Recording, on: [Response]}]
        """;
    try (LoopbackServer s = new LoopbackServer(dir, config, Duration.ofSeconds(10), null);
         ExtProcDriver d = new ExtProcDriver(s.channel)) {
      d.chat("plain-1", false, "x-ai-eg-model", "plain-1");
      d.responseHeaders(":status", "200", "content-type", "application/json");
      ProcessingResponse last = d.responseBody(
          "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi\"}}]}", true);
      assertThat(last.hasResponseBody()).isTrue();
    }
    assertThat(InlineTranslator.CALLS).filteredOn(c -> c.startsWith("start:")).singleElement()
        .satisfies(c -> assertThat(c).doesNotContain("tollgate-phase").contains("grpc-"));
    assertThat(InlineTranslator.CALLS).filteredOn(c -> c.startsWith("body:")).singleElement()
        .satisfies(c -> assertThat(c).contains("tollgate-phase-"));
    assertThat(RecordingGuard.CALLS).singleElement().satisfies(c -> assertThat(c).startsWith("RESPONSE:tollgate-phase-"));
  }

  @Test
  void aConfigWithABlockingExtensionMovesPhasesToWorkersAndABlockedOneHoldsUpNoOtherStream() throws Exception {
    try (LoopbackServer s = new LoopbackServer(dir, LoopbackServer.INLINE_AND_SCRIPTED, Duration.ofSeconds(3), null)) {
      // stream A hangs in its translator (not NonBlocking) until the phase timeout
      ExtProcDriver hanging = new ExtProcDriver(s.channel);
      CompletableFuture<ProcessingResponse> a = CompletableFuture.supplyAsync(() -> {
        try {
          return hanging.chat("hang-1", false, "x-ai-eg-model", "hang-1");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      Thread.sleep(200);
      // stream B on the same connection gets through while A is stuck
      try (ExtProcDriver d = new ExtProcDriver(s.channel)) {
        ProcessingResponse last = exchange(d, "fast");
        assertThat(last.hasResponseBody()).isTrue();
        assertThat(a).isNotDone();
      }
      // this config may block on both sides, so even the NonBlocking translator ran on workers
      assertThat(InlineTranslator.CALLS).hasSize(2).allSatisfy(c -> assertThat(c).contains("tollgate-phase-"));
      ProcessingResponse timedOut = a.get(10, TimeUnit.SECONDS);
      assertThat(timedOut.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(504);
      hanging.awaitServerEnd();
    }
  }

  @Test
  void streamedChunksSentWithoutWaitingAreAnsweredInOrderThroughWorkers() throws Exception {
    try (LoopbackServer s = new LoopbackServer(dir, LoopbackServer.INLINE_AND_SCRIPTED, Duration.ofSeconds(10), null);
         ExtProcDriver d = new ExtProcDriver(s.channel)) {
      // the Inline backend's answers are handed off too: the Scripted backend in this config may block
      assertThat(d.chat("fast", true, "x-ai-eg-model", "fast").hasRequestBody()).isTrue();
      ProcessingResponse head = d.responseHeaders(":status", "200", "content-type", "text/event-stream");
      assertThat(head.getModeOverride().getResponseBodyMode().name()).isEqualTo("STREAMED");
      int n = 200;
      for (int i = 0; i < n; i++) {
        d.sendNoWait(ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
            .setBody(ByteString.copyFromUtf8("data: {\"i\":" + i + "}\n\n")).setEndOfStream(i == n - 1)).build());
      }
      List<String> bodies = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        bodies.add(d.next("chunk " + i).getResponseBody().getResponse().getBodyMutation().getBody().toStringUtf8());
      }
      assertThat(InlineTranslator.CALLS).filteredOn(c -> c.startsWith("body:")).hasSize(n)
          .allSatisfy(c -> assertThat(c).contains("tollgate-phase-"));
      for (int i = 0; i < n; i++) {
        assertThat(bodies.get(i)).as("answer %d", i).isEqualTo("DATA: {\"I\":" + i + "}\n\n");
      }
    }
  }
}
