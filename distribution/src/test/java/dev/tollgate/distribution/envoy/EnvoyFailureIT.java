package dev.tollgate.distribution.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.testkit.FakeUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tollgate going away under a real Envoy: stopped with requests in flight, and not there at all. */
class EnvoyFailureIT {
  @TempDir
  Path dir;

  private static final String SLOW_STREAM = "{\"model\":\"gpt-slow\",\"stream\":true,"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"count\"}]}";

  private FakeUpstream openai(TestCa ca) throws Exception {
    return new FakeUpstream(Providers.openAi(), ca.serverContext());
  }

  private Path resources(FakeUpstream openai, TestCa ca) throws Exception {
    return Providers.openAiResources(dir, openai, ca);
  }

  @Test
  void sigtermDrainsFirstAndLetsTheStreamsInFlightFinish() throws Exception {
    TestCa ca = TestCa.create(Files.createDirectories(dir.resolve("ca")));
    try (FakeUpstream openai = openai(ca);
         EnvoyAndTollgate gateway = new EnvoyAndTollgate(dir).tollgateOptions("--drain-time", "PT4S",
             "--shutdown-grace", "PT20S")) {
      EnvoyAndTollgate.Translated t = gateway.translate(resources(openai, ca));
      gateway.start(t.gatewayConfig(), t.bootstrap());

      // a 3-second stream in flight
      CompletableFuture<Clients.Curl> inFlight = CompletableFuture.supplyAsync(() -> {
        try {
          return Clients.curl("-N", gateway.url("/v1/chat/completions").toString(),
              "-H", "content-type: application/json", "-d", SLOW_STREAM);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      EnvoyAndTollgate.await("the stream started", Duration.ofSeconds(20), () -> !openai.received().isEmpty(),
          null, null);
      Thread.sleep(300);
      gateway.tollgateProcess().destroy(); // SIGTERM

      // Envoy's health check sees NOT_SERVING while Tollgate drains
      EnvoyAndTollgate.await("Envoy marks Tollgate unhealthy", Duration.ofSeconds(4),
          () -> gateway.envoyAdmin("/clusters").contains("tollgate-extproc::127.0.0.1:" + gateway.extprocPort
              + "::health_flags::/failed_active_hc"), null, null);

      Clients.Curl done = inFlight.get(30, TimeUnit.SECONDS);
      assertThat(done.status()).isEqualTo(200);
      assertThat(done.body()).contains("w0 ").contains("w19 ").contains("data: [DONE]");
      assertThat(gateway.tollgateProcess().waitFor(30, TimeUnit.SECONDS)).as("Tollgate exits after SIGTERM").isTrue();
      assertThat(gateway.tollgateLog()).contains("draining");
    }
  }

  @Test
  void envoysOwn413ForABodyOverItsBufferLimitReachesTheClientInOpenAiFormat() throws Exception {
    TestCa ca = TestCa.create(Files.createDirectories(dir.resolve("ca")));
    try (FakeUpstream openai = openai(ca); EnvoyAndTollgate gateway = new EnvoyAndTollgate(dir)) {
      EnvoyAndTollgate.Translated t = gateway.translate(resources(openai, ca), "--buffer-limit-bytes", "1048576");
      gateway.start(t.gatewayConfig(), t.bootstrap());

      JsonNode r = Clients.python(gateway.base(), "big_prompt", "gpt-4o-mini", Integer.toString(2 << 20));

      assertThat(r.path("error").path("status").asInt()).isEqualTo(413);
      assertThat(r.path("error").path("body").path("message").asText()).isNotBlank();
      assertThat(openai.received()).isEmpty();
    }
  }

  @Test
  void withTollgateDownEnvoyFailsClosedAndSendsNothingUpstream() throws Exception {
    TestCa ca = TestCa.create(Files.createDirectories(dir.resolve("ca")));
    try (FakeUpstream openai = openai(ca); EnvoyAndTollgate gateway = new EnvoyAndTollgate(dir)) {
      EnvoyAndTollgate.Translated t = gateway.translate(resources(openai, ca));
      gateway.start(t.gatewayConfig(), t.bootstrap());
      gateway.tollgateProcess().destroyForcibly().waitFor(10, TimeUnit.SECONDS);

      Clients.Curl r = Clients.curl(gateway.url("/v1/chat/completions").toString(),
          "-H", "content-type: application/json", "-d", Clients.chatJson("gpt-4o-mini", false));

      assertThat(r.status()).as("failure_mode_allow is false: no request goes on unrouted and without credentials")
          .isEqualTo(500);
      assertThat(openai.received()).isEmpty();

      // and once Tollgate is back, requests succeed again
      gateway.startTollgate(t.gatewayConfig());
      EnvoyAndTollgate.await("a request succeeds again", Duration.ofSeconds(30), () -> {
        try {
          return Clients.curl(gateway.url("/v1/chat/completions").toString(), "-H", "content-type: application/json",
              "-d", Clients.chatJson("gpt-4o-mini", false)).status() == 200;
        } catch (Exception e) {
          return false;
        }
      }, null, null);
    }
  }
}
