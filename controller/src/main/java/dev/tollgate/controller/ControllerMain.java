package dev.tollgate.controller;

import dev.tollgate.controller.envoy.EnvoySettings;
import dev.tollgate.controller.envoy.ExtprocTls;
import dev.tollgate.controller.lead.LeaderElection;
import dev.tollgate.controller.lead.LeaderGatedSink;
import dev.tollgate.controller.resource.InvalidResourcesException;
import dev.tollgate.controller.resource.Problem;
import dev.tollgate.controller.resource.ResourceReader;
import dev.tollgate.controller.sink.ConfigSink;
import dev.tollgate.controller.sink.FileSink;
import dev.tollgate.controller.sink.KubernetesConfigSink;
import dev.tollgate.controller.sink.XdsServer;
import dev.tollgate.controller.source.DirectorySource;
import dev.tollgate.controller.source.DirectoryWatcher;
import dev.tollgate.controller.source.KubernetesSource;
import dev.tollgate.controller.translate.GatewayPlugins;
import dev.tollgate.controller.translate.GatewaySettings;
import dev.tollgate.controller.translate.Translation;
import dev.tollgate.controller.translate.Translator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tollgate translate DIR}, {@code tollgate controller} and {@code tollgate crds}.
 * Exit codes: 0 ok, 1 runtime failure, 2 invalid resources or usage.
 */
@Command(name = "tollgate", mixinStandardHelpOptions = true,
    description = "Turns AIGatewayRoute, AIServiceBackend, BackendSecurityPolicy, PromptPolicy, Consumer, TokenBudget "
        + "and PriceTable resources into Tollgate's gateway config, Envoy configuration and the rate-limit service's "
        + "configuration.",
    subcommands = {ControllerMain.Translate.class, ControllerMain.Run.class, ControllerMain.Crds.class,
        dev.tollgate.controller.up.UpCommand.class, NewKeyCommand.class})
