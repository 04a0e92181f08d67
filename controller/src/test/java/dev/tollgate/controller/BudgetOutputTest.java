package dev.tollgate.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.controller.envoy.EnvoyConfigBuilder;
import dev.tollgate.controller.envoy.EnvoyYaml;
import dev.tollgate.controller.sink.FileSink;
import dev.tollgate.controller.source.DirectorySource;
import dev.tollgate.controller.translate.GatewaySettings;
import dev.tollgate.controller.translate.Translation;
import dev.tollgate.controller.translate.Translator;
import dev.tollgate.core.config.ConfigParser;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the rate-limit service's configuration goes: {@code translate} prints it as a third document
 * or writes it with {@code --ratelimit-config-out}; the controller's file sink keeps it up to date.
 * No output ever holds a plain client key.
 */
class BudgetOutputTest {
  @TempDir
  Path dir;

  private Path resources() throws Exception {
    Path r = Files.createDirectories(dir.resolve("resources"));
    Files.writeString(r.resolve("backends.yaml"), BudgetFixtures.BACKENDS);
    Files.writeString(r.resolve("consumers.yaml"), BudgetFixtures.CONSUMERS);
    Files.writeString(r.resolve("budgets.yaml"), BudgetFixtures.TOKEN_BUDGETS);
    return r;
  }

  private static void noPlainKey(String what, String text) {
    assertThat(text).as(what).doesNotContain(BudgetFixtures.RESEARCH_KEY, BudgetFixtures.BATCH_KEY);
  }

  @Test
  void translatePrintsTheRateLimitConfigAsAThirdDocumentWhenBudgetsExist() throws Exception {
    TranslateCommandTest.Run run = TranslateCommandTest.run("translate", resources().toString());
    assertThat(run.exit()).as(run.err()).isZero();
    String[] parts = run.out().split("(?m)^---$\n");
    assertThat(parts).hasSize(3);
    assertThat(ConfigParser.parse(parts[0]).consumers()).hasSize(3);
    assertThat(EnvoyYaml.parseBootstrap(parts[1]).getStaticResources().getClustersList()).extracting(Cluster::getName)
        .contains(EnvoyConfigBuilder.RATELIMIT_CLUSTER);
    assertThat(parts[2]).startsWith("domain: tollgate\n").contains("value: hourly", "value: research-daily");
    noPlainKey("translate's output", run.out() + run.err());
  }

  @Test
  void translateWritesItToAFileWithTheOptionAndPrintsTwoDocuments() throws Exception {
    Path out = dir.resolve("out/ratelimit/tollgate.yaml");
    TranslateCommandTest.Run run = TranslateCommandTest.run("translate", resources().toString(),
        "--ratelimit-config-out", out.toString(), "--ratelimit-address", "ratelimit:9000");
    assertThat(run.exit()).as(run.err()).isZero();
    String[] parts = run.out().split("(?m)^---$\n");
    assertThat(parts).hasSize(2);
    assertThat(parts[1]).contains("address: ratelimit", "port_value: 9000", "type: STRICT_DNS");
    assertThat(Files.readString(out)).startsWith("domain: tollgate\n").contains("requests_per_unit: 100000");
    noPlainKey("the rate-limit config", Files.readString(out));
  }

  @Test
  void withoutBudgetsTranslatePrintsTwoDocumentsAndTheFileHasNoDescriptors() throws Exception {
    Path r = Files.createDirectories(dir.resolve("plain"));
    Files.writeString(r.resolve("backends.yaml"), BudgetFixtures.BACKENDS);
    Path out = dir.resolve("ratelimit.yaml");
    TranslateCommandTest.Run run = TranslateCommandTest.run("translate", r.toString());
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out().split("(?m)^---$\n")).hasSize(2);
    run = TranslateCommandTest.run("translate", r.toString(), "--ratelimit-config-out", out.toString());
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(Files.readString(out)).isEqualTo("domain: tollgate\ndescriptors: []\n");
  }

  @Test
  void aWrongRateLimitAddressIsAUsageError() throws Exception {
    for (String bad : List.of("ratelimit", "ratelimit:0", "ratelimit:http", ":8081", "http://x/:1")) {
      TranslateCommandTest.Run run = TranslateCommandTest.run("translate", resources().toString(),
          "--ratelimit-address", bad);
      assertThat(run.exit()).as(bad).isEqualTo(ControllerMain.INVALID);
      assertThat(run.err()).as(bad).contains("--ratelimit-address: '" + bad + "' is not host:port");
    }
  }

  @Test
  void theControllersFileSinkRewritesTheRateLimitConfigWhenOnlyALimitChanges() throws Exception {
    Path r = resources();
    Path gateway = dir.resolve("gateway.yaml");
    Path envoy = dir.resolve("envoy.yaml");
    Path rateLimit = dir.resolve("ratelimit.yaml");
    Controller controller = new Controller(new Translator(GatewaySettings.defaults(), TestPlugins.registry()),
        List.of(new FileSink(gateway, envoy, rateLimit)));
    DirectorySource source = new DirectorySource(r, Set.of());
    assertThat(controller.update(source.read())).isEqualTo(Controller.Outcome.PUBLISHED);
    assertThat(Files.readString(rateLimit)).contains("requests_per_unit: 100000");
    String gatewayBefore = Files.readString(gateway);
    String envoyBefore = Files.readString(envoy);

    // only the limit changes: neither the gateway config nor Envoy's, yet the service must learn it
    Files.writeString(r.resolve("budgets.yaml"), BudgetFixtures.TOKEN_BUDGETS.replace("tokens: 100000", "tokens: 5000"));
    assertThat(controller.update(source.read())).isEqualTo(Controller.Outcome.PUBLISHED);
    assertThat(Files.readString(rateLimit)).contains("requests_per_unit: 5000\n");
    assertThat(Files.readString(gateway)).isEqualTo(gatewayBefore);
    assertThat(Files.readString(envoy)).isEqualTo(envoyBefore);
    assertThat(controller.update(source.read())).isEqualTo(Controller.Outcome.UNCHANGED);

    for (Path p : List.of(gateway, envoy, rateLimit)) {
      noPlainKey(p.toString(), Files.readString(p));
    }
  }

  @Test
  void noOutputHoldsAPlainKey() throws Exception {
    Path r = resources();
    Files.writeString(r.resolve("budgets.yaml"), BudgetFixtures.BUDGETS);
    Translation t = TestPlugins.translate(GatewaySettings.defaults(), TestPlugins.withPriceTable(), r);
    noPlainKey("gateway config", t.gatewayConfigYaml());
    noPlainKey("gateway config, as records", t.gatewayConfig().toString());
    noPlainKey("bootstrap", t.envoyBootstrapYaml());
    noPlainKey("xDS", t.envoy().xdsListeners().toString() + t.envoy().xdsRoutes() + t.envoy().clusters());
    noPlainKey("rate-limit config", t.rateLimitConfigYaml());
    noPlainKey("warnings", String.join("\n", t.warnings()));
    noPlainKey("the translation", t.toString());
  }
}
