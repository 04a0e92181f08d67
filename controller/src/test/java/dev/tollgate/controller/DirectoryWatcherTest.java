package dev.tollgate.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.controller.sink.FileSink;
import dev.tollgate.controller.source.DirectorySource;
import dev.tollgate.controller.source.DirectoryWatcher;
import dev.tollgate.controller.translate.GatewaySettings;
import dev.tollgate.controller.translate.Translator;
import dev.tollgate.controller.envoy.EnvoyYaml;
import dev.tollgate.core.config.ConfigParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watched directory: add, change, invalid file (last good output kept), fix. */
class DirectoryWatcherTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void reactsToChangesAndKeepsLastGoodOutput(@TempDir Path resources, @TempDir Path out) throws Exception {
    TestFiles.copyExamples(resources);
    Path config = out.resolve("gateway.yaml");
    Path bootstrap = out.resolve("envoy.yaml");
    Controller controller = new Controller(new Translator(GatewaySettings.defaults(), TestPlugins.registry()), List.of(new FileSink(config, bootstrap)));
    try (DirectoryWatcher watcher = new DirectoryWatcher(new DirectorySource(resources, Set.of()), controller)
        .start(Duration.ofMillis(20))) {
      String first = TestFiles.read(config);
      assertThat(first).as("written synchronously at start").isNotNull();
      assertThat(ConfigParser.parse(first).backends()).hasSize(2);
      assertThat(EnvoyYaml.parseBootstrap(TestFiles.read(bootstrap)).getStaticResources().getClustersCount()).isEqualTo(3);

      // add a backend and a route to it
      Files.writeString(resources.resolve("local.yaml"), """
          apiVersion: aigateway.tollgate.dev/v1alpha1
          kind: AIServiceBackend
          metadata: {name: local}
          spec:
            schema: {name: OpenAI}
            endpoint: {host: 127.0.0.1, port: 8000, tls: false}
          ---
          apiVersion: aigateway.tollgate.dev/v1alpha1
          kind: AIGatewayRoute
          metadata: {name: local}
          spec:
            rules: [{model: llama, backendRefs: [{name: local}]}]
          """);
      TestFiles.await(WAIT, () -> TestFiles.read(config).contains("name: local"), "the new backend");
      String second = TestFiles.read(config);
      assertThat(ConfigParser.parse(second).backends()).hasSize(3);
      TestFiles.await(WAIT, () -> TestFiles.read(bootstrap).contains("tollgate-backend-local"), "the new cluster");

      // change it
      Files.writeString(resources.resolve("local.yaml"), Files.readString(resources.resolve("local.yaml"))
          .replace("port: 8000", "port: 8001"));
      TestFiles.await(WAIT, () -> TestFiles.read(bootstrap).contains("port_value: 8001"), "the changed port");
      TestFiles.await(WAIT, () -> controller.publishedCount() == 3, "the third publication");
      String third = TestFiles.read(config);
      long published = controller.publishedCount();

      // break it: the outputs stay as they were and the problem names file and field
      Files.writeString(resources.resolve("local.yaml"), Files.readString(resources.resolve("local.yaml"))
          .replace("name: local}]", "name: remote}]"));
      long rejected = controller.rejectedCount();
      TestFiles.await(WAIT, () -> controller.rejectedCount() > rejected, "the rejection");
      assertThat(controller.lastProblems()).extracting(Object::toString).containsExactly(
          "local.yaml (document 2) (AIGatewayRoute local): spec.rules[0].backendRefs[0].name: AIServiceBackend 'remote' is not defined");
      assertThat(TestFiles.read(config)).isEqualTo(third);
      assertThat(controller.publishedCount()).isEqualTo(published);

      // a file that is not YAML at all: still the last good output
      Files.writeString(resources.resolve("junk.yaml"), "spec: [\n");
      long rejected2 = controller.rejectedCount();
      TestFiles.await(WAIT, () -> controller.rejectedCount() > rejected2, "the YAML error");
      assertThat(controller.lastProblems().get(0).origin()).isEqualTo("junk.yaml");
      assertThat(TestFiles.read(config)).isEqualTo(third);

      // fix both
      Files.delete(resources.resolve("junk.yaml"));
      Files.delete(resources.resolve("local.yaml"));
      TestFiles.await(WAIT, () -> !TestFiles.read(config).contains("name: local"), "the removal");
      // the sink writes the gateway config first, then the bootstrap: wait for both to be in place
      TestFiles.await(WAIT, () -> !TestFiles.read(bootstrap).contains("tollgate-backend-local"),
          "the removal from the bootstrap");
      assertThat(controller.lastProblems()).isEmpty();
      assertThat(TestFiles.read(config)).isEqualTo(first);
      assertThat(java.nio.file.Files.getPosixFilePermissions(config)).as("it holds the keys of the examples' Secrets")
          .extracting(Object::toString).containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
      try (var files = Files.list(out)) {
        assertThat(files.map(p -> p.getFileName().toString()).toList())
            .as("no temporary files left behind").containsExactlyInAnyOrder("gateway.yaml", "envoy.yaml");
      }
    }
  }
}