public final class ControllerMain implements Runnable {
  /** Exit code for invalid resources or usage errors. */
  public static final int INVALID = 2;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns the exit code. */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** The command line, for callers that want to redirect output. */
  public static CommandLine commandLine() {
    return new CommandLine(new ControllerMain())
        .registerConverter(Duration.class, dev.tollgate.core.config.Durations::parse)
        .setParameterExceptionHandler((ex, a) -> {
          ex.getCommandLine().getErr().println(ex.getMessage());
          ex.getCommandLine().usage(ex.getCommandLine().getErr());
          return INVALID;
        })
        .setExecutionExceptionHandler((e, line, parsed) -> {
          line.getErr().println("tollgate: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
          line.getErr().flush();
          return 1;
        });
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Options shared by the subcommands that generate configuration. */
  static final class OutputOptions {
    @Option(names = "--listener-port", defaultValue = "1975", description = "Envoy's client listener port (default ${DEFAULT-VALUE})")
    int listenerPort;
    @Option(names = "--listener-address", defaultValue = "0.0.0.0", description = "Envoy's client listener address (default ${DEFAULT-VALUE})")
    String listenerAddress;
    @Option(names = "--admin-port", defaultValue = "9901", description = "Envoy admin port on 127.0.0.1, 0 for none (default ${DEFAULT-VALUE})")
    int adminPort;
    @Option(names = "--extproc-host", defaultValue = "127.0.0.1",
        description = "Tollgate's ext_proc host as Envoy reaches it, or unix:PATH for a unix socket (default ${DEFAULT-VALUE})")
    String extprocHost;
    @Option(names = "--extproc-port", defaultValue = "1063", description = "Tollgate's ext_proc port (default ${DEFAULT-VALUE})")
    int extprocPort;
    @Option(names = "--route-timeout", defaultValue = "PT0S",
        description = "whole-request upstream timeout, e.g. 2s or PT2S (default ${DEFAULT-VALUE}: none, streams may run long)")
    Duration routeTimeout;
    @Option(names = "--idle-timeout", defaultValue = "PT600S",
        description = "Envoy ends a request that moves no byte for this long, e.g. 2s or PT2S (default ${DEFAULT-VALUE})")
    Duration idleTimeout;
    @Option(names = "--buffer-limit-bytes", defaultValue = "" + EnvoySettings.DEFAULT_BUFFER_LIMIT_BYTES,
        description = "Envoy's buffer limit: the largest request or buffered answer (default ${DEFAULT-VALUE}, 50 MiB); "
            + "keep it below Tollgate's --max-message-bytes")
    int bufferLimitBytes;
    @Option(names = "--upstream-ca-file", defaultValue = EnvoySettings.SYSTEM_TRUST_STORE,
        description = "CA bundle upstream TLS certificates are verified against (default ${DEFAULT-VALUE}); "
            + "a backend's endpoint.caFile overrides it")
    String upstreamCaFile;
    @Option(names = "--access-log", defaultValue = "/dev/stdout",
        description = "Envoy's access log file, one JSON line per request with its costs (default ${DEFAULT-VALUE}); "
            + "empty for none")
    String accessLog;
    @Option(names = "--ratelimit-address", paramLabel = "HOST:PORT",
        defaultValue = EnvoySettings.DEFAULT_RATELIMIT_HOST + ":" + EnvoySettings.DEFAULT_RATELIMIT_PORT,
        description = "the rate-limit service's gRPC address as Envoy reaches it, used when a TokenBudget exists "
            + "(default ${DEFAULT-VALUE})")
    String rateLimitAddress;
    @Option(names = "--extproc-tls-ca", paramLabel = "FILE",
        description = "Envoy reaches Tollgate over TLS and verifies its certificate against this PEM CA file (a path "
            + "where Envoy runs; Tollgate runs with --tls-cert/--tls-key)")
    String extprocTlsCa;
    @Option(names = "--extproc-tls-sni", paramLabel = "NAME",
        description = "with --extproc-tls-ca: the name Tollgate's certificate must carry, sent as SNI (default: --extproc-host)")
    String extprocTlsSni;
    @Option(names = "--extproc-tls-cert", paramLabel = "FILE",
        description = "with --extproc-tls-ca: Envoy's client certificate (PEM) for a Tollgate run with --tls-client-ca (mTLS)")
    String extprocTlsCert;
    @Option(names = "--extproc-tls-key", paramLabel = "FILE", description = "the private key (PEM) of --extproc-tls-cert")
    String extprocTlsKey;

    /** @throws CommandLine.ParameterException when an option's value is wrong */
    GatewaySettings settings(CommandLine cl) {
      EnvoySettings envoy;
      try {
        envoy = EnvoySettings.defaults().withRateLimitAddress(rateLimitAddress);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(cl, "--ratelimit-address: " + e.getMessage());
      }
      if (extprocTlsCa != null) {
        try {
          envoy = envoy.withExtprocTls(new ExtprocTls(extprocTlsCa, extprocTlsSni != null ? extprocTlsSni : extprocHost,
              extprocTlsCert, extprocTlsKey));
        } catch (IllegalArgumentException e) {
          throw new CommandLine.ParameterException(cl, "--extproc-tls-*: " + e.getMessage()
              + " (give --extproc-tls-cert and --extproc-tls-key together)");
        }
        if (extprocHost.startsWith("unix:")) {
          throw new CommandLine.ParameterException(cl, "--extproc-tls-ca: Tollgate's unix socket is always plaintext; "
              + "leave out --extproc-tls-* or reach Tollgate over TCP (--extproc-host HOST)");
        }
      } else if (extprocTlsSni != null || extprocTlsCert != null || extprocTlsKey != null) {
        throw new CommandLine.ParameterException(cl, "--extproc-tls-sni/-cert/-key need --extproc-tls-ca, the CA that "
            + "Tollgate's certificate is verified against");
      }
      return settings(envoy);
    }

    private GatewaySettings settings(EnvoySettings base) {
      return GatewaySettings.defaults().withEnvoy(base
          .withListener(listenerAddress, listenerPort)
          .withAdminPort(adminPort)
          .withExtproc(extprocHost, extprocPort)
          .withTimeouts(routeTimeout, idleTimeout)
          .withBufferLimit(bufferLimitBytes)
          .withTrustedCa(upstreamCaFile)
          .withAccessLog(accessLog));
    }
  }

  @Command(name = "translate", mixinStandardHelpOptions = true,
      description = "Prints the gateway config, a line '---', then the Envoy bootstrap for the resources in DIR; "
          + "when TokenBudgets exist, then a line '---' and the rate-limit service's configuration (unless "
          + "--ratelimit-config-out writes it to a file).")
  static final class Translate implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Parameters(paramLabel = "DIR", description = "directory of resource YAML files")
    Path dir;
    @Option(names = "--ratelimit-config-out", paramLabel = "FILE",
        description = "write the rate-limit service's configuration (domain tollgate) here instead of printing it; "
            + "written also without budgets (then with no descriptors)")
    Path rateLimitConfigOut;
    @Mixin
    OutputOptions output = new OutputOptions();
    @Mixin
    PluginOptions pluginOptions = new PluginOptions();

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      Optional<GatewayPlugins> loaded = pluginOptions.load(err);
      if (loaded.isEmpty()) {
        return INVALID;
      }
      try (GatewayPlugins plugins = loaded.get()) {
        Translation t = new Translator(output.settings(spec.commandLine()), plugins.registry())
            .translate(ResourceReader.read(new DirectorySource(dir, Set.of()).read()));
        t.warnings().forEach(w -> err.println("warning: " + w));
        if (rateLimitConfigOut != null) {
          try {
            new FileSink(null, null, rateLimitConfigOut).publish(t);
          } catch (IOException e) {
            err.println(rateLimitConfigOut + ": " + e.getMessage());
            err.flush();
            return 1;
          }
        }
        out.print(t.gatewayConfigYaml());
        out.println("---");
        out.print(t.envoyBootstrapYaml());
        if (t.hasBudgets() && rateLimitConfigOut == null) {
          out.println("---");
          out.print(t.rateLimitConfigYaml());
        }
        out.flush();
        return 0;
      } catch (InvalidResourcesException e) {
        for (Problem p : e.problems()) {
          err.println(p);
        }
        err.flush();
        return INVALID;
      } catch (IOException e) {
        err.println(dir + ": " + e.getMessage());
        err.flush();
        return INVALID;
      }
    }
  }

