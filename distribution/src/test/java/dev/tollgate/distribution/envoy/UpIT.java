package dev.tollgate.distribution.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tollgate up} as a newcomer runs it: one command, one line, a curl that works, Ctrl-C stops all. */
class UpIT {
  @TempDir
  Path dir;

  @Test
  void upWithTheMockProviderAnswersCurlThroughEnvoyAndStopsBothOnSigterm() throws Exception {
    Tools.envoy(); // installed as `tollgate up` would find it
    int port = EnvoyAndTollgate.freePort();
    int envoyAdmin = EnvoyAndTollgate.freePort();
    int admin = EnvoyAndTollgate.freePort();
    Path state = dir.resolve("state");
    Path out = dir.resolve("up.out");
    Process up = new ProcessBuilder(Tools.tollgate().toString(), "up", "--mock", "--port", Integer.toString(port),
        "--envoy-admin-port", Integer.toString(envoyAdmin), "--admin-port", Integer.toString(admin),
        "--state-dir", state.toString()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      EnvoyAndTollgate.await("up's ready line", Duration.ofSeconds(90),
          () -> EnvoyAndTollgate.read(out).contains("OpenAI-compatible endpoint"), up, out);
      assertThat(EnvoyAndTollgate.read(out).lines().filter(l -> !l.isBlank()).count()).as("one line").isEqualTo(1);
      assertThat(EnvoyAndTollgate.read(out)).contains("http://localhost:" + port + "/v1");

      Clients.Curl chat = Clients.curl("http://localhost:" + port + "/v1/chat/completions",
          "-H", "content-type: application/json", "-d",
          "{\"model\":\"any-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hello gateway\"}]}");
      assertThat(chat.status()).isEqualTo(200);
      assertThat(chat.json().path("choices").get(0).path("message").path("content").asText())
          .contains("mock provider").contains("hello gateway");

      JsonNode responses = Clients.python("http://localhost:" + port, "responses", "any-model");
      assertThat(responses.path("text").asText()).as(responses.toString()).contains("mock provider")
          .contains("Say hello");
      JsonNode streamed = Clients.python("http://localhost:" + port, "responses_stream", "any-model");
      assertThat(streamed.path("status").asText()).as(streamed.toString()).isEqualTo("completed");
      assertThat(streamed.path("text").asText()).contains("Say hello");
      JsonNode messages = Clients.python("http://localhost:" + port, "messages", "any-model");
      assertThat(messages.path("text").asText()).as(messages.toString()).contains("Say hello");

      List<ProcessHandle> children = up.descendants().toList();
      assertThat(children).as("Tollgate and Envoy").hasSizeGreaterThanOrEqualTo(2);
      up.destroy(); // SIGTERM, as Ctrl-C's SIGINT would
      assertThat(up.waitFor(40, TimeUnit.SECONDS)).isTrue();
      for (ProcessHandle c : children) {
        c.onExit().get(20, TimeUnit.SECONDS);
        assertThat(c.isAlive()).as("child " + c.info().command().orElse("?")).isFalse();
      }
      assertThat(Files.readString(state.resolve("access.log"))).contains("\"model_name\":\"any-model\"");
    } finally {
      up.descendants().forEach(ProcessHandle::destroyForcibly);
      up.destroyForcibly();
    }
  }

  @Test
  void upWithoutAnEnvoySaysInOneLineHowToGetOne() throws Exception {
    ProcessBuilder pb = new ProcessBuilder(Tools.tollgate().toString(), "up", "--mock").redirectErrorStream(true);
    pb.environment().put("ENVOY_BIN", dir.resolve("no-envoy").toString());
    Process up = pb.start();
    String output = new String(up.getInputStream().readAllBytes());
    assertThat(up.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(up.exitValue()).isEqualTo(1);
    assertThat(output.strip().lines().count()).as(output).isLessThanOrEqualTo(2);
    assertThat(output).contains("install-envoy");
  }
}
