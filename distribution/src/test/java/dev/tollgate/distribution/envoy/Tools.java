package dev.tollgate.distribution.envoy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the real-Envoy tests run besides Tollgate, installed by the project's own files: Envoy
 * through {@code bin/tollgate envoy-path} / {@code install-envoy} (the same lookup {@code tollgate up}
 * uses), and the official Python SDKs pinned in {@code src/test/python/requirements.txt}, in a venv
 * cached under the same tools folder.
 */
final class Tools {
  static final Path DIST = Path.of(System.getProperty("tollgate.dist", "target/tollgate")).toAbsolutePath();
  static final Path PYTHON_DIR = Path.of("src/test/python").toAbsolutePath();
  private static Path envoy;
  private static Path python;
  private static Path ratelimit;
  private static Path redis;

  private Tools() {
  }

  static Path tollgate() {
    return DIST.resolve("bin/tollgate");
  }

  /** The Envoy binary: found as {@code tollgate up} finds it, installed (pinned) when there is none. */
  static synchronized Path envoy() throws IOException, InterruptedException {
    if (envoy == null) {
      Run found = run(Duration.ofSeconds(30), tollgate().toString(), "envoy-path");
      if (found.exit() != 0) {
        Run installed = run(Duration.ofMinutes(5), tollgate().toString(), "install-envoy");
        if (installed.exit() != 0) {
          throw new IllegalStateException("cannot install Envoy: " + installed.output());
        }
        found = run(Duration.ofSeconds(30), tollgate().toString(), "envoy-path");
      }
      envoy = Path.of(found.output().strip().lines().reduce((a, b) -> b).orElseThrow());
      System.out.println("real-Envoy tests use " + envoy + ": " + run(Duration.ofSeconds(30), envoy.toString(),
          "--version").output().strip());
    }
    return envoy;
  }

  /**
   * Envoy's rate-limit service: found as {@code tollgate up} finds it ({@code tollgate ratelimit-path}),
   * built from the Go module proxy at the pinned version ({@code tollgate install-ratelimit}) when there is none.
   */
  static synchronized Path ratelimit() throws IOException, InterruptedException {
    if (ratelimit == null) {
      Run found = run(Duration.ofSeconds(30), tollgate().toString(), "ratelimit-path");
      if (found.exit() != 0) {
        Run installed = run(Duration.ofMinutes(10), tollgate().toString(), "install-ratelimit");
        if (installed.exit() != 0) {
          throw new IllegalStateException("cannot install the rate-limit service: " + installed.output());
        }
        found = run(Duration.ofSeconds(30), tollgate().toString(), "ratelimit-path");
      }
      ratelimit = lastLine(found);
    }
    return ratelimit;
  }

  /** Redis ({@code tollgate redis-path}: $REDIS_SERVER_BIN, else redis-server on PATH; Debian's redis-server). */
  static synchronized Path redisServer() throws IOException, InterruptedException {
    if (redis == null) {
      Run found = run(Duration.ofSeconds(30), tollgate().toString(), "redis-path");
      if (found.exit() != 0) {
        throw new IllegalStateException("no Redis server for the budget tests (Debian: apt-get install redis-server;"
            + " .ci/run installs it): " + found.output());
      }
      redis = lastLine(found);
    }
    return redis;
  }

  private static Path lastLine(Run r) {
    return Path.of(r.output().strip().lines().reduce((a, b) -> b).orElseThrow());
  }

  /** A python with the pinned SDKs. */
  static synchronized Path python() throws IOException, InterruptedException {
    if (python == null) {
      byte[] requirements = Files.readAllBytes(PYTHON_DIR.resolve("requirements.txt"));
      Path venv = toolsDir().resolve("py-" + sha256(requirements).substring(0, 12));
      Path bin = venv.resolve("bin/python");
      if (!Files.isExecutable(bin) || !Files.exists(venv.resolve("installed"))) {
        Run made = run(Duration.ofMinutes(2), "python3", "-m", "venv", "--clear", venv.toString());
        if (made.exit() != 0) {
          throw new IllegalStateException("cannot create a python venv (python3 -m venv; Debian: apt-get install "
              + "python3-venv): " + made.output());
        }
        Run pip = run(Duration.ofMinutes(10), bin.toString(), "-m", "pip", "install", "--quiet",
            "--disable-pip-version-check", "-r", PYTHON_DIR.resolve("requirements.txt").toString());
        if (pip.exit() != 0) {
          throw new IllegalStateException("cannot install the python SDKs: " + pip.output());
        }
        Files.writeString(venv.resolve("installed"), new String(requirements, StandardCharsets.UTF_8));
      }
      python = bin;
    }
    return python;
  }

  private static Path fuzzPython;

  /**
   * A python with schemathesis, pinned with hashes in {@code src/test/python/fuzz-requirements.txt},
   * in its own venv keyed by that file's hash (apart from the SDKs' venv of {@link #python()}).
   */
  static synchronized Path fuzzPython() throws IOException, InterruptedException {
    if (fuzzPython == null) {
      Path file = PYTHON_DIR.resolve("fuzz-requirements.txt");
      byte[] requirements = Files.readAllBytes(file);
      Path venv = toolsDir().resolve("py-fuzz-" + sha256(requirements).substring(0, 12));
      Path bin = venv.resolve("bin/python");
      if (!Files.isExecutable(bin) || !Files.exists(venv.resolve("installed"))) {
        Run made = run(Duration.ofMinutes(2), "python3", "-m", "venv", "--clear", venv.toString());
        if (made.exit() != 0) {
          throw new IllegalStateException("cannot create a python venv (python3 -m venv; Debian: apt-get install "
              + "python3-venv): " + made.output());
        }
        Run pip = run(Duration.ofMinutes(10), bin.toString(), "-m", "pip", "install", "--quiet",
            "--disable-pip-version-check", "--require-hashes", "-r", file.toString());
        if (pip.exit() != 0) {
          throw new IllegalStateException("cannot install schemathesis from " + file + " (pinned with hashes for "
              + "CPython 3.11 on x86_64): " + pip.output());
        }
        Files.writeString(venv.resolve("installed"), new String(requirements, StandardCharsets.UTF_8));
      }
      fuzzPython = bin;
    }
    return fuzzPython;
  }

  static Path toolsDir() {
    String dir = System.getenv("TOLLGATE_TOOLS_DIR");
    if (dir != null && !dir.isBlank()) {
      return Path.of(dir);
    }
    String cache = System.getenv("XDG_CACHE_HOME");
    return (cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache"))
        .resolve("tollgate");
  }

  record Run(int exit, String output) {
  }

  /** Runs a command to its end, stdout and stderr together. */
  static Run run(Duration limit, String... command) throws IOException, InterruptedException {
    return run(limit, List.of(command));
  }

  static Run run(Duration limit, List<String> command) throws IOException, InterruptedException {
    return run(limit, java.util.Map.of(), command);
  }

  /** Runs a command to its end with these extra environment variables. */
  static Run run(Duration limit, java.util.Map<String, String> env, List<String> command)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("tollgate-it", ".out");
    try {
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      pb.environment().putAll(env);
      Process p = pb.start();
      if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly().waitFor();
        throw new IllegalStateException(String.join(" ", command) + " did not finish within " + limit
            + ": " + Files.readString(out));
      }
      return new Run(p.exitValue(), Files.readString(out));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  private static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
