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

  /**
   * {@link #registry()}, with a stand-in for the {@code PriceTable} cost type of plugins/token-costs
   * while that plugin does not provide it yet: the stand-in takes the settings the contract gives
   * ({@code prices}: model to {@code input}, {@code output}, {@code cachedInput}, {@code cacheCreation}).
   * Once the real one is there, the tests judge the controller's output by it.
   */
  public static PluginRegistry withPriceTable() {
    PluginRegistry base = registry();
    if (base.cost("PriceTable").isPresent()) {
      return base;
    }
    java.util.Map<String, dev.tollgate.api.spi.CostCalculatorFactory> costs = new java.util.TreeMap<>(base.costs());
    costs.put("PriceTable", new StandInPriceTable());
    return new PluginRegistry(base.translators(), base.auths(), costs, base.guards(), base.enrichers());
  }

  /** Settings of the PriceTable cost type as the contract gives them; it computes nothing. */
  private static final class StandInPriceTable implements dev.tollgate.api.spi.CostCalculatorFactory {
    @Override
    public String type() {
      return "PriceTable";
    }

    @Override
    public dev.tollgate.api.spi.CostCalculator create(dev.tollgate.api.Settings settings)
        throws dev.tollgate.api.InvalidConfigException {
      settings.allowOnly(Set.of("prices"));
      dev.tollgate.api.Settings prices = settings.child("prices");
      for (String model : prices.keys()) {
        dev.tollgate.api.Settings p = prices.child(model);
        p.allowOnly(Set.of("input", "output", "cachedInput", "cacheCreation"));
        for (String k : p.keys()) {
          if (p.doubleValue(k, 0) < 0) {
            throw new dev.tollgate.api.InvalidConfigException(p.field(k), "must be 0 or more");
          }
        }
      }
      return input -> 0;
    }
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
    return translate(settings, registry(), dir);
  }

  /** As {@link #translate(GatewaySettings, Path)}, with these plugins. */
  public static Translation translate(GatewaySettings settings, PluginRegistry registry, Path dir) throws Exception {
    Translation t = new Translator(settings, registry).translate(ResourceReader.read(new DirectorySource(dir, Set.of()).read()));
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
