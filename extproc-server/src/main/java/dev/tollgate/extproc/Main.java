package dev.tollgate.extproc;

import dev.tollgate.core.Platform;
import dev.tollgate.core.config.ConfigException;
import dev.tollgate.core.pipeline.GatewayListener;
import dev.tollgate.core.plugin.PluginFolders;
import dev.tollgate.core.plugin.PluginLoadException;
import dev.tollgate.api.Endpoint;
import dev.tollgate.core.plugin.PluginRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import dev.tollgate.core.config.Durations;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.pf4j.PluginWrapper;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code tollgate} command. */
@Command(name = "tollgate", mixinStandardHelpOptions = true, version = "Tollgate 0.1.0",
    description = "AI gateway for Envoy: the ext_proc server and its tools.",
    subcommands = {Main.Run.class, Main.Plugins.class, Explain.class},
    footer = {"", "Also (bin/tollgate): up (Tollgate and Envoy together), translate DIR, controller, crds, "
        + "install-envoy, envoy-path, install-ratelimit, ratelimit-path, redis-path, install-helm, helm-path, new-key [NAME]; each takes --help."})
public final class Main implements Callable<Integer> {
  static Path home() {
    return Path.of(System.getProperty("tollgate.home", "."));
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  static int execute(String... args) {
    return commandLine().execute(args);
  }

  /**
   * The command line: durations as {@code 2s} or {@code PT2S}; usage errors exit 2 with the usage;
   * a failure exits 1 with one line, never a stack trace.
   */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.registerConverter(Duration.class, Durations::parse);
    cl.setExecutionExceptionHandler((e, line, parsed) -> {
      line.getErr().println("tollgate: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      line.getErr().flush();
      return 1;
    });
    return cl;
  }

  @Override
  public Integer call() {
    new CommandLine(this).usage(System.out);
    return 0;
  }

  /** Options shared by the commands that load plugins. */
  static class PluginOptions {
    @Option(names = "--plugins", paramLabel = "DIR[:DIR...]",
        description = "plugins folders, separated by ':', all loaded (default: $TOLLGATE_HOME/plugins)")
    String plugins;

    @Option(names = "--work-dir", paramLabel = "DIR",
        description = "folder that plugin zips are unpacked in (default: $TOLLGATE_WORK_DIR, else tollgate-USER "
            + "in the temporary folder)")
    Path workDir;

    /** The folders to load and the work folder; an option that names no folder is a usage error. */
    PluginFolders folders(CommandLine.Model.CommandSpec spec) {
      PluginFolders folders;
      try {
        folders = plugins == null ? PluginFolders.of(home().resolve("plugins")) : PluginFolders.parse(plugins);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--plugins " + e.getMessage());
      }
      return workDir == null ? folders : folders.withWorkDir(workDir);
    }

    /** One line naming a plugins folder that does not exist, or empty when all do. */
    static Optional<String> missing(PluginFolders folders) {
      return folders.firstMissing().map(dir -> "tollgate: the plugins directory " + dir + " does not exist "
          + "(--plugins DIR[:DIR...], default $TOLLGATE_HOME/plugins)");
    }
  }

  @Command(name = "run", mixinStandardHelpOptions = true,
      description = "Serve ext_proc on the gateway config, reloading it when it changes.")
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
        description = "how often to check the config file for changes, e.g. 2s or PT2S (default: ${DEFAULT-VALUE}); 0 turns reload off")
    Duration reloadInterval;

    @Option(names = "--shutdown-grace", defaultValue = "PT10S", description = "time open streams get at shutdown (default: ${DEFAULT-VALUE})")
    Duration grace;

    @Option(names = "--drain-time", defaultValue = "PT5S",
        description = "at shutdown, how long health reports NOT_SERVING before the listeners close, so that Envoy's "
            + "health check moves new requests away first (default: ${DEFAULT-VALUE})")
    Duration drain;

    @Option(names = "--max-message-bytes", defaultValue = "" + TollgateServer.DEFAULT_MAX_MESSAGE_BYTES,
        description = "largest ext_proc message accepted, bytes (default: ${DEFAULT-VALUE}, 64 MiB); must exceed "
            + "Envoy's buffer limit, since Envoy sends a whole buffered body in one message")
    int maxMessageBytes;

