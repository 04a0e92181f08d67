package dev.tollgate.controller.up;

import dev.tollgate.controller.sink.AtomicFiles;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Redis and the Envoy ratelimit service on loopback, for the TokenBudgets of {@code tollgate up}.
 * Everything lives in one folder: Redis' (empty, no persistence) data folder {@code redis/}, the
 * ratelimit service's runtime root {@code ratelimit/} with the config at
 * {@code ratelimit/ratelimit/config/tollgate.yaml}, and the logs {@code redis.log} and
 * {@code ratelimit.log}.
 *
 * <p>How the service is run (observed with the pinned build): it is configured by environment
 * variables only, so it gets a clean environment. It reads every file of
 * {@code $RUNTIME_ROOT/$RUNTIME_SUBDIRECTORY/config/}, dotfiles excepted with
 * {@code RUNTIME_IGNOREDOTFILES=true}, and reloads on any write, create, rename or remove there
 * when {@code RUNTIME_WATCH_ROOT=false} (with the default {@code true} it only follows a swap of a
 * symlinked root and ignores changed files). A config is therefore replaced by writing a dotfile
 * beside it and renaming it over ({@link AtomicFiles}); an invalid one is logged and the last good
 * one stays. It panics when that folder is missing or Redis is not reachable at start, so Redis
 * comes first. With {@code HEALTHY_WITH_AT_LEAST_ONE_CONFIG_LOADED=true} its {@code /healthcheck}
 * answers 200 only once a config loaded, which is what "ready" means here.
 */
public final class RateLimitStack implements AutoCloseable {
  /** The config file name in the service's config folder (one domain, {@code tollgate}). */
  public static final String CONFIG_FILE = "tollgate.yaml";
  private static final String LOOPBACK = "127.0.0.1";
  private static final Duration STOP_WITHIN = Duration.ofSeconds(15);

  private final RateLimitTools tools;
  private final Path dir;
  private final int redisPort;
  private final int grpcPort;
  private final int httpPort;
  private final int debugPort;
  private final List<Process> processes = new ArrayList<>();
  private Process redis;
  private Process ratelimit;
  private boolean closed; // guarded by processes: once closed (a signal while starting), nothing more starts

  /** Picks free loopback ports; starts nothing. */
  public RateLimitStack(RateLimitTools tools, Path dir) throws IOException {
    if (tools.missing().isPresent()) {
      throw new IllegalArgumentException(tools.missing().get());
    }
    this.tools = tools;
    this.dir = dir.toAbsolutePath();
    int[] ports = freePorts(4);
    redisPort = ports[0];
    grpcPort = ports[1];
    httpPort = ports[2];
    debugPort = ports[3];
  }

  /** Where Envoy reaches the service: {@code host:port} of its gRPC listener (for {@code --ratelimit-address}). */
  public String grpcAddress() {
    return LOOPBACK + ":" + grpcPort;
  }

  /** Where the service reaches Redis. */
  public String redisAddress() {
    return LOOPBACK + ":" + redisPort;
  }

  /** The service's HTTP listener: {@code /healthcheck}, and {@code POST /json} for a ShouldRateLimit as JSON. */
  public URI httpUri() {
    return URI.create("http://" + LOOPBACK + ":" + httpPort);
  }

  /** The service's debug listener: {@code /rlconfig} prints the limits it has loaded. */
  public URI debugUri() {
    return URI.create("http://" + LOOPBACK + ":" + debugPort);
  }

  /** The config file the service watches. */
  public Path configFile() {
    return dir.resolve("ratelimit").resolve("ratelimit").resolve("config").resolve(CONFIG_FILE);
  }

  public Path redisLog() {
    return dir.resolve("redis.log");
  }

  public Path ratelimitLog() {
    return dir.resolve("ratelimit.log");
  }

