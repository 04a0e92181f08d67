package dev.tollgate.distribution.envoy;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Envoy's global rate-limit service ({@code github.com/envoyproxy/ratelimit}, found or built by
 * {@code tollgate ratelimit-path} / {@code install-ratelimit}) on a Redis server from Debian
 * ({@code tollgate redis-path}), both on free loopback ports, for the budget tests. The service
 * reads the rate-limit config {@code tollgate translate} writes; {@link #reconfigure} swaps it.
 */
final class RateLimitStack implements AutoCloseable {
  final int redisPort = EnvoyAndTollgate.freePort();
  final int grpcPort = EnvoyAndTollgate.freePort();
  final int httpPort = EnvoyAndTollgate.freePort();
  final int debugPort = EnvoyAndTollgate.freePort();
  private final Path dir;
  private final Path configDir;
  private Process redis;
  private Process ratelimit;

  RateLimitStack(Path dir) throws IOException {
    this.dir = Files.createDirectories(dir);
    this.configDir = Files.createDirectories(dir.resolve("runtime/ratelimit/config"));
  }

  /** {@code host:port} of the service's gRPC listener, for {@code translate --ratelimit-address}. */
  String address() {
    return "127.0.0.1:" + grpcPort;
  }

  RateLimitStack start(Path rateLimitConfig) throws Exception {
    reconfigure(rateLimitConfig);
    Path redisLog = dir.resolve("redis.log");
    redis = new ProcessBuilder(Tools.redisServer().toString(), "--port", Integer.toString(redisPort),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString())
        .redirectErrorStream(true).redirectOutput(redisLog.toFile()).start();
    EnvoyAndTollgate.await("Redis listening", Duration.ofSeconds(20), () -> listening(redisPort), redis, redisLog);
    Path log = dir.resolve("ratelimit.log");
    ProcessBuilder pb = new ProcessBuilder(Tools.ratelimit().toString()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().putAll(Map.ofEntries(
        Map.entry("USE_STATSD", "false"),
        Map.entry("LOG_LEVEL", "debug"),
        Map.entry("REDIS_SOCKET_TYPE", "tcp"),
        Map.entry("REDIS_URL", "127.0.0.1:" + redisPort),
        Map.entry("RUNTIME_ROOT", dir.resolve("runtime").toString()),
        Map.entry("RUNTIME_SUBDIRECTORY", "ratelimit"),
        Map.entry("RUNTIME_WATCH_ROOT", "false"),
        Map.entry("RUNTIME_IGNOREDOTFILES", "true"),
        Map.entry("GRPC_HOST", "127.0.0.1"),
        Map.entry("GRPC_PORT", Integer.toString(grpcPort)),
        Map.entry("HOST", "127.0.0.1"),
        Map.entry("PORT", Integer.toString(httpPort)),
        Map.entry("DEBUG_HOST", "127.0.0.1"),
        Map.entry("DEBUG_PORT", Integer.toString(debugPort))));
    ratelimit = pb.start();
    EnvoyAndTollgate.await("rate-limit service healthy", Duration.ofSeconds(30),
        () -> EnvoyAndTollgate.status(URI.create("http://127.0.0.1:" + httpPort + "/healthcheck")) == 200
            && listening(grpcPort), ratelimit, log);
    return this;
  }

  /** Puts this rate-limit config in the service's runtime folder (it watches it). */
  void reconfigure(Path rateLimitConfig) throws IOException {
    Path tmp = configDir.getParent().resolve(".tollgate.yaml.tmp");
    Files.copy(rateLimitConfig, tmp, StandardCopyOption.REPLACE_EXISTING);
    Files.move(tmp, configDir.resolve("tollgate.yaml"), StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  /** The usage counted so far under every key Redis holds (the service's cache keys), for diagnosis. */
  String redisKeys() throws Exception {
    return Tools.run(Duration.ofSeconds(10), List.of("sh", "-c", "redis-cli -p " + redisPort
        + " --scan | while read k; do printf '%s=%s\\n' \"$k\" \"$(redis-cli -p " + redisPort + " get \"$k\")\"; done"))
        .output();
  }

  String log() {
    return EnvoyAndTollgate.read(dir.resolve("ratelimit.log"));
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : new Process[] {ratelimit, redis}) {
      if (p != null && p.isAlive()) {
        p.destroy();
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      }
    }
  }
}