    @Option(names = "--phase-timeout", defaultValue = "PT10S",
        description = "longest time one ext_proc phase may take before the exchange gets a 504 (default: ${DEFAULT-VALUE})")
    Duration phaseTimeout;

    @Option(names = "--admin-port", defaultValue = "1064",
        description = "HTTP port for /metrics, /healthz and /config (default: ${DEFAULT-VALUE}); 0 turns it off")
    int adminPort;

    @Option(names = "--admin-host", defaultValue = "127.0.0.1", description = "address of the admin port (default: ${DEFAULT-VALUE})")
    String adminHost;

    @Option(names = "--tls-cert", description = "PEM certificate chain: serve ext_proc over TLS (needs --tls-key)")
    Path tlsCert;

    @Option(names = "--tls-key", description = "PEM private key (PKCS#8 or PKCS#1) of --tls-cert")
    Path tlsKey;

    @Option(names = "--tls-client-ca", description = "PEM CA certificates: require client certificates signed by them (mTLS)")
    Path tlsClientCa;

    @Option(names = "--otlp-traces-endpoint",
        description = "send OpenTelemetry traces of the ext_proc exchanges over OTLP/HTTP to this URL, e.g. "
            + "http://collector:4318/v1/traces (default: $OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else "
            + "$OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces; no tracing when neither is set)")
    String otlpTracesEndpoint;

    @Option(names = "--trace-sample-ratio", defaultValue = "1.0",
        description = "share of new traces recorded, 0..1 (default: ${DEFAULT-VALUE}); a caller's sampled flag is followed")
    double traceSampleRatio;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The OTLP traces endpoint from the option or the standard environment variables, or null. */
    private String tracesEndpoint() {
      if (otlpTracesEndpoint != null) {
        return otlpTracesEndpoint;
      }
      String traces = System.getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
      if (traces != null && !traces.isBlank()) {
        return traces.trim();
      }
      String base = System.getenv("OTEL_EXPORTER_OTLP_ENDPOINT");
      if (base != null && !base.isBlank()) {
        return base.trim().replaceAll("/+$", "") + "/v1/traces";
      }
      return null;
    }

