package dev.tollgate.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.controller.resource.ResourceReader;
import dev.tollgate.controller.source.DirectorySource;
import dev.tollgate.controller.translate.GatewayPlugins;
import dev.tollgate.controller.translate.GatewaySettings;
import dev.tollgate.controller.translate.Translation;
import dev.tollgate.controller.translate.Translator;
import dev.tollgate.core.config.ConfigParser;
import dev.tollgate.core.config.GatewayConfigWriter;
import dev.tollgate.core.plugin.PluginRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The plugins the controller's tests translate with: the built-in plugins (test dependencies) and
 * {@link AcmeTranslator}, all found on the class path as the gateway finds them, loaded once.
 */
public final class TestPlugins {
  private static final GatewayPlugins PLUGINS = load();

  private TestPlugins() {
  }

  public static PluginRegistry registry() {
    return PLUGINS.registry();
  }

  /** Translates the resources in {@code dir} with the default settings, as {@link #translate(GatewaySettings, Path)}. */
  public static Translation translate(Path dir) throws Exception {
    return translate(GatewaySettings.defaults(), dir);
  }

  /**
   * Translates the resources in {@code dir} with these plugins. Every translation of the tests is
   * also checked to come back from the YAML it wrote: what the gateway parses is what the plugins compiled.
   */
  public static Translation translate(GatewaySettings settings, Path dir) throws Exception {
    Translation t = new Translator(settings, registry()).translate(ResourceReader.read(new DirectorySource(dir, Set.of()).read()));
    assertThat(t.gatewayConfigYaml()).isEqualTo(GatewayConfigWriter.write(t.gatewayConfig()));
    assertThat(ConfigParser.parse(t.gatewayConfigYaml())).as("the gateway config read back from its YAML")
        .usingRecursiveComparison()
        .withEqualsForType((a, b) -> a.pattern().equals(b.pattern()), Pattern.class)
        .isEqualTo(t.gatewayConfig());
    return t;
  }

  private static GatewayPlugins load() {
    try {
      return GatewayPlugins.load(Files.createTempDirectory("tollgate-test-plugins"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
