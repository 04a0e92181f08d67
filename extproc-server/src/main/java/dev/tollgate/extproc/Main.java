package dev.tollgate.extproc;

import dev.tollgate.core.Platform;
import dev.tollgate.core.config.ConfigException;
import dev.tollgate.core.pipeline.GatewayListener;
import dev.tollgate.core.plugin.PluginLoadException;
import dev.tollgate.core.plugin.PluginRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.pf4j.PluginWrapper;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code tollgate} command. */
@Command(name = "tollgate", mixinStandardHelpOptions = true, version = "Tollgate 0.1.0",
    description = "AI gateway for Envoy: the ext_proc server and its tools.",
    subcommands = {Main.Run.class, Main.Plugins.class})
public final class Main implements Callable<Integer> {
  static Path home() {
    return Path.of(System.getProperty("tollgate.home", "."));
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  static int execute(String... args) {
    return new CommandLine(new Main()).execute(args);
  }

  @Override
  public Integer call() {
    new CommandLine(this).usage(System.out);
    return 0;
  }

  /** Options shared by the commands that load plugins. */
  static class PluginOptions {
    @Option(names = "--plugins", description = "plugins directory (default: $TOLLGATE_HOME/plugins)")
    Path plugins;

    Path pluginsDir() {
      return plugins != null ? plugins : home().resolve("plugins");
    }
  }

  @Command(name = "run", description = "Serve ext_proc on the gateway config, reloading it when it changes.")
  static final class Run implements Callable<Integer> {
    @CommandLine.Mixin
    PluginOptions pluginOptions = new PluginOptions();

    @Option(names = "--config", description = "gateway config file (default: $TOLLGATE_HOME/config/gateway.yaml)")
    Path config;

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "address to listen on (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", defaultValue = "1063", description = "TCP port for ext_proc and health (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--uds", description = "also listen on this unix domain socket")
    Path uds;

    @Option(names = "--reload-interval", defaultValue = "PT2S",
        description = "how often to check the config file for changes, ISO-8601 (default: ${DEFAULT-VALUE}); PT0S turns reload off")
    Duration reloadInterval;

    @Option(names = "--shutdown-grace", defaultValue = "PT10S", description = "time open streams get at shutdown (default: ${DEFAULT-VALUE})")
    Duration grace;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      Path configFile = config != null ? config : home().resolve("config/gateway.yaml");
      PrintWriter err = spec.commandLine().getErr();
      Platform platform;
      try {
        platform = Platform.start(pluginOptions.pluginsDir(), configFile, reloadInterval, GatewayListener.NONE);
      } catch (ConfigException | PluginLoadException e) {
        err.println("tollgate: " + e.getMessage());
        return 2;
      }
      TollgateServer server;
      try {
        server = new TollgateServer(platform.gateway(), new TollgateServer.Options(host, port, uds, grace));
      } catch (java.io.IOException e) {
        err.println("tollgate: cannot listen on " + host + ":" + port + (uds == null ? "" : " / " + uds) + ": " + e.getMessage());
        platform.close();
        return 2;
      }
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        server.close();
        platform.close();
      }, "tollgate-shutdown"));
      spec.commandLine().getOut().printf("tollgate: ext_proc listening on %s:%d%s (config %s, plugins %s)%n", host,
          server.port(), uds == null ? "" : " and " + uds, configFile, pluginOptions.pluginsDir());
      spec.commandLine().getOut().flush();
      server.awaitTermination();
      return 0;
    }
  }

  @Command(name = "plugins", description = "List the plugins found and what each provides.")
  static final class Plugins implements Callable<Integer> {
    @CommandLine.Mixin
    PluginOptions pluginOptions = new PluginOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      Platform.PluginSet set;
      try {
        set = Platform.loadPlugins(pluginOptions.pluginsDir(), Clock.systemUTC());
      } catch (PluginLoadException e) {
        spec.commandLine().getErr().println("tollgate: " + e.getMessage());
        return 2;
      }
      try {
        out.println("plugins in " + pluginOptions.pluginsDir() + ":");
        for (PluginWrapper p : set.manager().getPlugins()) {
          out.printf("  %-14s %-16s %-9s %s%n", p.getPluginId(), p.getDescriptor().getVersion(), p.getPluginState(),
              p.getPluginPath().getFileName());
        }
        PluginRegistry r = set.registry();
        out.println("schemas:     " + String.join(", ", r.translators().keySet()));
        out.println("auth types:  " + String.join(", ", r.auths().keySet()));
        out.println("cost types:  " + String.join(", ", r.costs().keySet()));
        out.println("guard types: " + String.join(", ", r.guards().keySet()));
        for (String refused : set.manager().refusedPlugins()) {
          out.println("refused: " + refused);
        }
        out.flush();
        return 0;
      } finally {
        set.manager().stopPlugins();
      }
    }
  }
}
