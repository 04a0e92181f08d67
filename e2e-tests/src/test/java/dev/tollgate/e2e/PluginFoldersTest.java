package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.core.Platform;
import dev.tollgate.core.plugin.PluginFolders;
import dev.tollgate.core.plugin.PluginLoadException;
import dev.tollgate.extproc.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Several plugins folders loaded together, as in the container image (the built-in plugins, and an
 * operator's folder mounted beside them: {@code --plugins /opt/tollgate/plugins:/opt/tollgate/plugins.d}),
 * with the zips unpacked in the work folder that {@code --work-dir} names.
 */
class PluginFoldersTest {
  @TempDir
  Path dir;

  @Test
  void pluginsOfEveryFolderLoadAndZipsUnpackInTheWorkFolder() throws Exception {
    Path builtIn = Files.createDirectories(dir.resolve("plugins"));
    Path own = Files.createDirectories(dir.resolve("plugins.d"));
    Files.copy(Plugins.dir().resolve("tollgate-plugin-openai-plugin.zip"), builtIn.resolve("openai.zip"));
    Files.copy(Plugins.dir().resolve("tollgate-plugin-api-key-plugin.zip"), own.resolve("api-key.zip"));
    Path work = dir.resolve("work");

    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = new CommandLine(new Main()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
        .execute("plugins", "--plugins", builtIn + ":" + own, "--work-dir", work.toString());

    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).startsWith("plugins in " + builtIn + ":" + own + ":\n")
        .contains("auth types:  APIKey\n").contains("schemas:     OpenAI ").doesNotContain("refused:");
    try (Stream<Path> unpacked = Files.list(work.resolve("plugins"))) {
      assertThat(unpacked.flatMap(PluginFoldersTest::list).map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("openai", "api-key");
    }
  }

  @Test
  void anEmptyFolderIsFineAndOnePluginInTwoFoldersStopsStartUp() throws Exception {
    Path builtIn = Files.createDirectories(dir.resolve("plugins"));
    Path own = Files.createDirectories(dir.resolve("plugins.d"));
    Files.copy(Plugins.dir().resolve("tollgate-plugin-api-key-plugin.zip"), builtIn.resolve("api-key.zip"));
    PluginFolders folders = new PluginFolders(java.util.List.of(builtIn, own), java.util.Optional.of(dir.resolve("w")));

    Platform.PluginSet set = Platform.loadPlugins(folders, Clock.systemUTC());
    try {
      assertThat(set.registry().auths()).containsOnlyKeys("APIKey");
    } finally {
      set.manager().stopPlugins();
    }

    Files.copy(Plugins.dir().resolve("tollgate-plugin-api-key-plugin.zip"), own.resolve("api-key-copy.zip"));
    assertThatThrownBy(() -> Platform.loadPlugins(folders, Clock.systemUTC()))
        .isInstanceOf(PluginLoadException.class)
        .hasMessage("two plugins have the id 'api-key': " + builtIn.resolve("api-key.zip") + " and "
            + own.resolve("api-key-copy.zip") + "; remove one of them");
  }

  private static Stream<Path> list(Path folder) {
    try {
      return Files.list(folder).toList().stream();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