    @Override
    public Integer call() throws Exception {
      Path configFile = config != null ? config : home().resolve("config/gateway.yaml");
      PrintWriter err = spec.commandLine().getErr();
      if ((tlsCert == null) != (tlsKey == null) || tlsClientCa != null && tlsCert == null) {
        err.println("tollgate: TLS needs both --tls-cert and --tls-key (--tls-client-ca is optional, for mTLS)");
        return 2;
      }
      for (int[] p : new int[][] {{port, 0}, {adminPort, 1}}) {
        if (p[0] < 0 || p[0] > 65535) {
          err.println("tollgate: " + (p[1] == 0 ? "--port " : "--admin-port ") + p[0] + " is not a port (0 to 65535)");
          return 2;
        }
      }
      if (phaseTimeout.isNegative() || phaseTimeout.isZero()) {
        err.println("tollgate: --phase-timeout must be positive");
        return 2;
      }
      if (drain.isNegative()) {
        err.println("tollgate: --drain-time must not be negative");
        return 2;
      }
      if (maxMessageBytes < 1024 * 1024) {
        err.println("tollgate: --max-message-bytes must be at least 1048576 (1 MiB)");
        return 2;
      }
      ExchangeTracing tracing = null;
      String traces = tracesEndpoint();
      if (traces != null) {
        java.net.URI uri;
        try {
          uri = java.net.URI.create(traces);
        } catch (IllegalArgumentException e) {
          uri = null;
        }
        if (uri == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
          err.println("tollgate: the OTLP traces endpoint '" + traces + "' is not an http(s) URL "
              + "(--otlp-traces-endpoint or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT)");
          return 2;
        }
        String service = System.getenv().getOrDefault("OTEL_SERVICE_NAME", "tollgate");
        try {
          tracing = ExchangeTracing.otlp(uri, traceSampleRatio, service.isBlank() ? "tollgate" : service);
        } catch (IllegalArgumentException e) {
          err.println("tollgate: --trace-sample-ratio " + e.getMessage());
          return 2;
        }
      }
      PluginFolders folders = pluginOptions.folders(spec);
      Optional<String> missing = PluginOptions.missing(folders);
      if (missing.isPresent()) {
        err.println(missing.get());
        if (tracing != null) {
          tracing.close();
        }
        return 2;
      }
      GatewayMetrics metrics = new GatewayMetrics();
      Platform platform;
      try {
        platform = Platform.start(folders, configFile, reloadInterval,
            tracing == null ? metrics : GatewayListener.both(metrics, tracing));
      } catch (ConfigException | PluginLoadException e) {
        err.println("tollgate: " + e.getMessage());
        if (tracing != null) {
          tracing.close();
        }
        return 2;
      }
      metrics.bindConfig(platform.config());
      TollgateServer.Tls tls = tlsCert == null ? null : new TollgateServer.Tls(tlsCert, tlsKey, tlsClientCa);
      TollgateServer server;
      try {
        server = new TollgateServer(platform.gateway(),
            new TollgateServer.Options(host, port, uds, grace, phaseTimeout, tls, metrics, tracing, drain,
                maxMessageBytes));
      } catch (TlsMaterial.InvalidTlsMaterial e) {
        err.println("tollgate: " + e.getMessage());
        platform.close();
        return 2;
      } catch (java.io.IOException e) {
        err.println("tollgate: cannot listen on " + host + ":" + port + (uds == null ? "" : " / " + uds) + ": " + e.getMessage());
        platform.close();
        return 2;
      }
      AdminServer admin = null;
      if (adminPort != 0) {
        try {
          admin = new AdminServer(adminHost, adminPort, metrics, platform.config(), server::serving);
        } catch (java.io.IOException e) {
          err.println("tollgate: cannot open the admin port " + adminHost + ":" + adminPort + ": " + e.getMessage()
              + " (--admin-port 0 turns it off)");
          server.close();
          platform.close();
          return 2;
        }
      }
      AdminServer adminServer = admin;
      ExchangeTracing tracer = tracing;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        server.close();
        if (adminServer != null) {
          adminServer.close();
        }
        platform.close();
        if (tracer != null) {
          tracer.close(); // exports the spans still buffered
        }
      }, "tollgate-shutdown"));
      spec.commandLine().getOut().printf("tollgate: ext_proc listening on %s:%d%s%s (config %s, plugins %s)%s%n", host,
          server.port(), tls == null ? "" : tls.clientCa() == null ? " with TLS" : " with mTLS",
          uds == null ? "" : " and " + uds, configFile, folders,
          (admin == null ? "" : "; admin on http://" + adminHost + ":" + admin.port())
              + (tracing == null ? "" : "; traces to " + traces));
      spec.commandLine().getOut().flush();
      server.awaitTermination();
      return 0;
    }
  }

  @Command(name = "plugins", mixinStandardHelpOptions = true, description = "List the plugins found and what each provides.")
  static final class Plugins implements Callable<Integer> {
    @CommandLine.Mixin
    PluginOptions pluginOptions = new PluginOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PluginFolders folders = pluginOptions.folders(spec);
      Optional<String> missing = PluginOptions.missing(folders);
      if (missing.isPresent()) {
        spec.commandLine().getErr().println(missing.get());
        return 2;
      }
      Platform.PluginSet set;
      try {
        set = Platform.loadPlugins(folders, Clock.systemUTC());
      } catch (PluginLoadException e) {
        spec.commandLine().getErr().println("tollgate: " + e.getMessage());
        return 2;
      }
      try {
        out.println("plugins in " + folders + ":");
        for (PluginWrapper p : set.manager().getPlugins()) {
          out.printf("  %-14s %-16s %-9s %s%n", p.getPluginId(), p.getDescriptor().getVersion(), p.getPluginState(),
              p.getPluginPath().getFileName());
        }
        PluginRegistry r = set.registry();
        out.println("schemas:     " + String.join(", ", r.translators().entrySet().stream()
            .map(e -> e.getKey() + " " + e.getValue().keySet().stream().map(Endpoint::path).toList()).toList()));
        out.println("auth types:  " + String.join(", ", r.auths().keySet()));
        out.println("cost types:  " + String.join(", ", r.costs().keySet()));
        out.println("guard types: " + String.join(", ", r.guards().keySet()));
        for (String refused : set.manager().refusedPlugins()) {
          out.println("refused: " + refused);
        }
        for (String warning : set.manager().warnings()) {
          out.println("warning: " + warning);
        }
        out.flush();
        return 0;
      } finally {
        set.manager().stopPlugins();
      }
    }
  }
}
