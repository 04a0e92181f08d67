package dev.tollgate.distribution.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.testkit.FakeOpenAi;
import dev.tollgate.testkit.FakeUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Envoy configuration Tollgate ships: {@code config/envoy.yaml} is what the controller's builder
 * generates for {@code config/resources}, a real Envoy accepts it and every bootstrap
 * {@code translate} makes of the shipped examples, and with the shipped gateway config it serves a
 * client end to end (upstream TLS verified).
 */
class ShippedBootstrapIT {
  @TempDir
  Path dir;

  @Test
  void theShippedBootstrapIsWhatTranslateGeneratesForTheDefaultResources() throws Exception {
    Tools.Run r = Tools.run(Duration.ofSeconds(60), Tools.tollgate().toString(), "translate",
        Tools.DIST.resolve("config/resources").toString());
    assertThat(r.exit()).as(r.output()).isZero();
    String generated = r.output().substring(r.output().indexOf("\n---\n") + 5);
    String shipped = Files.readString(Tools.DIST.resolve("config/envoy.yaml")).lines()
        .filter(l -> !l.startsWith("#")).reduce("", (a, b) -> a + b + "\n");
    assertThat(shipped).as("config/envoy.yaml differs from `tollgate translate config/resources`; regenerate it "
        + "with that command").isEqualTo(generated);
  }

  @Test
  void envoyValidatesEveryBootstrapTollgateShipsOrGenerates() throws Exception {
    List<Path> bootstraps = new ArrayList<>();
    bootstraps.add(Tools.DIST.resolve("config/envoy.yaml"));
    Path examples = Tools.DIST.resolve("examples/resources");
    Tools.Run examplesOut = Tools.run(Duration.ofSeconds(60), Tools.tollgate().toString(), "translate",
        examples.toString());
    assertThat(examplesOut.exit()).as(examplesOut.output()).isZero();
    bootstraps.add(Files.writeString(dir.resolve("examples.yaml"),
        examplesOut.output().substring(examplesOut.output().indexOf("\n---\n") + 5)));
    Tools.Run uds = Tools.run(Duration.ofSeconds(60), Tools.tollgate().toString(), "translate",
        Tools.DIST.resolve("config/resources").toString(), "--extproc-host", "unix:/run/tollgate/tollgate.sock",
        "--route-timeout", "PT60S", "--access-log", "");
    assertThat(uds.exit()).as(uds.output()).isZero();
    bootstraps.add(Files.writeString(dir.resolve("uds.yaml"), uds.output().substring(uds.output().indexOf("\n---\n") + 5)));

    for (Path b : bootstraps) {
      Tools.Run v = Tools.run(Duration.ofSeconds(60), Tools.envoy().toString(), "--mode", "validate", "-c",
          b.toString(), "--use-dynamic-base-id");
      assertThat(v.exit()).as("envoy --mode validate " + b + ": " + v.output()).isZero();
      assertThat(v.output()).contains("OK");
    }
  }

  @Test
  void envoyValidatesTheBootstrapOfAFallbackRuleMixingATlsAndAPlainBackend() throws Exception {
    Path resources = Files.createDirectories(dir.resolve("fallback"));
    Files.writeString(resources.resolve("resources.yaml"), """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: key}
        spec:
          type: APIKey
          apiKey: {env: OPENAI_API_KEY}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: openai}
        spec:
          schema: {name: OpenAI}
          endpoint: {host: api.openai.com}
          backendSecurityPolicyRef: {name: key}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: local}
        spec:
          schema: {name: OpenAI}
          endpoint: {host: 127.0.0.1, port: 11434, tls: false}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: chat}
        spec:
          rules:
            - name: gpt
              backendRefs: [{name: openai}, {name: local, priority: 1}]
              retries: {perTryTimeout: 60s}
            - name: direct
              backendRefs: [{name: local}]
        """);
    Tools.Run out = Tools.run(Duration.ofSeconds(60), Tools.tollgate().toString(), "translate", resources.toString());
    assertThat(out.exit()).as(out.output()).isZero();
    String bootstrap = out.output().substring(out.output().indexOf("\n---\n") + 5);
    assertThat(bootstrap).as("the rule's own cluster, TLS chosen per endpoint, Tollgate in its upstream filters")
        .contains("name: tollgate-rule-gpt", "envoy.transport_socket_match", "envoy.filters.http.upstream_codec",
            "envoy.retry_priorities.previous_priorities");
    Path file = Files.writeString(dir.resolve("fallback.yaml"), bootstrap);
    Tools.Run v = Tools.run(Duration.ofSeconds(60), Tools.envoy().toString(), "--mode", "validate", "-c",
        file.toString(), "--use-dynamic-base-id");
    assertThat(v.exit()).as("envoy --mode validate " + file + ": " + v.output()).isZero();
    assertThat(v.output()).contains("OK");
  }

