package dev.tollgate.distribution.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.testkit.FakeUpstream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tollgate itself failing under a real Envoy: killed (SIGKILL) with streams open and restarted,
 * and its config file replaced the careless way (truncated and written in pieces, or left
 * half-written), which a reload must never take.
 */
class GatewayFaultsThroughEnvoyIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SLOW_STREAM = "{\"model\":\"gpt-slow\",\"stream\":true,"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"count\"}]}";

  @TempDir
  Path dir;

  /** What curl saw: exit code (18: the chunked body was cut), status, body. */
  record Seen(int exit, int status, String body, long millis) {
    @Override
    public String toString() {
      return "exit " + exit + ", status " + status + ", " + millis + " ms, body "
          + body.replace("\n", "\\n").substring(0, Math.min(body.length(), 400));
    }
  }

  static Seen curl(EnvoyAndTollgate gateway, String json) throws Exception {
    long t0 = System.nanoTime();
    Tools.Run r = Tools.run(Duration.ofSeconds(30), "curl", "-s", "-N", "-D", "-", "--max-time", "20",
        gateway.url("/v1/chat/completions").toString(), "-H", "content-type: application/json", "-d", json);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    String out = r.output();
    int split = out.indexOf("\r\n\r\n");
    String head = split < 0 ? out : out.substring(0, split);
    String body = split < 0 ? "" : out.substring(split + 4);
    int status = head.startsWith("HTTP/") ? Integer.parseInt(head.lines().findFirst().orElseThrow().split(" ")[1]) : 0;
    return new Seen(r.exit(), status, body, ms);
  }

  private static CompletableFuture<Seen> inFlight(EnvoyAndTollgate gateway, String json) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return curl(gateway, json);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @Test
  void sigkillWithStreamsOpenCutsThemAndTheRestartedTollgateServesNewRequests() throws Exception {
    TestCa ca = TestCa.create(Files.createDirectories(dir.resolve("ca")));
    try (FakeUpstream openai = new FakeUpstream(Providers.openAi(), ca.serverContext());
         EnvoyAndTollgate gateway = new EnvoyAndTollgate(dir)) {
      EnvoyAndTollgate.Translated t = gateway.translate(Providers.openAiResources(dir, openai, ca));
      gateway.start(t.gatewayConfig(), t.bootstrap());

      // three 3-second streams in flight, each past its first events
      List<CompletableFuture<Long>> ended = new ArrayList<>();
      List<CompletableFuture<Seen>> streams = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        CompletableFuture<Seen> f = inFlight(gateway, SLOW_STREAM);
        streams.add(f);
        ended.add(f.thenApply(s -> System.nanoTime()));
      }
      EnvoyAndTollgate.await("the streams started", Duration.ofSeconds(20), () -> openai.received().size() == 3,
          null, null);
      Thread.sleep(600);
      assertThat(gateway.openStreams()).isEqualTo(3);
      long killed = System.nanoTime();
      gateway.tollgateProcess().destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL

      for (int i = 0; i < streams.size(); i++) {
        Seen s = streams.get(i).get(25, TimeUnit.SECONDS);
        long cutAfter = (ended.get(i).get(1, TimeUnit.SECONDS) - killed) / 1_000_000;
        long events = s.body().lines().filter(l -> l.startsWith("data: {")).count();
        System.out.println("SIGKILL mid-stream | cut " + cutAfter + " ms after the kill, " + events
            + " of 20 events | " + s);
        // Envoy resets the stream at once; the HTTP/1.1 connection closes after the connection
        // manager's delayed_close_timeout (1 s), so curl sees the end about a second later
        assertThat(cutAfter).as("Envoy cuts the stream as soon as the ext_proc stream fails, not at a timeout")
            .isLessThan(2500);
        assertThat(s.status()).as(s.toString()).isEqualTo(200);
        assertThat(s.body()).as("the events before the kill arrived: " + s).contains("w0 ");
        assertThat(s.body()).as(s.toString()).doesNotContain("[DONE]").doesNotContain("w19 ");
        assertThat(s.exit()).as("failure_mode_allow off: Envoy resets the stream, curl sees the body cut: " + s)
            .isEqualTo(18);
      }
      String stats = gateway.envoyAdmin("/stats?filter=ext_proc");
      System.out.println("Envoy ext_proc stats after SIGKILL: " + stats.replace("\n", "; "));
      assertThat(counter(stats, "streams_failed")).isGreaterThanOrEqualTo(3);

      // while it is down: fail closed (EnvoyFailureIT), and once it is back new requests succeed
      gateway.startTollgate(t.gatewayConfig());
      EnvoyAndTollgate.await("a stream succeeds again", Duration.ofSeconds(30), () -> {
        try {
          Seen s = curl(gateway, SLOW_STREAM);
          return s.status() == 200 && s.exit() == 0 && s.body().contains("data: [DONE]");
        } catch (Exception e) {
          return false;
        }
      }, null, null);
      Seen whole = curl(gateway, Clients.chatJson("gpt-4o-mini", false));
      assertThat(whole.status()).isEqualTo(200);
      EnvoyAndTollgate.await("the restarted Tollgate's open-streams gauge at 0", Duration.ofSeconds(10),
          () -> gateway.openStreams() == 0, null, null);
    }
  }

  private static long counter(String stats, String name) {
    long sum = 0;
    Matcher m = Pattern.compile("(?m)^\\S*ext_proc\\S*\\." + name + ": (\\d+)$").matcher(stats);
    while (m.find()) {
      sum += Long.parseLong(m.group(1));
    }
    return sum;
  }

  @Test
  void aConfigFileWrittenInPiecesOrLeftHalfWrittenIsNeverTakenAndTheWholeOneIs() throws Exception {
    TestCa ca = TestCa.create(Files.createDirectories(dir.resolve("ca")));
    try (FakeUpstream openai = new FakeUpstream(Providers.openAi(), ca.serverContext());
         EnvoyAndTollgate gateway = new EnvoyAndTollgate(dir).reloadInterval("PT0.3S")) {
      EnvoyAndTollgate.Translated t = gateway.translate(Providers.openAiResources(dir, openai, ca));
      gateway.start(t.gatewayConfig(), t.bootstrap());
      Path live = t.gatewayConfig();
      String old = Files.readString(live);
      String oldUuid = uuid(gateway);
      assertThat(old).contains("uuid: " + oldUuid);
      // the new config: another uuid, and the backend's key moved to the end of the file, so
      // that most prefixes of it are valid YAML naming a backend without its key
      String next = old.replace("uuid: " + oldUuid, "uuid: 0f0f0f0f-new-config") + "# end of the new config\n";
      AtomicInteger failed = new AtomicInteger();
      AtomicInteger sent = new AtomicInteger();
      CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
        // a client keeps sending while the file is rewritten: every request must succeed
        while (!Thread.currentThread().isInterrupted() && sent.get() < 1000) {
          try {
            Seen s = curl(gateway, Clients.chatJson("gpt-4o-mini", false));
            sent.incrementAndGet();
            if (s.status() != 200) {
              failed.incrementAndGet();
              System.out.println("during the rewrite | " + s);
            }
            if (Files.exists(dir.resolve("stop-load"))) {
              return;
            }
          } catch (Exception e) {
            failed.incrementAndGet();
          }
        }
      });

      // 1. truncated and written slowly in pieces (each ending mid-line), 200 ms apart: 5 polls see it growing
      byte[] bytes = next.getBytes(StandardCharsets.UTF_8);
      try (OutputStream out = Files.newOutputStream(live, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        int piece = bytes.length / 8 + 1;
        for (int at = 0; at < bytes.length; at += piece) {
          int end = Math.min(bytes.length, at + piece);
          out.write(bytes, at, end - at);
          out.flush();
          if (end < bytes.length) {
            Thread.sleep(200);
            assertThat(uuid(gateway)).as("a half-written file is never in force").isEqualTo(oldUuid);
          }
        }
      }
      EnvoyAndTollgate.await("the whole new file in force", Duration.ofSeconds(5),
          () -> uuid(gateway).equals("0f0f0f0f-new-config"), null, null);
      assertThat(gateway.tollgateLog()).contains("reloaded (uuid 0f0f0f0f-new-config)");

      // 2. a partial write left there: cut mid-line, the writer gone; valid YAML or not, it is never taken
      String cut = old.substring(0, old.lastIndexOf("\n", old.length() / 2) + 7);
      Files.writeString(live, cut);
      EnvoyAndTollgate.await("the partial file reported", Duration.ofSeconds(5),
          () -> gateway.tollgateLog().contains("it is empty or does not end with a newline"), null, null);
      Thread.sleep(1000);
      assertThat(uuid(gateway)).isEqualTo("0f0f0f0f-new-config");
      JsonNode config = JSON.readTree(gateway.tollgateAdmin("/config"));
      assertThat(config.path("failedReloads").asLong()).as("nothing half-written was even compiled").isZero();
      assertThat(reloads(gateway, "failure")).isZero();

      // 3. the operator finishes the job: the complete old file is picked up
      Files.writeString(live, old);
      EnvoyAndTollgate.await("the complete file in force", Duration.ofSeconds(5),
          () -> uuid(gateway).equals(oldUuid), null, null);
      Files.writeString(dir.resolve("stop-load"), "");
      load.get(30, TimeUnit.SECONDS);
      System.out.println("config rewrite: " + sent.get() + " requests during it, " + failed.get() + " failed; log: "
          + gateway.tollgateLog().lines().filter(l -> l.contains("gateway config")).toList());
      assertThat(failed.get()).as("requests failed while the config was rewritten").isZero();
      assertThat(sent.get()).isPositive();
      assertThat(reloads(gateway, "success")).isEqualTo(2);
    }
  }

  private static double reloads(EnvoyAndTollgate gateway, String result) {
    Matcher m = Pattern.compile("(?m)^tollgate_config_reloads_total\\{[^}]*result=\"" + result + "\"[^}]*} (\\S+)$")
        .matcher(gateway.tollgateMetrics());
    if (!m.find()) {
      throw new AssertionError("no tollgate_config_reloads_total{result=" + result + "} in /metrics");
    }
    return Double.parseDouble(m.group(1));
  }

  private static String uuid(EnvoyAndTollgate gateway) {
    try {
      return JSON.readTree(gateway.tollgateAdmin("/config")).path("uuid").asText();
    } catch (Exception e) {
      return "";
    }
  }
}
