package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.api.spi.CostCalculatorFactory;
import dev.tollgate.core.Platform;
import dev.tollgate.core.plugin.TollgatePluginManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each plugin gets a class loader that shares only the SPI packages with Tollgate: the plugin API,
 * PF4J, Jackson's core/databind/annotations, jakarta.inject and slf4j. The JDK comes from the
 * platform class loader; everything else from the plugin's own jars.
 */
class PluginIsolationTest {
  private static final String SEES_ONLY = "which is not part of the plugin API; a plugin sees only dev.tollgate.api, "
      + "org.pf4j, Jackson (core, databind, annotations), jakarta.inject and org.slf4j of Tollgate. Bundle the "
      + "library in the plugin's lib/ (platform services come from PlatformServices)";

  @TempDir
  Path dir;

  /** A cost factory plugin whose {@code create} runs {@code body}; its constructor leaves a mark. */
  private static TestPlugin costPlugin(String id, String body) {
    String pkg = "test." + id;
    return TestPlugin.named(id).source(pkg + ".Factory", """
        package %s;

        import dev.tollgate.api.Settings;
        import dev.tollgate.api.spi.CostCalculator;
        import dev.tollgate.api.spi.CostCalculatorFactory;
        import org.pf4j.Extension;

        @Extension
        public final class Factory implements CostCalculatorFactory {
          public Factory() throws Exception {
            System.setProperty("%s.created", "yes");
          }

          public String type() { return "%s"; }

          public CostCalculator create(Settings settings) {
            %s
          }
        }
        """.formatted(pkg, id, id, body));
  }

  @Test
  void aPluginThatUsesACoreClassIsRefusedAtLoadBeforeItsCodeRuns() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Path jar = costPlugin("sneaky", """
        long n = new dev.tollgate.core.plugin.TollgatePluginManager(java.nio.file.Path.of(".")).getPlugins().size();
        return input -> n;
        """).compiledAgainst(TollgatePluginManager.class).jar(plugins.resolve("sneaky.jar"));

