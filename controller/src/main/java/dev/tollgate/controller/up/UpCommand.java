package dev.tollgate.controller.up;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tollgate.controller.PluginOptions;
import dev.tollgate.core.plugin.PluginFolders;
import dev.tollgate.controller.envoy.EnvoyCluster;
import dev.tollgate.controller.envoy.EnvoyConfigBuilder;
import dev.tollgate.controller.envoy.EnvoySettings;
import dev.tollgate.controller.envoy.EnvoyYaml;
import dev.tollgate.controller.resource.InvalidResourcesException;
import dev.tollgate.controller.resource.Problem;
import dev.tollgate.controller.resource.RawDocument;
import dev.tollgate.controller.resource.ResourceReader;
import dev.tollgate.controller.source.DirectorySource;
import dev.tollgate.controller.translate.GatewayPlugins;
import dev.tollgate.controller.translate.GatewaySettings;
import dev.tollgate.controller.translate.Translation;
import dev.tollgate.controller.translate.Translator;
import dev.tollgate.core.config.GatewayConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tollgate up}: Tollgate and Envoy together on one machine, an OpenAI-compatible endpoint on
 * {@code http://localhost:1975}. It writes a gateway config and an Envoy bootstrap into a state
 * folder (from {@code --config}, {@code --resources}, the environment's provider credentials, or
 * the built-in mock provider), starts {@code bin/tollgate run} on a unix socket and Envoy on that
 * bootstrap, waits until Envoy is ready, prints one line, and stops both when it is stopped or when
 * either stops. Their output goes to log files in the state folder. When the resources have
 * TokenBudgets, Redis and the Envoy ratelimit service run too ({@link RateLimitStack}), started
 * first and stopped last; without the programs for them it says which are missing and how to
 * install them, and starts nothing.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
    description = "Start Tollgate and Envoy together: an OpenAI-compatible endpoint on http://localhost:1975. "
        + "Without --config or --resources the backends come from OPENAI_API_KEY / OPENAI_BASE_URL, "
        + "ANTHROPIC_API_KEY and AWS credentials with AWS_REGION; --mock serves a built-in mock provider.")
