package dev.tollgate.testkit;

import static dev.tollgate.testkit.ScriptedExtProc.cont;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.testkit.EnvoyLikeClient.FilterConfig;
import dev.tollgate.testkit.FakeUpstream.Answer;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.grpc.Status;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a real HTTP client in front of the kit sees when ext_proc fails. */
class HttpFrontTest {
  ScriptedExtProc ext;
  FakeUpstream upstream;
  HttpFront front;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    ext = new ScriptedExtProc();
    upstream = new FakeUpstream(r -> Answer.stream("text/event-stream",
        List.of("data: 1\n\n".getBytes(StandardCharsets.UTF_8), "data: 2\n\n".getBytes(StandardCharsets.UTF_8))));
    front = new HttpFront(new EnvoyLikeClient(ext.channel(),
        FilterConfig.tollgateDefault().withMessageTimeout(Duration.ofMillis(300)), Map.of("up", upstream.uri()),
        "x-route"));
  }

  @AfterEach
  void stop() throws Exception {
    front.close();
    ext.close();
    upstream.close();
  }

  private HttpResponse<String> post() throws Exception {
    return http.send(HttpRequest.newBuilder(front.uri().resolve("/v1/chat/completions")).header("x-route", "up")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aTimeoutBeforeTheResponseStartedIsA504() throws Exception {
    ext.script((r, s) -> { });
    assertThat(post().statusCode()).isEqualTo(504);
  }

  @Test
  void aFailureAfterTheStreamedHeadersWentDownstreamCutsTheConnection() {
    ext.script((r, s) -> {
      if (r.hasResponseHeaders()) {
        s.answer(cont(r).toBuilder().setModeOverride(ProcessingMode.newBuilder()
            .setResponseBodyMode(BodySendMode.STREAMED)).build());
      } else if (r.hasResponseBody()) {
        s.fail(Status.UNAVAILABLE);
      } else {
        s.answer(cont(r));
      }
    });
    assertThatThrownBy(this::post).isInstanceOf(IOException.class);
  }
}