    Platform.PluginSet set = Platform.loadPlugins(plugins, Clock.systemUTC());
    try {
      assertThat(set.manager().refusedPlugins()).containsExactly("plugin 'sneaky' (" + jar + "): test.sneaky.Factory "
          + "uses dev.tollgate.core.plugin.TollgatePluginManager, " + SEES_ONLY);
      assertThat(set.registry().costs()).doesNotContainKey("sneaky");
      assertThat(System.getProperty("sneaky.created")).as("the plugin's constructor never ran").isNull();
    } finally {
      set.manager().stopPlugins();
    }
  }

  @Test
  void aPluginThatUsesGuiceFromTheApplicationIsRefused() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Path zip = costPlugin("guicy", """
        com.google.inject.Injector injector = com.google.inject.Guice.createInjector();
        return input -> injector.getAllBindings().size();
        """).compiledAgainst(com.google.inject.Guice.class).zip(plugins.resolve("guicy.zip"));

    Platform.PluginSet set = Platform.loadPlugins(plugins, Clock.systemUTC());
    try {
      assertThat(set.manager().refusedPlugins()).singleElement().asString()
          .startsWith("plugin 'guicy' (" + zip + "): test.guicy.Factory uses com.google.inject.")
          .endsWith(SEES_ONLY);
    } finally {
      set.manager().stopPlugins();
    }
  }

  @Test
  void aPluginThatLooksUpACoreClassAtRunTimeIsRefusedNamingIt() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Path jar = TestPlugin.named("reflective").source("test.reflective.Factory", """
        package test.reflective;

        import dev.tollgate.api.Settings;
        import dev.tollgate.api.spi.CostCalculator;
        import dev.tollgate.api.spi.CostCalculatorFactory;
        import org.pf4j.Extension;

        @Extension
        public final class Factory implements CostCalculatorFactory {
          public Factory() throws ClassNotFoundException {
            Class.forName("dev.tollgate.core.Platform");
          }

          public String type() { return "Reflective"; }

          public CostCalculator create(Settings settings) { return input -> 1; }
        }
        """).jar(plugins.resolve("reflective.jar"));

    Platform.PluginSet set = Platform.loadPlugins(plugins, Clock.systemUTC());
    try {
      assertThat(set.manager().refusedPlugins()).containsExactly("plugin 'reflective' (" + jar + "): creating its "
          + "extension test.reflective.Factory failed: it uses dev.tollgate.core.Platform, " + SEES_ONLY);
    } finally {
      set.manager().stopPlugins();
    }
  }

  @Test
  void aPluginSeesTheSpiPackagesTheJdkAndItsOwnLibrariesAndNothingElse() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Path lib = TestPlugin.library(dir.resolve("lib/multiplier.jar"), "test.lib.Multiplier",
        "package test.lib; public final class Multiplier { public static long times(long n) { return n * 7; } }");
    costPlugin("bundler", """
        org.slf4j.LoggerFactory.getLogger(Factory.class).debug("created");
        com.fasterxml.jackson.databind.JsonNode node = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        java.net.http.HttpClient.Version version = java.net.http.HttpClient.Version.HTTP_2;
        return input -> test.lib.Multiplier.times(input.usage().totalTokens());
        """).bundling(lib).zip(plugins.resolve("bundler.zip"));

    Platform.PluginSet set = Platform.loadPlugins(plugins, Clock.systemUTC());
    try {
      assertThat(set.manager().refusedPlugins()).isEmpty();
      CostCalculatorFactory factory = set.registry().cost("bundler").orElseThrow();
      ClassLoader loader = factory.getClass().getClassLoader();
      assertThat(loader.loadClass("test.lib.Multiplier").getClassLoader()).as("its own library").isSameAs(loader);
      for (Class<?> shared : new Class<?>[] {dev.tollgate.api.Settings.class, org.pf4j.Extension.class,
          com.fasterxml.jackson.databind.JsonNode.class, com.fasterxml.jackson.core.JsonToken.class,
          com.fasterxml.jackson.annotation.JsonInclude.class, jakarta.inject.Inject.class, org.slf4j.Logger.class,
          java.net.http.HttpClient.class}) {
        assertThat(loader.loadClass(shared.getName())).as(shared.getName()).isSameAs(shared);
      }
      for (String hidden : new String[] {"dev.tollgate.core.Platform", "com.google.inject.Injector",
          "io.grpc.ManagedChannel", "com.fasterxml.jackson.dataformat.yaml.YAMLFactory"}) {
        assertThatThrownBy(() -> loader.loadClass(hidden)).as(hidden).isInstanceOf(ClassNotFoundException.class)
            .hasMessageContaining(hidden + " is Tollgate's, not the plugin API's");
      }
      assertThat(loader.getResource("dev/tollgate/core/Platform.class")).isNull();
    } finally {
      set.manager().stopPlugins();
    }
  }

  @Test
  void everyBuiltInPluginLoadsFromItsZipWithItsOwnLibraries() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    try (var zips = Files.list(Plugins.dir())) {
      for (Path zip : zips.filter(p -> p.toString().endsWith(".zip")).toList()) {
        Files.copy(zip, plugins.resolve(zip.getFileName()));
      }
    }

    Platform.PluginSet set = Platform.loadPlugins(plugins, Clock.systemUTC());
    try {
      assertThat(set.manager().refusedPlugins()).isEmpty();
      assertThat(set.manager().warnings()).isEmpty();
      assertThat(set.manager().getStartedPlugins()).hasSize(13);
      assertThat(set.registry().translators()).containsKeys("OpenAI", "AzureOpenAI", "AWSBedrock", "Anthropic",
          "GCPAnthropic", "AWSAnthropic", "GCPVertexAI");
      assertThat(set.registry().auths()).containsKeys("APIKey", "AWSCredentials", "AzureCredentials");
      assertThat(set.registry().costs()).containsKeys("InputToken", "OutputToken", "TotalToken", "CEL");
      assertThat(set.registry().guards()).containsKeys("Regex", "Webhook", "Moderation");
      assertThat(set.registry().enrichers()).containsKeys("PromptEnrichment");
    } finally {
      set.manager().stopPlugins();
    }
  }
}