  @Command(name = "controller", mixinStandardHelpOptions = true,
      description = "Watches resources (a directory, or Kubernetes) and keeps the gateway config and Envoy "
          + "configuration up to date. Invalid resources are reported; the last good output stays.")
  static final class Run implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    SourceOptions source;
    @Option(names = "--namespace", description = "with --kubernetes: the namespace to watch and write to (default: the client's)")
    String namespace;
    @Option(names = "--output-name", defaultValue = "tollgate-gateway-config",
        description = "with --kubernetes: ConfigMap/Secret holding the gateway config (default ${DEFAULT-VALUE}); the Envoy bootstrap goes to NAME-envoy, the rate-limit service's "
            + "configuration to NAME-ratelimit")
    String outputName;
    @Option(names = "--gateway-config-out", paramLabel = "FILE", description = "write the gateway config here")
    Path gatewayConfigOut;
    @Option(names = "--envoy-bootstrap-out", paramLabel = "FILE", description = "write the Envoy bootstrap here")
    Path envoyBootstrapOut;
    @Option(names = "--ratelimit-config-out", paramLabel = "FILE",
        description = "write the rate-limit service's configuration (domain tollgate) here; with --kubernetes it "
            + "also goes to the ConfigMap NAME-ratelimit (key tollgate.yaml)")
    Path rateLimitConfigOut;
    @Option(names = "--xds-port", paramLabel = "N", description = "serve xDS (ADS) on this port")
    Integer xdsPort;
    @Option(names = "--xds-address", defaultValue = "0.0.0.0", description = "xDS listen address (default ${DEFAULT-VALUE})")
    String xdsAddress;
    @Option(names = "--poll-interval", defaultValue = "PT1S", description = "directory poll interval, e.g. 2s or PT2S (default ${DEFAULT-VALUE})")
    Duration pollInterval;
    @Option(names = "--gateway-runs-here",
        description = "the gateway runs on this machine with this environment: a key file or environment variable a "
            + "resource names that is missing here is an error of that resource (default: a warning)")
    boolean gatewayRunsHere;
    @Option(names = "--output-secret",
        description = "with --kubernetes: always write the gateway config into the Secret --output-name, never a "
            + "ConfigMap, so that pods mount one object whatever the resources hold")
    boolean outputSecret;
    @Option(names = "--leader-elect",
        description = "with --kubernetes: of several replicas only the one holding a Lease writes the ConfigMaps/Secret "
            + "(all of them serve xDS)")
    boolean leaderElect;
    @Option(names = "--leader-elect-lease", defaultValue = "tollgate-controller",
        description = "with --leader-elect: the Lease's name, in --namespace (default ${DEFAULT-VALUE})")
    String leaderElectLease;
    @Option(names = "--leader-elect-identity", paramLabel = "NAME",
        description = "with --leader-elect: this replica's name in the Lease (default: $POD_NAME, else the host name)")
    String leaderElectIdentity;
    @Option(names = "--health-port", paramLabel = "N",
        description = "serve GET /healthz (alive) and /readyz (a valid config is held) on this port, for probes")
    Integer healthPort;
    @Option(names = "--health-address", defaultValue = "0.0.0.0", description = "the health port's address (default ${DEFAULT-VALUE})")
    String healthAddress;
    @Mixin
    OutputOptions output = new OutputOptions();
    @Mixin
    PluginOptions pluginOptions = new PluginOptions();

