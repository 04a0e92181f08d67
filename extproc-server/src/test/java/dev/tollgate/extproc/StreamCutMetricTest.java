package dev.tollgate.extproc;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stream the proxy resets before the answer is complete (the upstream broke off mid-answer, the
 * client left) is counted in {@code tollgate_extproc_streams_cut_total} by the last phase seen;
 * before this counter such exchanges left no trace in Tollgate's metrics. A complete exchange is
 * not counted. Through the real Envoy: ProviderFaultsThroughEnvoyIT.
 */
class StreamCutMetricTest {
  @TempDir
  Path dir;

  @Test
  void aStreamEndedAfterTheResponseHeadersIsCountedAsCutAndACompleteOneIsNot() throws Exception {
    try (Fixture f = new Fixture(dir, Duration.ofSeconds(10))) {
      try (ExtProcDriver d = f.stream()) {
        d.chat("complete-1", false);
        d.responseHeaders(":status", "200", "content-type", "application/json");
        d.responseBody("{\"choices\":[]}", true);
      }
      awaitStreams(f);
      assertThat(f.metrics.scrape()).doesNotContain("tollgate_extproc_streams_cut_total{");

      // real Envoy ends the stream with a half-close also when the upstream broke off mid-answer
      try (ExtProcDriver d = f.stream()) {
        d.chat("cut-1", false);
        d.responseHeaders(":status", "200", "content-type", "application/json");
      }
      awaitStreams(f);
      assertThat(f.metrics.scrape()).contains("tollgate_extproc_streams_cut_total{phase=\"response_headers\"} 1.0");

      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", f.server.port()).usePlaintext().build();
      io.grpc.Context.CancellableContext ctx = io.grpc.Context.current().withCancellation();
      ctx.call(() -> {
        ExtProcDriver d = new ExtProcDriver(ch);
        d.chat("cut-2", false);
        ProcessingResponse r = d.responseHeaders(":status", "200", "content-type", "application/json");
        assertThat(r.hasImmediateResponse()).isFalse();
        return null;
      });
      ctx.cancel(null); // as Envoy does when the upstream resets mid-body
      awaitStreams(f);
      assertThat(f.metrics.scrape()).contains("tollgate_extproc_streams_cut_total{phase=\"response_headers\"} 2.0");
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static void awaitStreams(Fixture f) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (f.server.service().openStreams() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(f.server.service().openStreams()).isZero();
  }
}
