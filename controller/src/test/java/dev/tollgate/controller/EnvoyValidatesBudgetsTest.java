package dev.tollgate.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.controller.envoy.EnvoySettings;
import dev.tollgate.controller.translate.GatewaySettings;
import dev.tollgate.controller.translate.Translation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Envoy 1.40 accepts the bootstrap with budgets ({@code envoy --mode validate}): the
 * rate-limit filter, its cluster, and the route rate limits with {@code hits_addend} and
 * {@code apply_on_stream_done}. Uses {@code $ENVOY_BIN}, else the Envoy {@code tollgate install-envoy}
 * put in {@code $TOLLGATE_TOOLS_DIR} (default {@code ~/.cache/tollgate}); skipped when there is none.
 */
class EnvoyValidatesBudgetsTest {
  @TempDir
  Path dir;

  static Path envoy() {
    String bin = System.getenv("ENVOY_BIN");
    if (bin != null && !bin.isBlank()) {
      return Path.of(bin);
    }
    String tools = System.getenv("TOLLGATE_TOOLS_DIR");
    Path base = tools != null && !tools.isBlank() ? Path.of(tools)
        : Path.of(System.getProperty("user.home"), ".cache", "tollgate");
    return base.resolve("envoy-1.40.0/envoy/_bin/envoy");
  }

  private String validate(String bootstrap, String name) throws Exception {
    Path envoy = envoy();
    Assumptions.assumeTrue(Files.isExecutable(envoy), "no Envoy at " + envoy + " (tollgate install-envoy, or ENVOY_BIN)");
    Path file = Files.writeString(dir.resolve(name), bootstrap);
    Path log = dir.resolve(name + ".log");
    Process p = new ProcessBuilder(envoy.toString(), "--mode", "validate", "-c", file.toString(),
        "--use-dynamic-base-id").redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("envoy --mode validate finished").isTrue();
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("envoy --mode validate " + file + ":\n" + output).isZero();
    return output;
  }

  @Test
  void envoyAcceptsTheBootstrapWithBudgetsOnBackendAndRuleRoutes() throws Exception {
    BudgetFixtures.writeAll(dir);
    Translation t = TestPlugins.translate(GatewaySettings.defaults(), TestPlugins.withPriceTable(), dir);
    assertThat(t.envoyBootstrapYaml()).contains("envoy.filters.http.ratelimit", "tollgate-rule-fallback",
        "apply_on_stream_done: true");
    assertThat(validate(t.envoyBootstrapYaml(), "envoy-budgets.yaml")).contains("OK");
  }

  @Test
  void envoyAcceptsTheRateLimitServiceByDnsName() throws Exception {
    BudgetFixtures.writeAll(dir);
    Translation t = TestPlugins.translate(GatewaySettings.defaults().withEnvoy(EnvoySettings.defaults()
        .withRateLimitAddress("localhost:8081")), TestPlugins.withPriceTable(), dir);
    assertThat(t.envoyBootstrapYaml()).contains("type: STRICT_DNS");
    assertThat(validate(t.envoyBootstrapYaml(), "envoy-dns.yaml")).contains("OK");
  }
}
