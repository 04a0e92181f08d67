package dev.tollgate.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.core.plugin.PluginRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reload poll against a file written the careless way (truncated, then written in pieces, or
 * left half-written): a partial file is never put in force, even when it is valid YAML.
 */
class ConfigWatcherTest {
  private static final String OLD = "uuid: old-config\n";
  private static final String NEW = "uuid: new-config\nconsumers: []\n";

  @TempDir
  Path dir;

  private ConfigWatcher watcher(Path file) throws Exception {
    return new ConfigWatcher(file, new ConfigCompiler(new PluginRegistry(Map.of(), Map.of(), Map.of(), Map.of(), Map.of())));
  }

  @Test
  void aFileCutOffMidLineIsNeverTakenEvenThoughItIsValidYamlWithAnotherUuid() throws Exception {
    Path file = Files.writeString(dir.resolve("gateway.yaml"), OLD);
    try (ConfigWatcher w = watcher(file)) {
      // "uuid: new-con" parses: the bug was that a poll put this different config in force
      Files.writeString(file, NEW.substring(0, 13));
      for (int i = 0; i < 3; i++) {
        assertThat(w.poll()).isFalse();
      }
      assertThat(w.current().config().uuid()).isEqualTo("old-config");
      assertThat(w.reloads()).isZero();
      assertThat(w.failedReloads()).as("a file still being written is not a failed reload").isZero();

      Files.writeString(file, NEW);
      assertThat(w.poll()).as("new content is loaded only once it reads the same twice").isFalse();
      assertThat(w.poll()).isTrue();
      assertThat(w.current().config().uuid()).isEqualTo("new-config");
    }
  }

  @Test
  void contentThatChangedSinceThePreviousPollIsNotLoadedYet() throws Exception {
    Path file = Files.writeString(dir.resolve("gateway.yaml"), OLD);
    try (ConfigWatcher w = watcher(file)) {
      // a whole line, valid on its own: only its being unchanged at the next poll makes it the file
      Files.writeString(file, "uuid: new-config\n");
      assertThat(w.poll()).isFalse();
      Files.writeString(file, NEW);
      assertThat(w.poll()).isFalse();
      assertThat(w.current().config().uuid()).isEqualTo("old-config");
      assertThat(w.poll()).isTrue();
      assertThat(w.current().config().consumers()).isEmpty();
      assertThat(w.reloads()).isEqualTo(1);
    }
  }

  @Test
  void anEmptyFileIsTakenAsNotWrittenYet() throws Exception {
    Path file = Files.writeString(dir.resolve("gateway.yaml"), OLD);
    try (ConfigWatcher w = watcher(file)) {
      Files.writeString(file, "");
      assertThat(w.poll()).isFalse();
      assertThat(w.poll()).isFalse();
      assertThat(w.current().config().uuid()).isEqualTo("old-config");
    }
  }

  @Test
  void checkNowTakesTheFileAsCompleteAtOnce() throws Exception {
    Path file = Files.writeString(dir.resolve("gateway.yaml"), OLD);
    try (ConfigWatcher w = watcher(file)) {
      Files.writeString(file, NEW);
      assertThat(w.checkNow()).isTrue();
      assertThat(w.current().config().uuid()).isEqualTo("new-config");
      assertThat(w.poll()).as("nothing new").isFalse();
    }
  }

  @Test
  void theConfigTheControllerWritesEndsWithANewlineSoThePollTakesIt() throws Exception {
    String yaml = GatewayConfigWriter.write(ConfigParser.parse(NEW));
    assertThat(yaml).endsWith("\n");
    Path file = Files.writeString(dir.resolve("gateway.yaml"), OLD);
    try (ConfigWatcher w = watcher(file)) {
      Files.writeString(file, yaml);
      assertThat(w.poll()).isFalse();
      assertThat(w.poll()).isTrue();
      assertThat(w.current().config().uuid()).isEqualTo("new-config");
    }
  }
}
