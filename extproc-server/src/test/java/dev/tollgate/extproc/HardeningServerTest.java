package dev.tollgate.extproc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.core.Platform;
import dev.tollgate.core.pipeline.GatewayListener;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Plugins that hang or throw, TLS/mTLS on the listener, and secrets kept out of the logs. */
class HardeningServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  private static int phaseThreadsInPlugin() {
    int n = 0;
    for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
      if (Arrays.stream(e.getValue()).anyMatch(f -> f.getClassName().startsWith(ScriptedTranslator.class.getName()))) {
        n++;
      }
    }
    return n;
  }

  private static void awaitTrue(String what, java.util.function.BooleanSupplier cond, Duration max) throws Exception {
    long end = System.nanoTime() + max.toNanos();
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not settled within " + max + ": " + what);
      }
      Thread.sleep(50);
    }
  }

  @Test
  void aHangingPluginGets504InTheClientsFormatAndItsThreadIsInterrupted() throws Exception {
    int interruptedBefore = ScriptedTranslator.INTERRUPTED.get();
    // generous enough for a loaded build machine to finish normal phases, short enough for the test
    try (Fixture f = new Fixture(dir, Duration.ofMillis(1000))) {
      for (int i = 0; i < 8; i++) {
        try (ExtProcDriver d = f.stream()) {
          long t0 = System.nanoTime();
          ProcessingResponse r = d.chat("hang-" + i, false);
          long ms = (System.nanoTime() - t0) / 1_000_000;
          assertThat(ms).isBetween(950L, 10_000L);
          assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(504);
          JsonNode err = JSON.readTree(r.getImmediateResponse().getBody().toByteArray()).path("error");
          assertThat(err.path("type").asText()).isEqualTo("server_error");
          assertThat(err.path("message").asText()).contains("request body").contains("1000 ms");
          d.awaitServerEnd();
        }
      }
      // hanging while translating a response body
      try (ExtProcDriver d = f.stream()) {
        d.chat("hang-body-1", false);
        d.responseHeaders(":status", "200", "content-type", "application/json");
        ProcessingResponse r = d.responseBody("{}", true);
        assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(504);
        d.awaitServerEnd();
      }
      awaitTrue("no worker left inside the plugin", () -> phaseThreadsInPlugin() == 0, Duration.ofSeconds(5));
      assertThat(ScriptedTranslator.INTERRUPTED.get() - interruptedBefore).isEqualTo(9);
      assertThat(f.server.service().openStreams()).isZero();
      assertThat(f.metrics.scrape()).contains("tollgate_errors_total{cause=\"phase_timeout\",status=\"504\"} 9.0");
    }
  }

  @Test
  void aThrowingPluginGets500AndTheStreamEnds() throws Exception {
    try (Fixture f = new Fixture(dir, Duration.ofSeconds(10)); ExtProcDriver d = f.stream()) {
      ProcessingResponse r = d.chat("throw-1", false);
      assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(500);
      assertThat(JSON.readTree(r.getImmediateResponse().getBody().toByteArray()).path("error").path("message").asText())
          .contains("internal error").doesNotContain("scripted failure");
      d.awaitServerEnd();
      awaitTrue("stream closed", () -> f.server.service().openStreams() == 0, Duration.ofSeconds(5));
    }
  }

  @Test
  void aProxyResetCancelsTheRunningPhase() throws Exception {
    int before = ScriptedTranslator.INTERRUPTED.get();
    try (Fixture f = new Fixture(dir, Duration.ofSeconds(30))) {
      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", f.server.port()).usePlaintext().build();
      io.grpc.Context.CancellableContext ctx = io.grpc.Context.current().withCancellation();
      ctx.run(() -> {
        ExtProcDriver d = new ExtProcDriver(ch);
        new Thread(() -> {
          try {
            d.chat("hang-reset", false);
          } catch (Throwable ignored) {
            // the stream is cancelled below
          }
        }).start();
      });
      awaitTrue("plugin entered", () -> phaseThreadsInPlugin() == 1, Duration.ofSeconds(5));
      ctx.cancel(null);
      awaitTrue("worker interrupted", () -> phaseThreadsInPlugin() == 0, Duration.ofSeconds(5));
      assertThat(ScriptedTranslator.INTERRUPTED.get() - before).isEqualTo(1);
      awaitTrue("stream closed", () -> f.server.service().openStreams() == 0, Duration.ofSeconds(5));
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void theApiKeyNeverAppearsInLogsEvenAtDebug() throws Exception {
    ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("ROOT");
    ch.qos.logback.classic.Logger tollgate = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("dev.tollgate");
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    root.addAppender(captured);
    Level was = tollgate.getLevel();
    tollgate.setLevel(Level.DEBUG);
    try (Fixture f = new Fixture(dir, Duration.ofMillis(2000))) {
      try (ExtProcDriver d = f.stream()) {
        assertThat(d.chat("gpt-ok", false, "authorization", "Bearer client-" + Fixture.SECRET).hasRequestBody()).isTrue();
        d.responseHeaders(":status", "401", "content-type", "application/json");
        d.responseBody("{\"error\":{\"message\":\"bad key " + "x" + "\"}}", true);
      }
      try (ExtProcDriver d = f.stream()) {
        d.chat("hang-log", false);
      }
      try (ExtProcDriver d = f.stream()) {
        d.chat("throw-log", false);
      }
      try (ExtProcDriver d = f.stream()) {
        d.requestHeaders(false, ":method", "POST", ":path", "/v1/chat/completions", "api-key", Fixture.SECRET);
        d.requestBody("{\"model\":\"" + Fixture.SECRET);
      }
      Files.writeString(f.configFile, Fixture.config("x").replace("type: TestKey,", "type: TestKey, bogus: 1,"));
      f.platform.config().checkNow();
    } finally {
      tollgate.setLevel(was);
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
    assertThat(log).contains("authorization=<redacted>").contains("took longer than").contains("scripted failure");
    assertThat(log).doesNotContain(Fixture.SECRET);
  }

  // --- TLS ---

  static void openssl(Path dir, String... args) throws Exception {
    String[] cmd = new String[args.length + 1];
    cmd[0] = "openssl";
    System.arraycopy(args, 0, cmd, 1, args.length);
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("openssl " + String.join(" ", args) + " failed: " + out);
    }
  }

  /** A throw-away CA, a server certificate for localhost/127.0.0.1 and a client certificate, all signed by the CA. */
  private static void makeCertificates(Path d) throws Exception {
    openssl(d, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=tollgate-test-ca");
    Files.writeString(d.resolve("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    for (String who : new String[] {"server", "client"}) {
      openssl(d, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", who + ".key", "-out", who + ".csr", "-subj",
          "/CN=tollgate-" + who);
      if (who.equals("server")) {
        openssl(d, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "server.ext");
      } else {
        openssl(d, "x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "client.pem", "-days", "2");
      }
    }
  }

  private Platform emptyPlatform() throws Exception {
    Path config = dir.resolve("empty.yaml");
    Files.writeString(config, "uuid: empty\n");
    return Platform.start(Files.createDirectories(dir.resolve("plugins")), config, Duration.ZERO, GatewayListener.NONE);
  }

  static HealthCheckResponse.ServingStatus health(ManagedChannel ch) {
    try {
      return HealthGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    } finally {
      ch.shutdownNow();
    }
  }

  @Test
  void tlsListenerServesTlsClientsAndRefusesPlaintext() throws Exception {
    Path d = Files.createDirectories(dir.resolve("pki"));
    makeCertificates(d);
    try (Platform p = emptyPlatform();
         TollgateServer server = new TollgateServer(p.gateway(), new TollgateServer.Options("127.0.0.1", 0, null,
             Duration.ofSeconds(1), Duration.ofSeconds(10),
             new TollgateServer.Tls(d.resolve("server.pem"), d.resolve("server.key"), null), null))) {
      ManagedChannel tls = NettyChannelBuilder.forAddress("localhost", server.port())
          .sslContext(GrpcSslContexts.forClient().trustManager(d.resolve("ca.pem").toFile()).build()).build();
      assertThat(health(tls)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
      ManagedChannel plain = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      assertThatThrownBy(() -> health(plain)).isInstanceOf(StatusRuntimeException.class);
      // a client that does not trust our CA refuses the server
      ManagedChannel untrusting = NettyChannelBuilder.forAddress("localhost", server.port())
          .sslContext(GrpcSslContexts.forClient().build()).build();
      assertThatThrownBy(() -> health(untrusting)).isInstanceOf(StatusRuntimeException.class);
    }
  }

  @Test
  void mutualTlsRequiresAClientCertificateFromTheConfiguredCa() throws Exception {
    Path d = Files.createDirectories(dir.resolve("pki"));
    makeCertificates(d);
    try (Platform p = emptyPlatform();
         TollgateServer server = new TollgateServer(p.gateway(), new TollgateServer.Options("127.0.0.1", 0, null,
             Duration.ofSeconds(1), Duration.ofSeconds(10),
             new TollgateServer.Tls(d.resolve("server.pem"), d.resolve("server.key"), d.resolve("ca.pem")), null))) {
      SslContextBuilder withCert = GrpcSslContexts.forClient().trustManager(d.resolve("ca.pem").toFile())
          .keyManager(d.resolve("client.pem").toFile(), d.resolve("client.key").toFile());
      ManagedChannel ok = NettyChannelBuilder.forAddress("localhost", server.port()).sslContext(withCert.build()).build();
      assertThat(health(ok)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
      ManagedChannel noCert = NettyChannelBuilder.forAddress("localhost", server.port())
          .sslContext(GrpcSslContexts.forClient().trustManager(d.resolve("ca.pem").toFile()).build()).build();
      assertThatThrownBy(() -> health(noCert)).isInstanceOf(StatusRuntimeException.class);
      // a certificate the CA did not sign: the server's own key pair presented as a client (self-signed CA key here)
      ManagedChannel wrongCert = NettyChannelBuilder.forAddress("localhost", server.port())
          .sslContext(GrpcSslContexts.forClient().trustManager(d.resolve("ca.pem").toFile())
              .keyManager(selfSigned(d).toFile(), d.resolve("self.key").toFile()).build()).build();
      assertThatThrownBy(() -> health(wrongCert)).isInstanceOf(StatusRuntimeException.class);
    }
  }

  /** A listener whose clients all fail their handshakes says so, once per minute, naming what to check. */
  @Test
  void failedHandshakesAreLoggedOncePerMinute() throws Exception {
    Path d = Files.createDirectories(dir.resolve("pki"));
    makeCertificates(d);
    ch.qos.logback.classic.Logger serverLog = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(TollgateServer.class);
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    serverLog.addAppender(captured);
    try (Platform p = emptyPlatform();
         TollgateServer server = new TollgateServer(p.gateway(), new TollgateServer.Options("127.0.0.1", 0, null,
             Duration.ofSeconds(1), Duration.ofSeconds(10),
             new TollgateServer.Tls(d.resolve("server.pem"), d.resolve("server.key"), d.resolve("ca.pem")), null))) {
      for (int i = 0; i < 3; i++) {
        ManagedChannel noCert = NettyChannelBuilder.forAddress("localhost", server.port())
            .sslContext(GrpcSslContexts.forClient().trustManager(d.resolve("ca.pem").toFile()).build()).build();
        assertThatThrownBy(() -> health(noCert)).isInstanceOf(StatusRuntimeException.class);
        noCert.shutdownNow();
      }
      awaitTrue("a handshake warning", () -> captured.list.stream().anyMatch(e -> e.getLevel() == Level.WARN),
          Duration.ofSeconds(5));
    } finally {
      serverLog.detachAppender(captured);
    }
    assertThat(captured.list).filteredOn(e -> e.getFormattedMessage().contains("TLS handshake")).singleElement()
        .satisfies(e -> assertThat(e.getFormattedMessage())
            .startsWith("a TLS handshake on the ext_proc listener failed: check that the client (Envoy's cluster for"
                + " Tollgate) speaks TLS, trusts the CA of " + d.resolve("server.pem"))
            .contains("presents a certificate signed by " + d.resolve("ca.pem") + " (--tls-client-ca)"));
  }

  private static Path selfSigned(Path d) throws Exception {
    openssl(d, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "self.key", "-out", "self.pem", "-days", "2",
        "-subj", "/CN=intruder");
    return d.resolve("self.pem");
  }

  @Test
  void unreadableTlsFilesStopStartUpWithAMessage() throws Exception {
    try (Platform p = emptyPlatform()) {
      assertThatThrownBy(() -> new TollgateServer(p.gateway(), new TollgateServer.Options("127.0.0.1", 0, null,
          Duration.ofSeconds(1), Duration.ofSeconds(10), new TollgateServer.Tls(dir.resolve("nope.pem"),
          dir.resolve("nope.key"), null), null)))
          .isInstanceOf(java.io.IOException.class).hasMessageContaining("nope.pem");
    }
  }
}
