package dev.tollgate.core;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import dev.tollgate.api.PlatformServices;
import dev.tollgate.core.config.ConfigCompiler;
import dev.tollgate.core.config.ConfigException;
import dev.tollgate.core.config.ConfigWatcher;
import dev.tollgate.core.pipeline.Gateway;
import dev.tollgate.core.pipeline.GatewayListener;
import dev.tollgate.core.plugin.PluginFolders;
import dev.tollgate.core.plugin.PluginRegistry;
import dev.tollgate.core.plugin.TollgatePluginManager;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * The assembled platform: plugins loaded from a directory (and the class path), extensions
 * created through Guice, the gateway config loaded and watched, and the request pipeline.
 */
public final class Platform implements AutoCloseable {
  private final TollgatePluginManager plugins;
  private final PluginRegistry registry;
  private final ConfigWatcher config;
  private final Gateway gateway;

  private Platform(TollgatePluginManager plugins, PluginRegistry registry, ConfigWatcher config, Gateway gateway) {
    this.plugins = plugins;
    this.registry = registry;
    this.config = config;
    this.gateway = gateway;
  }

  /** Loads the plugins in {@code pluginsDir} and wires them with Guice. */
  public static PluginSet loadPlugins(Path pluginsDir, Clock clock) {
    return loadPlugins(PluginFolders.of(pluginsDir), clock);
  }

  /** Loads the plugins in every folder of {@code folders} and wires them with Guice. */
  public static PluginSet loadPlugins(PluginFolders folders, Clock clock) {
    TollgatePluginManager manager = new TollgatePluginManager(folders);
    PlatformServices services = new PlatformServicesImpl(clock);
    Injector injector = Guice.createInjector(new AbstractModule() {
      @Override
      protected void configure() {
        bind(PlatformServices.class).toInstance(services);
        bind(Clock.class).toInstance(clock);
      }
    });
    manager.useInjector(() -> injector);
    manager.loadAndStart();
    try {
      return new PluginSet(manager, PluginRegistry.from(manager));
    } catch (RuntimeException e) {
      manager.stopPlugins();
      throw e;
    }
  }

  /** Plugins loaded and indexed. */
  public record PluginSet(TollgatePluginManager manager, PluginRegistry registry) {
  }

  /**
   * Starts the platform: plugins, then the config (which must name installed plugins).
   *
   * @throws ConfigException when the config cannot be loaded; the message names the file and field
   */
  public static Platform start(Path pluginsDir, Path configFile, Duration reloadInterval, GatewayListener listener)
      throws ConfigException {
    return start(PluginFolders.of(pluginsDir), configFile, reloadInterval, listener);
  }

  /** {@link #start(Path, Path, Duration, GatewayListener)} with the plugins of every folder of {@code folders}. */
  public static Platform start(PluginFolders folders, Path configFile, Duration reloadInterval, GatewayListener listener)
      throws ConfigException {
    PluginSet set = loadPlugins(folders, Clock.systemUTC());
    try {
      ConfigWatcher watcher = new ConfigWatcher(configFile, new ConfigCompiler(set.registry()));
      if (!reloadInterval.isZero()) {
        watcher.watch(reloadInterval);
      }
      Gateway gateway = new Gateway(watcher::current, RandomGenerator.of("L64X128MixRandom"), listener);
      return new Platform(set.manager(), set.registry(), watcher, gateway);
    } catch (ConfigException | RuntimeException e) {
      set.manager().stopPlugins();
      throw e;
    }
  }

  public Gateway gateway() {
    return gateway;
  }

  public ConfigWatcher config() {
    return config;
  }

  public PluginRegistry registry() {
    return registry;
  }

  public TollgatePluginManager pluginManager() {
    return plugins;
  }

  @Override
  public void close() {
    config.close();
    plugins.stopPlugins();
  }
}
