package dev.tollgate.controller.translate;

import dev.tollgate.core.Platform;
import dev.tollgate.core.plugin.PluginFolders;
import dev.tollgate.core.plugin.PluginRegistry;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The gateway's plugins, loaded by the controller as the gateway loads them (from a plugins
 * folder, and the class path's extensions), so that the resources are judged by the plugins that
 * will run them.
 */
public final class GatewayPlugins implements AutoCloseable {
  private final Platform.PluginSet plugins;

  private GatewayPlugins(Platform.PluginSet plugins) {
    this.plugins = plugins;
  }

  /**
   * Loads the plugins in {@code dir}; a plugin that cannot be used is refused with a logged line
   * (as in the gateway), two plugins claiming one name fail.
   */
  public static GatewayPlugins load(Path dir) {
    return load(PluginFolders.of(dir));
  }

  /** {@link #load(Path)} from every folder of {@code folders}. */
  public static GatewayPlugins load(PluginFolders folders) {
    return new GatewayPlugins(Platform.loadPlugins(folders, Clock.systemUTC()));
  }

  public PluginRegistry registry() {
    return plugins.registry();
  }

  @Override
  public void close() {
    plugins.manager().stopPlugins();
  }
}