  @Test
  void theShippedConfigsServeAClientThroughEnvoyWithItsOwnKeyAndVerifiedTls() throws Exception {
    TestCa ca = TestCa.create(Files.createDirectories(dir.resolve("ca")));
    try (FakeUpstream openai = new FakeUpstream(FakeOpenAi.handler("sk-client", 12, 30), ca.serverContext());
         EnvoyAndTollgate gateway = new EnvoyAndTollgate(dir)) {
      gateway.start(Tools.DIST.resolve("config/gateway.yaml"), gateway.shippedBootstrap(openai.port(), ca.caPem()));

      Clients.Curl chat = Clients.curl(gateway.url("/v1/chat/completions").toString(),
          "-H", "content-type: application/json", "-H", "authorization: Bearer sk-client",
          "-H", "x-request-id: shipped-1", "-d", Clients.chatJson("gpt-4o-mini", false));

      assertThat(chat.status()).isEqualTo(200);
      assertThat(chat.json().path("choices").get(0).path("message").path("content").asText())
          .isEqualTo("Hello from the fake.");
      assertThat(openai.last().header("authorization")).isEqualTo("Bearer sk-client");
      JsonNode log = gateway.accessLogLine("shipped-1");
      assertThat(log.path("costs").path("llm_input_token").asInt()).isEqualTo(12);
      assertThat(log.path("costs").path("llm_output_token").asInt()).isEqualTo(30);
      assertThat(log.path("costs").path("llm_total_token").asInt()).isEqualTo(42);

      Clients.Curl noKey = Clients.curl(gateway.url("/v1/chat/completions").toString(),
          "-H", "content-type: application/json", "-d", Clients.chatJson("gpt-4o-mini", false));
      assertThat(noKey.status()).isEqualTo(401);
      assertThat(noKey.json().path("error").path("message").asText()).contains("authorization");
    }
  }

  @Test
  void anUpstreamWhoseCertificateTheTrustStoreDoesNotVouchForGetsNoRequest() throws Exception {
    TestCa ca = TestCa.create(Files.createDirectories(dir.resolve("ca")));
    try (FakeUpstream impostor = new FakeUpstream(FakeOpenAi.handler(null, 1, 1), ca.serverContext());
         EnvoyAndTollgate gateway = new EnvoyAndTollgate(dir)) {
      // the shipped trust store (the system's) does not know the test CA
      gateway.start(Tools.DIST.resolve("config/gateway.yaml"), gateway.shippedBootstrap(impostor.port(), null));

      Clients.Curl chat = Clients.curl(gateway.url("/v1/chat/completions").toString(),
          "-H", "content-type: application/json", "-H", "authorization: Bearer sk-secret",
          "-d", Clients.chatJson("gpt-4o-mini", false));

      assertThat(chat.status()).isEqualTo(503);
      assertThat(chat.json().path("error").path("message").asText()).as("Envoy's reply in OpenAI's format")
          .isNotBlank();
      assertThat(impostor.received()).as("nothing, least of all the key, reaches an unverified upstream").isEmpty();
    }
  }

}
