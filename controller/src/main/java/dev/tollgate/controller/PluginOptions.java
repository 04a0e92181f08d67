package dev.tollgate.controller;

import dev.tollgate.controller.translate.GatewayPlugins;
import dev.tollgate.core.plugin.PluginFolders;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * {@code --plugins DIR[:DIR...]} of the commands that translate resources: the plugins the gateway
 * runs with (the same folders as the server's {@code --plugins}).
 */
public final class PluginOptions {
  @Option(names = "--plugins", paramLabel = "DIR[:DIR...]",
      description = "the gateway's plugins folders, separated by ':'; the resources are checked by these plugins "
          + "(default: $TOLLGATE_HOME/plugins, or ./plugins outside the distribution)")
  String plugins;

  /**
   * The folders: {@code --plugins}, else {@code ${tollgate.home}/plugins} when that property is set, else {@code plugins}.
   *
   * @throws IllegalArgumentException when {@code --plugins} names no folder
   */
  public PluginFolders folders() {
    if (plugins != null) {
      return PluginFolders.parse(plugins);
    }
    String home = System.getProperty("tollgate.home");
    return PluginFolders.of(home != null ? Path.of(home, "plugins") : Path.of("plugins"));
  }

  /** Loads the plugins; empty, after one line on {@code err}, when a folder does not exist. */
  public Optional<GatewayPlugins> load(PrintWriter err) {
    PluginFolders folders;
    try {
      folders = folders();
    } catch (IllegalArgumentException e) {
      err.println("tollgate: --plugins " + e.getMessage());
      err.flush();
      return Optional.empty();
    }
    Optional<Path> missing = folders.firstMissing();
    if (missing.isPresent()) {
      err.println("tollgate: the plugins directory " + missing.get() + " does not exist (--plugins DIR[:DIR...], "
          + "default $TOLLGATE_HOME/plugins); the resources are checked by the plugins the gateway runs with");
      err.flush();
      return Optional.empty();
    }
    return Optional.of(GatewayPlugins.load(folders));
  }
}