public final class UpCommand implements Callable<Integer> {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Duration READY_WITHIN = Duration.ofSeconds(90);

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--envoy", required = true, description = "the Envoy binary (bin/tollgate finds it)")
  Path envoy;
  @Option(names = "--ratelimit", paramLabel = "FILE",
      description = "the Envoy ratelimit service, run when the resources have TokenBudgets (bin/tollgate finds it)")
  Path ratelimit;
  @Option(names = "--redis", paramLabel = "FILE",
      description = "redis-server, where the ratelimit service counts (bin/tollgate finds it)")
  Path redis;
  @Option(names = "--config", paramLabel = "FILE", description = "serve this gateway config (OpenAI and Anthropic backends)")
  Path config;
  @Option(names = "--resources", paramLabel = "DIR", description = "serve these resources (any backend)")
  Path resources;
  @Option(names = "--mock", description = "serve the built-in mock provider: no network, no key")
  boolean mock;
  @Option(names = "--port", defaultValue = "1975", description = "Envoy's client port (default ${DEFAULT-VALUE})")
  int port;
  @Option(names = "--address", defaultValue = "127.0.0.1", description = "Envoy's client address (default ${DEFAULT-VALUE})")
  String address;
  @Option(names = "--envoy-admin-port", defaultValue = "9901", description = "Envoy's admin port (default ${DEFAULT-VALUE})")
  int envoyAdminPort;
  @Option(names = "--admin-port", defaultValue = "1064", description = "Tollgate's admin port: /metrics, /healthz (default ${DEFAULT-VALUE})")
  int adminPort;
  @Option(names = "--state-dir", paramLabel = "DIR", description = "where the configs, the socket and the logs go (default: a new temporary folder)")
  Path stateDir;
  @CommandLine.Mixin
  PluginOptions pluginOptions = new PluginOptions();

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    if ((config != null ? 1 : 0) + (resources != null ? 1 : 0) + (mock ? 1 : 0) > 1) {
      err.println("tollgate up: give at most one of --config, --resources and --mock");
      err.flush();
      return 2;
    }
    Path state = stateDir != null ? Files.createDirectories(stateDir) : Files.createTempDirectory("tollgate-up.");
    Path socket = state.resolve("tollgate.sock");
    EnvoySettings envoySettings = EnvoySettings.defaults()
        .withListener(address, port)
        .withAdminPort(envoyAdminPort)
        .withExtproc("unix:" + socket.toAbsolutePath(), 0)
        .withAccessLog(state.resolve("access.log").toAbsolutePath().toString());
    MockProvider mockProvider = null;
    RateLimitStack budgets = null;
    String rateLimitConfig = null;
    Path gatewayConfig;
    Path bootstrap = state.resolve("envoy.yaml");
    try {
      if (config != null) {
        gatewayConfig = config.toAbsolutePath();
        Files.writeString(bootstrap, bootstrapFor(config, envoySettings));
      } else {
        Path dir = resources;
        if (dir == null) {
          String starter;
          if (mock) {
            mockProvider = new MockProvider();
            starter = StarterResources.mock(mockProvider.port());
          } else {
            Optional<String> fromEnv = StarterResources.fromEnvironment(System.getenv());
            if (fromEnv.isEmpty()) {
              err.println("tollgate up: no provider to serve: set OPENAI_API_KEY (or OPENAI_BASE_URL for a local "
                  + "server such as Ollama), ANTHROPIC_API_KEY, or AWS credentials with AWS_REGION; or use --mock, "
                  + "--config FILE or --resources DIR");
              err.flush();
              return 2;
            }
            starter = fromEnv.get();
          }
          dir = Files.createDirectories(state.resolve("resources"));
          Files.writeString(dir.resolve("up.yaml"), starter);
        }
        List<RawDocument> documents = new DirectorySource(dir, Set.of()).read();
        GatewaySettings settings = GatewaySettings.defaults().withEnvoy(envoySettings);
        if (Budgets.present(documents)) {
          RateLimitTools tools = new RateLimitTools(ratelimit, redis);
          Optional<String> missing = tools.missing();
          if (missing.isPresent()) {
            err.println("tollgate up: " + missing.get());
            err.flush();
            return 2;
          }
          budgets = new RateLimitStack(tools, state);
          settings = withRateLimitAddress(settings, budgets.grpcAddress());
        }
        Optional<GatewayPlugins> loaded = pluginOptions.load(err);
        if (loaded.isEmpty()) {
          if (mockProvider != null) {
            mockProvider.close();
          }
          return 2;
        }
        Translation t;
        try (GatewayPlugins plugins = loaded.get()) {
          t = new Translator(settings, plugins.registry(), true).translate(ResourceReader.read(documents));
        }
        t.warnings().forEach(w -> err.println("tollgate up: warning: " + w));
        if (budgets != null) {
          Optional<String> limits = rateLimitConfig(t);
          if (limits.isEmpty()) {
            err.println("tollgate up: the resources have TokenBudgets but their translation has no ratelimit "
                + "service config; this is a bug");
            err.flush();
            return 1;
          }
          rateLimitConfig = limits.get();
        }
        gatewayConfig = state.resolve("gateway.yaml");
        Files.writeString(gatewayConfig, t.gatewayConfigYaml());
        Files.writeString(bootstrap, t.envoyBootstrapYaml());
      }
    } catch (InvalidResourcesException e) {
      for (Problem p : e.problems()) {
        err.println(p);
      }
      err.flush();
      return 2;
    } catch (IllegalArgumentException | IOException e) {
      err.println("tollgate up: " + e.getMessage());
      err.flush();
      if (mockProvider != null) {
        mockProvider.close();
      }
      return 2;
    }
    try (MockProvider ignored = mockProvider) {
      return runBoth(state, socket, gatewayConfig, bootstrap, budgets, rateLimitConfig, err);
    }
  }

  /** The translation's settings with the address Envoy reaches the ratelimit service at ({@code host:port}). */
  static GatewaySettings withRateLimitAddress(GatewaySettings settings, String address) {
    return settings.withEnvoy(settings.envoy().withRateLimitAddress(address));
  }

  /**
   * The ratelimit service's config (domain {@code tollgate}) the translation made for the budgets,
   * what {@code --ratelimit-config-out FILE} writes; empty when there are none.
   */
  static Optional<String> rateLimitConfig(Translation t) {
    return t.hasBudgets() ? Optional.of(t.rateLimitConfigYaml()) : Optional.empty();
  }

  private int runBoth(Path state, Path socket, Path gatewayConfig, Path bootstrap, RateLimitStack budgets,
                      String rateLimitConfig, PrintWriter err) throws Exception {
    Path home = Path.of(System.getProperty("tollgate.home", "."));
    List<Process> processes = new ArrayList<>();
    java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
    Thread stopper = new Thread(() -> {
      stopping.set(true);
      stopAll(processes);
      if (budgets != null) {
        budgets.close(); // after Envoy: no request is checked against a stopped service
      }
    }, "tollgate-up-stop");
    Runtime.getRuntime().addShutdownHook(stopper);
    if (budgets != null) {
      try {
        budgets.start(rateLimitConfig, READY_WITHIN);
      } catch (IOException e) {
        if (stopping.get()) {
          return 0; // stopped by a signal while starting
        }
        err.println("tollgate up: " + e.getMessage());
        err.flush();
        return stopped(1, processes, budgets, stopper);
      }
    }
    Process tollgate = start(processes, state.resolve("tollgate.log"), home.resolve("bin/tollgate").toString(), "run",
        "--config", gatewayConfig.toString(), "--host", "127.0.0.1", "--port", "0", "--uds", socket.toString(),
        "--admin-port", Integer.toString(adminPort), "--drain-time", "PT0S",
        "--plugins", absolute(pluginOptions.folders()));
    Path tollgateLog = state.resolve("tollgate.log");
    if (!waitFor(() -> Files.exists(socket) && Files.readString(tollgateLog).contains("ext_proc listening"), tollgate)) {
      return stopped(failed("Tollgate", tollgate, state.resolve("tollgate.log"), err), processes, budgets, stopper);
    }
    Process envoyProcess = start(processes, state.resolve("envoy.log"), envoy.toString(), "-c", bootstrap.toString(),
        "--use-dynamic-base-id", "--log-level", "warn", "--file-flush-interval-msec", "1000");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    URI ready = URI.create("http://127.0.0.1:" + envoyAdminPort + "/ready");
    if (!waitFor(() -> isReady(http, ready), envoyProcess)) {
      return stopped(failed("Envoy", envoyProcess, state.resolve("envoy.log"), err), processes, budgets, stopper);
    }
    String host = "0.0.0.0".equals(address) || "127.0.0.1".equals(address) ? "localhost" : address;
    PrintWriter out = spec.commandLine().getOut();
    String limits = budgets == null ? "" : "; token budgets: ratelimit service " + budgets.grpcAddress()
        + " (gRPC), Redis " + budgets.redisAddress();
    out.printf("tollgate up: OpenAI-compatible endpoint http://%s:%d/v1 (Envoy admin http://127.0.0.1:%d, "
            + "Tollgate admin http://127.0.0.1:%d%s; configs and logs in %s); Ctrl-C stops %s%n",
        host, port, envoyAdminPort, adminPort, limits, state, budgets == null ? "both" : "them all");
    out.flush();
    // any one stopping ends all
    while (tollgate.isAlive() && envoyProcess.isAlive() && (budgets == null || budgets.stopped().isEmpty())) {
      Thread.sleep(200);
    }
    if (stopping.get()) {
      return 0; // stopped by a signal: the shutdown hook stops them
    }
    String why;
    if (!tollgate.isAlive() || !envoyProcess.isAlive()) {
      Process dead = tollgate.isAlive() ? envoyProcess : tollgate;
      why = (dead == tollgate ? "Tollgate" : "Envoy") + " stopped (exit " + dead.exitValue() + "); see "
          + state.resolve(dead == tollgate ? "tollgate.log" : "envoy.log");
    } else {
      why = budgets.stopped().orElseThrow();
    }
    err.println("tollgate up: " + why);
    err.flush();
    return stopped(1, processes, budgets, stopper);
  }

  /** Stops everything this run started (outside the shutdown hook) and returns {@code exit}. */
  /** The folders as the server's --plugins takes them, each made absolute (the server runs in another folder). */
  private static String absolute(PluginFolders folders) {
    return new PluginFolders(folders.dirs().stream().map(Path::toAbsolutePath).toList(), folders.workDir()).toString();
  }

  private static int stopped(int exit, List<Process> processes, RateLimitStack budgets, Thread stopper) {
    stopAll(processes);
    if (budgets != null) {
      budgets.close();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(stopper);
    } catch (IllegalStateException e) {
      // already shutting down: the hook stops them too
    }
    return exit;
  }

  private static Process start(List<Process> processes, Path log, String... command) throws IOException {
    Process p = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
    synchronized (processes) {
      processes.add(p);
    }
    return p;
  }

  /** Envoy first (no new requests), then Tollgate; each gets SIGTERM, then 15 s, then SIGKILL. */
  private static void stopAll(List<Process> processes) {
    List<Process> reversed;
    synchronized (processes) {
      reversed = new ArrayList<>(processes);
    }
    java.util.Collections.reverse(reversed);
    for (Process p : reversed) {
      p.destroy();
      try {
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private static boolean isReady(HttpClient http, URI ready) {
    try {
      return http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(1)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private interface Check {
    boolean ok() throws Exception;
  }

  private static boolean waitFor(Check check, Process process) throws Exception {
    long deadline = System.nanoTime() + READY_WITHIN.toNanos();
    while (System.nanoTime() < deadline) {
      if (check.ok()) {
        return true;
      }
      if (!process.isAlive()) {
        return false;
      }
      Thread.sleep(100);
    }
    return false;
  }

  private int failed(String name, Process p, Path log, PrintWriter err) throws IOException {
    String why = p.isAlive() ? "did not become ready within " + READY_WITHIN.toSeconds() + " s" : "stopped (exit " + p.exitValue() + ")";
    err.println("tollgate up: " + name + " " + why + "; the end of " + log + ":");
    List<String> lines = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
    lines.subList(Math.max(0, lines.size() - 15), lines.size()).forEach(l -> err.println("  " + l));
    err.flush();
    return 1;
  }

  /** Well-known endpoints of the schemas a hand-written gateway config can be served with. */
  private static final Map<String, String> PUBLIC_HOSTS = Map.of("OpenAI", "api.openai.com", "Anthropic",
      "api.anthropic.com");

  /** An Envoy bootstrap for a hand-written gateway config: a cluster per backend at its provider's public host. */
  static String bootstrapFor(Path gatewayConfig, EnvoySettings settings) throws IOException {
    JsonNode doc;
    try {
      doc = YAML.readTree(gatewayConfig.toFile());
    } catch (IOException e) {
      throw new IOException(gatewayConfig + ": " + e.getMessage(), e);
    }
    if (doc == null || !doc.path("backends").isArray()) {
      throw new IOException(gatewayConfig + ": no backends");
    }
    List<EnvoyCluster> clusters = new ArrayList<>();
    for (JsonNode b : doc.path("backends")) {
      String name = b.path("name").asText();
      String schema = b.path("schema").path("name").asText();
      String host = PUBLIC_HOSTS.get(schema);
      if (host == null) {
        throw new IOException(gatewayConfig + ": backend '" + name + "' (schema " + schema + "): up cannot tell "
            + "where it is from a gateway config; describe it as resources (AIServiceBackend with an endpoint) and "
            + "use --resources DIR");
      }
      clusters.add(new EnvoyCluster(name, host, 443, true, host, host));
    }
    String header = doc.path("selectedBackendHeaderKey").asText(GatewayConfig.DEFAULT_SELECTED_BACKEND_HEADER);
    String namespace = doc.path("metadataNamespace").asText(GatewayConfig.DEFAULT_METADATA_NAMESPACE);
    return EnvoyYaml.toYaml(new EnvoyConfigBuilder(settings).build(clusters, header, namespace).bootstrap());
  }
}