    static final class SourceOptions {
      @Option(names = "--resources", paramLabel = "DIR", required = true, description = "directory of resource YAML files")
      Path resources;
      @Option(names = "--kubernetes", required = true, description = "read resources from Kubernetes (in-cluster or kubeconfig)")
      boolean kubernetes;
    }

    @Override
    public Integer call() throws Exception {
      PrintWriter err = spec.commandLine().getErr();
      if (leaderElect && !source.kubernetes) {
        err.println("--leader-elect needs --kubernetes: the Lease is a Kubernetes object");
        err.flush();
        return INVALID;
      }
      if (source.resources != null && gatewayConfigOut == null && envoyBootstrapOut == null && rateLimitConfigOut == null
          && xdsPort == null) {
        err.println("nothing to write: give --gateway-config-out, --envoy-bootstrap-out, --ratelimit-config-out "
            + "and/or --xds-port");
        err.flush();
        return INVALID;
      }
      GatewaySettings settings = output.settings(spec.commandLine());
      Optional<GatewayPlugins> plugins = pluginOptions.load(err);
      if (plugins.isEmpty()) {
        return INVALID;
      }
      List<AutoCloseable> closeables = new ArrayList<>();
      closeables.add(plugins.get());
      List<ConfigSink> sinks = new ArrayList<>();
      if (gatewayConfigOut != null || envoyBootstrapOut != null || rateLimitConfigOut != null) {
        sinks.add(new FileSink(gatewayConfigOut, envoyBootstrapOut, rateLimitConfigOut));
      }
      try {
        if (xdsPort != null) {
          XdsServer xds = new XdsServer(xdsAddress, xdsPort);
          closeables.add(xds);
          sinks.add(xds);
          err.println("serving xDS on " + xdsAddress + ":" + xds.port());
        }
        if (source.kubernetes) {
          KubernetesClient client = new KubernetesClientBuilder().build();
          closeables.add(client);
          String ns = namespace != null ? namespace : client.getNamespace() != null ? client.getNamespace() : "default";
          KubernetesConfigSink k8sSink = new KubernetesConfigSink(client, ns, outputName, outputSecret);
          LeaderGatedSink gate = leaderElect ? new LeaderGatedSink(k8sSink) : null;
          sinks.add(gate != null ? gate : k8sSink);
          Controller controller = new Controller(new Translator(settings, plugins.get().registry()), sinks);
          startHealth(controller, closeables, err);
          closeables.add(0, new KubernetesSource(client, ns, controller, Set.of(k8sSink.name())).start());
          if (gate != null) {
            closeables.add(0, new LeaderElection(client, ns, leaderElectLease, identity(), LeaderElection.Timing.defaults(),
                gate).start());
          }
        } else {
          Set<Path> excluded = new HashSet<>();
          if (gatewayConfigOut != null) {
            excluded.add(gatewayConfigOut);
          }
          if (envoyBootstrapOut != null) {
            excluded.add(envoyBootstrapOut);
          }
          if (rateLimitConfigOut != null) {
            excluded.add(rateLimitConfigOut);
          }
          Controller controller = new Controller(new Translator(settings, plugins.get().registry(), gatewayRunsHere),
              sinks);
          startHealth(controller, closeables, err);
          closeables.add(0, new DirectoryWatcher(new DirectorySource(source.resources, excluded), controller)
              .start(pollInterval));
        }
        err.flush();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "tollgate-controller-shutdown"));
        stop.await();
        return 0;
      } finally {
        for (AutoCloseable c : closeables) {
          try {
            c.close();
          } catch (Exception e) {
            // shutting down
          }
        }
      }
    }

    private void startHealth(Controller controller, List<AutoCloseable> closeables, PrintWriter err) throws IOException {
      if (healthPort != null) {
        HealthServer health = new HealthServer(healthAddress, healthPort, controller);
        closeables.add(health);
        err.println("serving /healthz and /readyz on " + healthAddress + ":" + health.port());
      }
    }

    private String identity() {
      if (leaderElectIdentity != null) {
        return leaderElectIdentity;
      }
      String pod = System.getenv("POD_NAME");
      if (pod != null && !pod.isBlank()) {
        return pod;
      }
      try {
        return java.net.InetAddress.getLocalHost().getHostName();
      } catch (IOException e) {
        return "tollgate-controller-" + ProcessHandle.current().pid();
      }
    }
  }

  @Command(name = "crds", mixinStandardHelpOptions = true,
      description = "Prints the CustomResourceDefinitions of the Tollgate kinds (for kubectl apply -f -).")
  static final class Crds implements Callable<Integer> {
    static final List<String> FILES = List.of("aigatewayroutes", "aiservicebackends", "backendsecuritypolicies",
        "promptpolicies", "consumers", "tokenbudgets", "pricetables");
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      boolean first = true;
      for (String f : FILES) {
        String name = "/META-INF/fabric8/" + f + "." + dev.tollgate.controller.resource.ResourceKind.GROUP + "-v1.yml";
        try (InputStream in = ControllerMain.class.getResourceAsStream(name)) {
          if (in == null) {
            throw new IOException(name + " is missing from the controller jar");
          }
          if (!first) {
            out.println("---");
          }
          first = false;
          out.print(quoteBooleanKeys(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        }
      }
      out.flush();
      return 0;
    }

    /**
     * Quotes mapping keys that YAML 1.1 parsers, kubectl's among them, read as booleans: the
     * generated schema's {@code on:} (PromptPolicy guards) would otherwise define a field named
     * {@code true}.
     */
    static String quoteBooleanKeys(String yaml) {
      return YAML11_BOOLEAN_KEY.matcher(yaml).replaceAll("$1\"$2\":");
    }

    private static final java.util.regex.Pattern YAML11_BOOLEAN_KEY = java.util.regex.Pattern.compile(
        "(?m)^(\\s*(?:- )?)(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF):(?= |$)");
  }
}
