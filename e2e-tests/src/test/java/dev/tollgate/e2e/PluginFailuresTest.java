package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.core.Platform;
import dev.tollgate.core.config.ConfigException;
import dev.tollgate.core.pipeline.GatewayListener;
import dev.tollgate.extproc.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A third-party plugin that is broken in one of the ways an author breaks it: each is refused (or
 * warned about) in one line that names the plugin and the cause, and the other plugins still load.
 */
class PluginFailuresTest {
  private static final String BOOM_FACTORY = """
      package test.boom;

      import dev.tollgate.api.Settings;
      import dev.tollgate.api.spi.CostCalculator;
      import dev.tollgate.api.spi.CostCalculatorFactory;
      import org.pf4j.Extension;

      @Extension
      public final class BoomCostFactory implements CostCalculatorFactory {
        public BoomCostFactory() {
          throw new IllegalStateException("VAULT_ADDR is not set");
        }

        public String type() { return "Boom"; }

        public CostCalculator create(Settings settings) { return input -> 1; }
      }
      """;

  private static final String QUIET_FACTORY = """
      package test.quiet;

      import dev.tollgate.api.Settings;
      import dev.tollgate.api.spi.CostCalculator;
      import dev.tollgate.api.spi.CostCalculatorFactory;
      import org.pf4j.Extension;

      @Extension
      public final class QuietCostFactory implements CostCalculatorFactory {
        public String type() { return "Quiet"; }

        public CostCalculator create(Settings settings) { return input -> 1; }
      }
      """;

  @TempDir
  Path dir;
  Path plugins;

  @BeforeEach
  void pluginsWithTokenCosts() throws Exception {
    plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(Plugins.dir().resolve("tollgate-plugin-token-costs-plugin.zip"), plugins.resolve("token-costs.zip"));
  }

  @Test
  void anExtensionWhoseConstructorThrowsRefusesItsPluginInOneLineAndTheOthersLoad() throws Exception {
    Path jar = TestPlugin.named("boom").source("test.boom.BoomCostFactory", BOOM_FACTORY).jar(plugins.resolve("boom.jar"));

    Platform.PluginSet set = Platform.loadPlugins(plugins, Clock.systemUTC());
    try {
      assertThat(set.manager().refusedPlugins()).containsExactly("plugin 'boom' (" + jar + "): creating its extension "
          + "test.boom.BoomCostFactory failed: IllegalStateException: VAULT_ADDR is not set");
      assertThat(set.registry().costs()).containsKey("InputToken").doesNotContainKey("Boom");
      assertThat(set.manager().getPlugin("boom")).as("a refused plugin is unloaded").isNull();
    } finally {
      set.manager().stopPlugins();
    }
  }

  @Test
  void aJarBuiltWithoutTheAnnotationProcessorIsAWarningNamingTheLikelyCause() throws Exception {
    Path jar = TestPlugin.named("quiet").source("test.quiet.QuietCostFactory", QUIET_FACTORY)
        .withoutAnnotationProcessor().jar(plugins.resolve("quiet.jar"));

    Platform.PluginSet set = Platform.loadPlugins(plugins, Clock.systemUTC());
    try {
      assertThat(set.manager().refusedPlugins()).isEmpty();
      assertThat(set.manager().warnings()).containsExactly("plugin 'quiet' (" + jar + ") provides no extensions: it "
          + "has no META-INF/extensions.idx, so it was most likely built without PF4J's annotation processor; add "
          + "org.pf4j:pf4j to maven-compiler-plugin's annotationProcessorPaths and rebuild it");
    } finally {
      set.manager().stopPlugins();
    }
  }

  @Test
  void aCorruptJarIsRefusedNamingTheFile() throws Exception {
    Path jar = Files.write(plugins.resolve("broken.jar"), "PK\3\4 this is not a jar".getBytes());

    Platform.PluginSet set = Platform.loadPlugins(plugins, Clock.systemUTC());
    try {
      assertThat(set.manager().refusedPlugins()).singleElement().asString()
          .startsWith("plugin file (" + jar + "): is not a readable jar (")
          .endsWith("); replace it with a good copy of the plugin")
          .doesNotContain("\n");
      assertThat(set.registry().costs()).containsKey("InputToken");
    } finally {
      set.manager().stopPlugins();
    }
  }

