package dev.tollgate.distribution.envoy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Envoy in front of {@code bin/tollgate run}, both as processes, on free loopback ports.
 * The bootstrap is either what {@code tollgate translate} generates for a resources directory or
 * the shipped {@code config/envoy.yaml} with its ports and upstream moved onto loopback.
 */
final class EnvoyAndTollgate implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  final int listenerPort = freePort();
  final int envoyAdminPort = freePort();
  final int extprocPort = freePort();
  final int tollgateAdminPort = freePort();
  /** A second Tollgate replica's ports, used after {@link #withSecondReplica()}. */
  final int secondExtprocPort = freePort();
  final int secondAdminPort = freePort();
  private boolean secondReplica;
  private Process secondTollgate;
  private final Path dir;
  final Path accessLog;
  private Process tollgate;
  private Process envoy;
  private final List<String> tollgateArgs = new ArrayList<>();
  private final java.util.Map<String, String> tollgateEnv = new java.util.HashMap<>();
  private String reloadInterval = "PT0S";

  EnvoyAndTollgate(Path dir) {
    this.dir = dir;
    this.accessLog = dir.resolve("access.log");
  }

  /** An environment variable for {@code tollgate run}, e.g. {@code TOLLGATE_LOG_LEVEL}. */
  EnvoyAndTollgate tollgateEnv(String name, String value) {
    tollgateEnv.put(name, value);
    return this;
  }

  /** How often {@code tollgate run} checks its config file (default: never). */
  EnvoyAndTollgate reloadInterval(String interval) {
    reloadInterval = interval;
    return this;
  }

  /** Extra options for {@code tollgate run}. */
  EnvoyAndTollgate tollgateOptions(String... args) {
    tollgateArgs.addAll(List.of(args));
    return this;
  }

  /** The gateway config and Envoy bootstrap {@code tollgate translate} makes of {@code resources}. */
  Translated translate(Path resources, String... options) throws Exception {
    return translateInto(dir, resources, options);
  }

  /** As {@link #translate}, writing {@code gateway.yaml} and {@code envoy.yaml} into {@code out}. */
  Translated translateInto(Path out, Path resources, String... options) throws Exception {
    List<String> command = new ArrayList<>(List.of(Tools.tollgate().toString(), "translate", resources.toString(),
        "--listener-address", "127.0.0.1", "--listener-port", Integer.toString(listenerPort),
        "--admin-port", Integer.toString(envoyAdminPort), "--extproc-port", Integer.toString(extprocPort),
        "--access-log", accessLog.toString()));
    command.addAll(List.of(options));
    Tools.Run r = Tools.run(Duration.ofSeconds(60), command);
    if (r.exit() != 0) {
      throw new IllegalStateException("translate failed: " + r.output());
    }
    String text = r.output().lines().filter(l -> !l.startsWith("warning: ")).reduce("", (a, b) -> a + b + "\n");
    int split = text.indexOf("\n---\n");
    Path gateway = Files.writeString(out.resolve("gateway.yaml"), text.substring(0, split + 1));
    Path bootstrap = Files.writeString(out.resolve("envoy.yaml"), text.substring(split + 5));
    return new Translated(gateway, bootstrap);
  }

  record Translated(Path gatewayConfig, Path bootstrap) {
  }

  /**
   * The shipped bootstrap with its three ports, the access log and the OpenAI upstream moved onto
   * loopback; {@code caFile} replaces the system trust store (null keeps it).
   */
  Path shippedBootstrap(int upstreamPort, Path caFile) throws IOException {
    String yaml = Files.readString(Tools.DIST.resolve("config/envoy.yaml"));
    yaml = replaceOnce(yaml, "port_value: 1975", "port_value: " + listenerPort);
    yaml = replaceOnce(yaml, "port_value: 9901", "port_value: " + envoyAdminPort);
    yaml = replaceOnce(yaml, "port_value: 1063", "port_value: " + extprocPort);
    yaml = replaceOnce(yaml, "address: 0.0.0.0", "address: 127.0.0.1");
    yaml = replaceOnce(yaml, "path: /dev/stdout", "path: " + accessLog);
    yaml = replaceOnce(yaml, "address: api.openai.com\n                port_value: 443",
        "address: 127.0.0.1\n                port_value: " + upstreamPort);
    if (caFile != null) {
      yaml = replaceOnce(yaml, "filename: /etc/ssl/certs/ca-certificates.crt", "filename: " + caFile);
    }
    return Files.writeString(dir.resolve("envoy-shipped.yaml"), yaml);
  }

  private static String replaceOnce(String s, String from, String to) {
    int at = s.indexOf(from);
    if (at < 0 || s.indexOf(from, at + 1) >= 0) {
      throw new IllegalStateException("the shipped bootstrap no longer has exactly one '" + from + "'");
    }
    return s.substring(0, at) + to + s.substring(at + from.length());
  }

  /**
   * Runs two Tollgate replicas behind the one Envoy, as a pool behind a Service would be: the
   * bootstrap's ext_proc cluster gets the second one as another endpoint, and Envoy balances
   * the ext_proc streams (router level and each attempt) over both.
   */
  EnvoyAndTollgate withSecondReplica() {
    secondReplica = true;
    return this;
  }

  /** The bootstrap with a second endpoint in Tollgate's ext_proc cluster. */
  private Path withSecondEndpoint(Path bootstrap) throws IOException {
    List<String> lines = new ArrayList<>(Files.readAllLines(bootstrap));
    int port = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).trim().equals("port_value: " + extprocPort)) {
        port = i;
      }
    }
    int start = port;
    while (start >= 0 && !lines.get(start).trim().equals("- endpoint:")) {
      start--;
    }
    if (port < 0 || start < 0) {
      throw new IllegalStateException("no ext_proc endpoint on port " + extprocPort + " in " + bootstrap);
    }
    List<String> copy = new ArrayList<>(lines.subList(start, port + 1));
    copy.set(copy.size() - 1, copy.get(copy.size() - 1).replace(Integer.toString(extprocPort),
        Integer.toString(secondExtprocPort)));
    lines.addAll(port + 1, copy);
    return Files.write(dir.resolve("envoy-two-replicas.yaml"), lines);
  }

  /** Starts Tollgate on the gateway config, then Envoy on the bootstrap; returns when Envoy is ready. */
  EnvoyAndTollgate start(Path gatewayConfig, Path bootstrap) throws Exception {
    startTollgate(gatewayConfig);
    if (secondReplica) {
      secondTollgate = startTollgate(gatewayConfig, secondExtprocPort, secondAdminPort, dir.resolve("tollgate-2.log"));
      bootstrap = withSecondEndpoint(bootstrap);
    }
    List<String> command = List.of(Tools.envoy().toString(), "-c", bootstrap.toString(), "--use-dynamic-base-id",
        "--log-level", "warn", "--drain-time-s", "1", "--file-flush-interval-msec", "100");
    envoy = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("envoy.log").toFile()).start();
    await("Envoy ready", Duration.ofSeconds(60), () -> envoy.isAlive() && status(adminUri("/ready")) == 200, envoy,
        dir.resolve("envoy.log"));
    // Envoy health-checks the ext_proc cluster: wait for its first check so no request meets an unchecked host
    await("ext_proc cluster healthy", Duration.ofSeconds(30), () -> envoyAdmin("/clusters")
        .contains("tollgate-extproc::127.0.0.1:" + extprocPort + "::health_flags::healthy")
        && (!secondReplica || envoyAdmin("/clusters")
        .contains("tollgate-extproc::127.0.0.1:" + secondExtprocPort + "::health_flags::healthy")), envoy,
        dir.resolve("envoy.log"));
    return this;
  }

  void startTollgate(Path gatewayConfig) throws Exception {
    tollgate = startTollgate(gatewayConfig, extprocPort, tollgateAdminPort, dir.resolve("tollgate.log"));
  }

  private Process startTollgate(Path gatewayConfig, int port, int adminPort, Path log) throws Exception {
    List<String> command = new ArrayList<>(List.of(Tools.tollgate().toString(), "run", "--config",
        gatewayConfig.toString(), "--host", "127.0.0.1", "--port", Integer.toString(port),
        "--admin-port", Integer.toString(adminPort), "--reload-interval", reloadInterval));
    command.addAll(tollgateArgs);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(tollgateEnv);
    Process p = pb.start();
    await("Tollgate listening", Duration.ofSeconds(60), () -> read(log).contains("ext_proc listening"), p, log);
    return p;
  }

  /** The second replica's Prometheus metrics. */
  String secondReplicaMetrics() {
    return get(URI.create("http://127.0.0.1:" + secondAdminPort + "/metrics"));
  }

  Process tollgateProcess() {
    return tollgate;
  }

  String tollgateLog() {
    return read(dir.resolve("tollgate.log"));
  }

  URI url(String path) {
    return URI.create("http://127.0.0.1:" + listenerPort + path);
  }

  String base() {
    return "http://127.0.0.1:" + listenerPort;
  }

  private URI adminUri(String path) {
    return URI.create("http://127.0.0.1:" + envoyAdminPort + path);
  }

  String envoyAdmin(String path) {
    return get(adminUri(path));
  }

  /** Tollgate's Prometheus metrics. */
  String tollgateMetrics() {
    return get(URI.create("http://127.0.0.1:" + tollgateAdminPort + "/metrics"));
  }

  /** A page of Tollgate's admin server, e.g. {@code /config}. */
  String tollgateAdmin(String path) {
    return get(URI.create("http://127.0.0.1:" + tollgateAdminPort + path));
  }

  /** The value of Tollgate's open-streams gauge. */
  double openStreams() {
    Matcher m = Pattern.compile("(?m)^tollgate_extproc_streams_open\\S* ([0-9.eE+-]+)$").matcher(tollgateMetrics());
    if (!m.find()) {
      throw new IllegalStateException("no open-streams gauge in /metrics");
    }
    return Double.parseDouble(m.group(1));
  }

  /** Envoy's access-log lines so far, parsed. */
  List<JsonNode> accessLogLines() throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    if (Files.exists(accessLog)) {
      for (String l : Files.readAllLines(accessLog)) {
        if (!l.isBlank()) {
          lines.add(JSON.readTree(l));
        }
      }
    }
    return lines;
  }

  /** The access-log line of the request with this x-request-id, waiting for Envoy to write it. */
  JsonNode accessLogLine(String requestId) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      for (JsonNode l : accessLogLines()) {
        if (requestId.equals(l.path("request_id").asText())) {
          return l;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no access-log line for request " + requestId + " in " + accessLogLines());
  }

  static int status(URI uri) {
    try {
      return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static String get(URI uri) {
    try {
      return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  static String read(Path p) {
    try {
      return p != null && Files.exists(p) ? Files.readString(p) : "";
    } catch (IOException e) {
      return "";
    }
  }

  static void await(String what, Duration limit, BooleanSupplier check, Process process, Path log)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      if (check.getAsBoolean()) {
        return;
      }
      if (process != null && !process.isAlive()) {
        throw new IllegalStateException(what + ": the process exited (" + process.exitValue() + "): " + read(log));
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException(what + ": not within " + limit + ": " + read(log));
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : new Process[] {envoy, tollgate, secondTollgate}) {
      if (p != null && p.isAlive()) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
