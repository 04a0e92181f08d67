package dev.tollgate.distribution.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testkit.FakeUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mTLS between a real Envoy and Tollgate, as the chart's {@code topology: service} with
 * {@code tls.mutual} sets it up: the bootstrap from {@code translate --extproc-tls-*} (Envoy verifies
 * Tollgate's certificate for the SNI, shows its own, ALPN h2), Tollgate run with
 * {@code --tls-cert/--tls-key/--tls-client-ca}. Envoy's gRPC health check and the requests' ext_proc
 * streams both go over it.
 */
class ExtprocTlsThroughEnvoyIT {
  @TempDir
  Path dir;

  @Test
  void envoyReachesTollgateOverMutualTls() throws Exception {
    TestCa ca = TestCa.create(Files.createDirectories(dir.resolve("ca")));
    String key = ca.serverKeyPem().toString();
    try (FakeUpstream openai = new FakeUpstream(Providers.openAi(), ca.serverContext());
         EnvoyAndTollgate gateway = new EnvoyAndTollgate(dir).tollgateOptions("--tls-cert", ca.serverPem().toString(),
             "--tls-key", key, "--tls-client-ca", ca.caPem().toString())) {
      Path resources = Providers.openAiResources(dir, openai, ca);
      // the test CA's certificate names localhost; the same certificate serves as Envoy's client certificate
      EnvoyAndTollgate.Translated t = gateway.translate(resources, "--extproc-tls-ca", ca.caPem().toString(),
          "--extproc-tls-sni", "localhost", "--extproc-tls-cert", ca.serverPem().toString(), "--extproc-tls-key", key);
      assertThat(Files.readString(t.bootstrap())).contains("sni: localhost", "- h2");
      gateway.start(t.gatewayConfig(), t.bootstrap());  // waits for Envoy's health check of Tollgate to pass

      Clients.Curl r = Clients.curl(gateway.url("/v1/chat/completions").toString(),
          "-H", "content-type: application/json", "-d", Clients.chatJson("gpt-4o-mini", false));
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      assertThat(r.json().path("choices").path(0).path("message").path("content").asText()).isNotEmpty();
      assertThat(openai.received()).hasSize(1);
      assertThat(openai.received().get(0).header("authorization")).isEqualTo("Bearer " + Providers.UPSTREAM_KEY);
    }
  }
}