  @Test
  void aCorruptZipIsRefusedNamingTheFile() throws Exception {
    Path zip = Files.write(plugins.resolve("broken.zip"), new byte[] {'P', 'K', 3, 4, 1, 2, 3});

    Platform.PluginSet set = Platform.loadPlugins(plugins, Clock.systemUTC());
    try {
      assertThat(set.manager().refusedPlugins()).singleElement().asString()
          .startsWith("plugin file (" + zip + "): is not a readable zip (")
          .endsWith("); replace it with a good copy of the plugin")
          .doesNotContain("\n");
      assertThat(set.registry().costs()).containsKey("InputToken");
    } finally {
      set.manager().stopPlugins();
    }
  }

  @Test
  void aJarWithoutAPluginManifestIsRefusedSayingWhatIsMissing() throws Exception {
    Path jar = TestPlugin.library(plugins.resolve("library.jar"), "test.lib.Helper",
        "package test.lib; public final class Helper {}");

    Platform.PluginSet set = Platform.loadPlugins(plugins, Clock.systemUTC());
    try {
      assertThat(set.manager().refusedPlugins()).containsExactly("plugin file (" + jar + "): has no plugin "
          + "descriptor: a plugin jar names itself with Plugin-Id in META-INF/MANIFEST.MF, a plugin zip with "
          + "plugin.properties");
    } finally {
      set.manager().stopPlugins();
    }
  }

  @Test
  void theGatewayStartsWithARefusedPluginWhenTheConfigDoesNotNeedIt() throws Exception {
    TestPlugin.named("boom").source("test.boom.BoomCostFactory", BOOM_FACTORY).jar(plugins.resolve("boom.jar"));
    Files.copy(Plugins.dir().resolve("tollgate-plugin-openai-plugin.zip"), plugins.resolve("openai.zip"));
    Path config = Files.writeString(dir.resolve("gateway.yaml"), """
        costs:
          - {metadataKey: llm_total_token, type: TotalToken}
        rules:
          - {name: all, backends: [{name: openai}]}
        backends:
          - {name: openai, schema: {name: OpenAI}}
        """);

    try (Platform platform = Platform.start(plugins, config, Duration.ZERO, GatewayListener.NONE)) {
      assertThat(platform.registry().translators()).containsKey("OpenAI");
      assertThat(platform.pluginManager().refusedPlugins()).singleElement().asString().contains("plugin 'boom'");
    }
  }

  @Test
  void aConfigThatNeedsWhatARefusedPluginWouldHaveProvidedFailsNamingTheTypeAndThePlugin() throws Exception {
    Path jar = TestPlugin.named("boom").source("test.boom.BoomCostFactory", BOOM_FACTORY).jar(plugins.resolve("boom.jar"));
    Files.copy(Plugins.dir().resolve("tollgate-plugin-openai-plugin.zip"), plugins.resolve("openai.zip"));
    Path config = Files.writeString(dir.resolve("gateway.yaml"), """
        costs:
          - {metadataKey: boom, type: Boom}
        rules:
          - {name: all, backends: [{name: openai}]}
        backends:
          - {name: openai, schema: {name: OpenAI}}
        """);

    assertThatThrownBy(() -> Platform.start(plugins, config, Duration.ZERO, GatewayListener.NONE))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("costs[0].type")
        .hasMessageContaining("no installed plugin provides cost type 'Boom'")
        .hasMessageContaining("plugins not loaded: plugin 'boom' (" + jar + "): creating its extension")
        .hasMessageNotContaining("\n");
  }

  @Test
  void tollgatePluginsListsTheRefusedAndTheWarned() throws Exception {
    Path boom = TestPlugin.named("boom").source("test.boom.BoomCostFactory", BOOM_FACTORY).jar(plugins.resolve("boom.jar"));
    TestPlugin.named("quiet").source("test.quiet.QuietCostFactory", QUIET_FACTORY).withoutAnnotationProcessor()
        .jar(plugins.resolve("quiet.jar"));
    Files.write(plugins.resolve("broken.zip"), new byte[] {1, 2, 3});

    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = new CommandLine(new Main()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
        .execute("plugins", "--plugins", plugins.toString());

    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString())
        .contains("cost types:  CacheCreationInputToken, CachedInputToken, InputToken, OutputToken, PriceTable, ReasoningToken, TotalToken\n")
        .contains("refused: plugin 'boom' (" + boom + "): creating its extension test.boom.BoomCostFactory failed: "
            + "IllegalStateException: VAULT_ADDR is not set\n")
        .contains("refused: plugin file (" + plugins.resolve("broken.zip") + "): is not a readable zip (")
        .contains("warning: plugin 'quiet' (" + plugins.resolve("quiet.jar") + ") provides no extensions: it has no "
            + "META-INF/extensions.idx")
        .doesNotContain("Exception\n\tat ");
  }
}
