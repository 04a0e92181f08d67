package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.core.Platform;
import dev.tollgate.core.pipeline.FailureLog;
import dev.tollgate.extproc.GatewayMetrics;
import dev.tollgate.extproc.TollgateServer;
import dev.tollgate.testkit.EnvoyLikeClient;
import dev.tollgate.testkit.FakeOpenAi;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.HttpExchange;
import dev.tollgate.testkit.ProxyResponse;
import dev.tollgate.testkit.TollgateHarness;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A failure at run time is never silent: a backend whose API-key file is deleted while Tollgate
 * runs answers 500 in the client's format, is logged once (not once per request) naming the
 * backend, the auth type and the cause, and is counted in the metrics.
 */
class RuntimeFailuresTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = "sk-runtime-9c4e1a-never-log";

  @TempDir
  Path dir;

  @Test
  void aDeletedApiKeyFileIsLoggedOnceAndCounted() throws Exception {
    Path keyFile = Files.writeString(dir.resolve("openai.key"), KEY);
    Path config = Files.writeString(dir.resolve("gateway.yaml"), """
        uuid: runtime-failures
        rules:
          - name: all
            headers:
              - {name: x-ai-eg-model, type: RegularExpression, value: ".*"}
            backends:
              - name: primary
        backends:
          - name: primary
            schema: {name: OpenAI}
            auth: {type: APIKey, file: %s}
        """.formatted(keyFile));
    Logger logger = (Logger) LoggerFactory.getLogger(FailureLog.class);
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    logger.addAppender(captured);
    GatewayMetrics metrics = new GatewayMetrics();
    try (FakeUpstream upstream = new FakeUpstream(FakeOpenAi.handler(KEY, 11, 7));
         Platform platform = Platform.start(Plugins.dir(), config, Duration.ZERO, metrics);
         TollgateServer server = new TollgateServer(platform.gateway(), new TollgateServer.Options("127.0.0.1", 0,
             null, Duration.ofSeconds(1), Duration.ofSeconds(10), null, metrics))) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        EnvoyLikeClient envoy = new EnvoyLikeClient(channel, EnvoyLikeClient.FilterConfig.tollgateDefault(),
            Map.of("primary", upstream.uri()), TollgateHarness.SELECTED_BACKEND_HEADER);
        assertThat(chat(envoy).status()).isEqualTo(200);
        assertThat(captured.list).isEmpty();

        Files.delete(keyFile);
        for (int i = 0; i < 3; i++) {
          ProxyResponse r = chat(envoy);
          assertThat(r.localReply()).isTrue();
          assertThat(r.status()).isEqualTo(500);
          JsonNode error = JSON.readTree(r.body()).path("error");
          assertThat(error.path("message").asText()).contains("cannot read the API key of backend 'primary'");
          assertThat(error.path("type").asText()).isEqualTo("server_error");
        }
        assertThat(upstream.received()).hasSize(1);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      logger.detachAppender(captured);
    }
    List<String> lines = captured.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
    assertThat(lines).as("one line for the three failures within the minute").singleElement().asString()
        .startsWith("WARN backend 'primary': auth/APIKey failed, the client got 500: GatewayException: "
            + "the gateway cannot read the API key of backend 'primary'")
        .doesNotContain(KEY);
    assertThat(captured.list.get(0).getThrowableProxy()).isNull();
    assertThat(metrics.scrape()).contains(
        "tollgate_plugin_failures_total{backend=\"primary\",cause=\"500 server_error\",extension=\"auth/APIKey\"} 3.0");
  }

  private static ProxyResponse chat(EnvoyLikeClient envoy) throws Exception {
    return envoy.send(new HttpExchange("POST", "/v1/chat/completions", Map.of("content-type", "application/json"),
        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
            .getBytes(StandardCharsets.UTF_8)));
  }
}
