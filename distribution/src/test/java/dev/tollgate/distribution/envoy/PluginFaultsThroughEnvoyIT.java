package dev.tollgate.distribution.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.testkit.FakeUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A third-party plugin that misbehaves, installed beside the built-in ones and used through the
 * real Envoy: a prompt guard that throws, one that hangs, one whose factory starts a thread of
 * its own. Each route (by model name) has one of them on its requests. Tollgate runs with
 * {@code --phase-timeout 2s}; the bootstrap's ext_proc message timeout is above it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PluginFaultsThroughEnvoyIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path dir;
  private FakeUpstream openai;
  private EnvoyAndTollgate gateway;

  @BeforeAll
  void start() throws Exception {
    TestCa ca = TestCa.create(Files.createDirectories(dir.resolve("ca")));
    openai = new FakeUpstream(Providers.openAi(), ca.serverContext());
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Path builtIn = Tools.DIST.resolve("plugins");
    try (Stream<Path> files = Files.walk(builtIn)) {
      for (Path p : files.toList()) {
        Path copy = plugins.resolve(builtIn.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(copy);
        } else {
          Files.copy(p, copy);
        }
      }
    }
    FaultyPlugin.jar(plugins.resolve("faulty.jar"));
    Path resources = Providers.openAiResources(dir, openai, ca);
    // one route per faulty guard, by model name
    StringBuilder extra = new StringBuilder();
    for (String type : new String[] {"Throwing", "Hanging", "Stuck", "Spawning"}) {
      String name = type.toLowerCase(java.util.Locale.ROOT);
      extra.append("""
          ---
          apiVersion: aigateway.tollgate.dev/v1alpha1
          kind: AIGatewayRoute
          metadata: {name: %s}
          spec:
            rules: [{name: %s, modelPattern: "%s-.+", backendRefs: [{name: openai}]}]
          ---
          apiVersion: aigateway.tollgate.dev/v1alpha1
          kind: PromptPolicy
          metadata: {name: %s}
          spec:
            targetRefs: [{name: %s}]
            guards: [{type: %s, "on": [Request]}]
          """.formatted(name, name, name, name, name, type));
    }
    Files.writeString(resources.resolve("faulty.yaml"), extra.toString().substring(4));
    // the plain route takes gpt-* only, so that no rule order decides between it and the faulty ones
    Path plain = resources.resolve("r.yaml");
    Files.writeString(plain, Files.readString(plain).replace("modelPattern: \".+\"", "modelPattern: \"gpt-.+\""));
    gateway = new EnvoyAndTollgate(dir).tollgateOptions("--plugins", plugins.toString(), "--phase-timeout", "PT2S",
        "--drain-time", "PT0.5S", "--shutdown-grace", "PT2S");
    EnvoyAndTollgate.Translated t = gateway.translate(resources, "--plugins", plugins.toString());
    gateway.start(t.gatewayConfig(), t.bootstrap());
  }

  @AfterAll
  void stop() throws Exception {
    gateway.close();
    openai.close();
  }

  private static GatewayFaultsThroughEnvoyIT.Seen chat(EnvoyAndTollgate gateway, String model, boolean stream)
      throws Exception {
    return GatewayFaultsThroughEnvoyIT.curl(gateway, Clients.chatJson(model, stream));
  }

  private void openAiError(GatewayFaultsThroughEnvoyIT.Seen s, int status, String messagePart) throws Exception {
    System.out.println("plugin fault | " + s);
    assertThat(s.exit()).as(s.toString()).isZero();
    assertThat(s.status()).as(s.toString()).isEqualTo(status);
    JsonNode error = JSON.readTree(s.body()).path("error");
    assertThat(error.path("message").asText()).as(s.toString()).contains(messagePart);
    assertThat(error.path("type").asText()).as(s.toString()).isNotBlank();
    EnvoyAndTollgate.await("open-streams gauge back to 0", Duration.ofSeconds(10), () -> gateway.openStreams() == 0,
        null, null);
  }

  @Test
  @Order(1)
  void aGuardThatThrowsIsA500InTheClientsFormatAndIsCounted() throws Exception {
    for (boolean stream : new boolean[] {false, true}) {
      openAiError(chat(gateway, "throwing-model", stream), 500, "");
    }
    assertThat(openai.received()).as("nothing goes upstream past a failed guard").isEmpty();
    String metrics = gateway.tollgateMetrics();
    System.out.println("plugin failures: " + metrics.lines().filter(l -> l.startsWith("tollgate_plugin_failures"))
        .toList());
    assertThat(metrics).containsPattern("tollgate_plugin_failures_total\\{[^}]*extension=\"[^\"]*Throwing[^\"]*\"");
    assertThat(gateway.tollgateLog()).contains("Throwing").contains("the guard's classifier is not loaded");
  }

  @Test
  @Order(2)
  void aGuardThatHangsIsCutByThePhaseTimeoutWith504() throws Exception {
    for (boolean stream : new boolean[] {false, true}) {
      GatewayFaultsThroughEnvoyIT.Seen s = chat(gateway, "hanging-model", stream);
      openAiError(s, 504, "within 2000 ms");
      assertThat(s.millis()).as("bounded by --phase-timeout 2s").isBetween(1900L, 5000L);
    }
    // one that ignores the interrupt: the client still has its 504 at the phase timeout, and the
    // ext_proc stream ends although the plugin's call never returns (its thread stays stuck)
    GatewayFaultsThroughEnvoyIT.Seen stuck = chat(gateway, "stuck-model", false);
    openAiError(stuck, 504, "within 2000 ms");
    assertThat(stuck.millis()).isBetween(1900L, 5000L);
    assertThat(openai.received()).isEmpty();
    assertThat(gateway.tollgateLog()).contains("took longer than PT2S; answering 504 and interrupting it");
    // and the gateway is not stuck: the next request on a healthy route goes through
    assertThat(chat(gateway, "gpt-4o-mini", false).status()).isEqualTo(200);
  }

  @Test
  @Order(3)
  void aThreadAPluginStartsIsVisibleAndDoesNotKeepTollgateFromStopping() throws Exception {
    assertThat(chat(gateway, "spawning-model", false).status()).isEqualTo(200);
    long pid = gateway.tollgateProcess().pid();
    Tools.Run jstack = Tools.run(Duration.ofSeconds(30), Path.of(System.getProperty("java.home"), "bin", "jcmd")
        .toString(), Long.toString(pid), "Thread.print");
    assertThat(jstack.output()).as("the plugin's thread, by its name, in a thread dump").contains("\"faulty-plugin-refresher\"");
    assertThat(liveThreads(gateway.tollgateMetrics())).isPositive();

    long t0 = System.nanoTime();
    gateway.tollgateProcess().destroy(); // SIGTERM
    assertThat(gateway.tollgateProcess().waitFor(15, TimeUnit.SECONDS))
        .as("a non-daemon plugin thread that swallows interrupts does not keep Tollgate running").isTrue();
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("SIGTERM with a plugin's non-daemon thread: exit " + gateway.tollgateProcess().exitValue()
        + " after " + ms + " ms");
    assertThat(ms).as("drain 0.5 s + grace 2 s, and then out").isLessThan(8000);
  }

  private static double liveThreads(String metrics) {
    Matcher m = Pattern.compile("(?m)^jvm_threads_live_threads\\S* (\\S+)$").matcher(metrics);
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }
}