  /** The environment the service runs with, and nothing else. */
  Map<String, String> ratelimitEnvironment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("USE_STATSD", "false");
    env.put("DISABLE_STATS", "true"); // else its stdout stats sink logs every counter every 10 s
    env.put("LOG_LEVEL", "info");
    env.put("REDIS_SOCKET_TYPE", "tcp");
    env.put("REDIS_TYPE", "SINGLE");
    env.put("REDIS_URL", redisAddress());
    env.put("RUNTIME_ROOT", dir.resolve("ratelimit").toString());
    env.put("RUNTIME_SUBDIRECTORY", "ratelimit");
    env.put("RUNTIME_APPDIRECTORY", "config");
    env.put("RUNTIME_WATCH_ROOT", "false");
    env.put("RUNTIME_IGNOREDOTFILES", "true");
    env.put("HEALTHY_WITH_AT_LEAST_ONE_CONFIG_LOADED", "true");
    env.put("GRPC_HOST", LOOPBACK);
    env.put("GRPC_PORT", Integer.toString(grpcPort));
    env.put("HOST", LOOPBACK);
    env.put("PORT", Integer.toString(httpPort));
    env.put("DEBUG_HOST", LOOPBACK);
    env.put("DEBUG_PORT", Integer.toString(debugPort));
    return env;
  }

  /**
   * Writes the config, starts Redis, waits until it answers PING, starts the service and waits
   * until it has loaded the config and listens for gRPC. On failure everything started is stopped
   * and the exception says which one failed, why, and the end of its log.
   */
  public void start(String configYaml, Duration within) throws IOException, InterruptedException {
    if (redis != null) {
      throw new IllegalStateException("already started");
    }
    try {
      Path redisDir = Files.createDirectories(dir.resolve("redis"));
      updateConfig(configYaml);
      long deadline = System.nanoTime() + within.toNanos();
      redis = start(new ProcessBuilder(tools.redis().toString(), "--port", Integer.toString(redisPort),
          "--bind", LOOPBACK, "--save", "", "--appendonly", "no", "--dir", redisDir.toString(), "--daemonize", "no"),
          redisLog());
      await("Redis", redis, redisLog(), deadline, () -> pong(redisPort), () -> null);
      ProcessBuilder rl = new ProcessBuilder(tools.ratelimit().toString());
      rl.environment().clear();
      rl.environment().putAll(ratelimitEnvironment());
      long logStart = Files.exists(ratelimitLog()) ? Files.size(ratelimitLog()) : 0; // a reused folder keeps old logs
      ratelimit = start(rl, ratelimitLog());
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
      await("The ratelimit service", ratelimit, ratelimitLog(), deadline,
          () -> healthy(http) && accepts(grpcPort), () -> configError(logStart));
    } catch (IOException | InterruptedException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Replaces the config; the service reloads it within a moment (an invalid one is logged and ignored). */
  public void updateConfig(String configYaml) throws IOException {
    AtomicFiles.write(configFile(), configYaml, false);
  }

  /** Which of the two has stopped, with its exit code and log; empty while both run (or before start). */
  public Optional<String> stopped() {
    if (redis != null && !redis.isAlive()) {
      return Optional.of("Redis stopped (exit " + redis.exitValue() + "); see " + redisLog());
    }
    if (ratelimit != null && !ratelimit.isAlive()) {
      return Optional.of("the ratelimit service stopped (exit " + ratelimit.exitValue() + "); see " + ratelimitLog());
    }
    return Optional.empty();
  }

  /** The service first (no new checks), then Redis: SIGTERM, then 15 s, then SIGKILL. */
  @Override
  public void close() {
    List<Process> reversed;
    synchronized (processes) {
      closed = true;
      reversed = new ArrayList<>(processes);
      processes.clear();
    }
    java.util.Collections.reverse(reversed);
    for (Process p : reversed) {
      p.destroy();
      try {
        if (!p.waitFor(STOP_WITHIN.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private Process start(ProcessBuilder pb, Path log) throws IOException {
    synchronized (processes) {
      if (closed) {
        throw new IOException("stopping");
      }
      Process p = pb.directory(dir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .start();
      processes.add(p);
      return p;
    }
  }

  private interface Check {
    boolean ok() throws IOException, InterruptedException;
  }

  private interface Failure {
    String why() throws IOException;
  }

  private static void await(String name, Process p, Path log, long deadline, Check ready, Failure failure)
      throws IOException, InterruptedException {
    while (true) {
      if (ready.ok()) {
        return;
      }
      String why = failure.why();
      if (why == null && !p.isAlive()) {
        why = "stopped (exit " + p.exitValue() + ")";
      }
      if (why == null && System.nanoTime() > deadline) {
        why = "did not become ready in time";
      }
      if (why != null) {
        throw new IOException(name + " " + why + "; the end of " + log + ":" + tail(log));
      }
      Thread.sleep(50);
    }
  }

  /** The service's complaint about the config it was given, if it made one. */
  private String configError(long logStart) throws IOException {
    if (!Files.exists(ratelimitLog())) {
      return null;
    }
    byte[] log = Files.readAllBytes(ratelimitLog());
    String since = new String(log, (int) Math.min(logStart, log.length), (int) Math.max(0, log.length - logStart),
        StandardCharsets.UTF_8);
    return since.contains("Error loading new configuration") ? "rejected " + configFile() : null;
  }

  private boolean healthy(HttpClient http) throws InterruptedException {
    try {
      return http.send(HttpRequest.newBuilder(httpUri().resolve("/healthcheck")).timeout(Duration.ofSeconds(1)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(LOOPBACK, port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean pong(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(LOOPBACK, port), 1000);
      s.setSoTimeout(1000);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] answer = in.readNBytes(5);
      return "+PONG".equals(new String(answer, StandardCharsets.US_ASCII));
    } catch (IOException e) {
      return false;
    }
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
    StringBuilder sb = new StringBuilder();
    for (String l : lines.subList(Math.max(0, lines.size() - 15), lines.size())) {
      sb.append(System.lineSeparator()).append("  ").append(l);
    }
    return sb.toString();
  }

  /** Distinct free loopback ports (held open together, so they differ; free again when this returns). */
  private static int[] freePorts(int n) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK));
        sockets.add(s);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket s : sockets) {
        s.close();
      }
    }
  }
}
