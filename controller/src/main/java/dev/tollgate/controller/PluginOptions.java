package dev.tollgate.controller;

import dev.tollgate.controller.translate.GatewayPlugins;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** {@code --plugins DIR} of the commands that translate resources: the plugins the gateway runs with. */
public final class PluginOptions {
  @Option(names = "--plugins", paramLabel = "DIR",
      description = "the gateway's plugins folder; the resources are checked by these plugins "
          + "(default: $TOLLGATE_HOME/plugins, or ./plugins outside the distribution)")
  Path plugins;

  /** The folder: {@code --plugins}, else {@code ${tollgate.home}/plugins} when that property is set, else {@code plugins}. */
  public Path dir() {
    if (plugins != null) {
      return plugins;
    }
    String home = System.getProperty("tollgate.home");
    return home != null ? Path.of(home, "plugins") : Path.of("plugins");
  }

  /** Loads the plugins; empty, after one line on {@code err}, when the folder does not exist. */
  public Optional<GatewayPlugins> load(PrintWriter err) {
    Path dir = dir();
    if (!Files.isDirectory(dir)) {
      err.println("tollgate: the plugins directory " + dir + " does not exist (--plugins DIR, default "
          + "$TOLLGATE_HOME/plugins); the resources are checked by the plugins the gateway runs with");
      err.flush();
      return Optional.empty();
    }
    return Optional.of(GatewayPlugins.load(dir));
  }
}
