package dev.tollgate.controller.up;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The ratelimit service and redis-server for the tests that run them, found as {@code tollgate up}
 * finds them: by the launcher's own {@code ratelimit-path} / {@code redis-path}, run from the
 * source tree ({@code RATELIMIT_BIN}, else the pinned {@code install-ratelimit} build under
 * {@code $TOLLGATE_TOOLS_DIR} or {@code ~/.cache/tollgate}; {@code REDIS_SERVER_BIN}, else PATH).
 * Nothing is installed here: without them those tests are skipped, saying so.
 */
final class RateLimitBinaries {
  static final Path LAUNCHER = Path.of("../distribution/src/main/bin/tollgate").toAbsolutePath().normalize();

  private RateLimitBinaries() {
  }

  static Optional<RateLimitTools> find() throws IOException, InterruptedException {
    Optional<Path> ratelimit = launcher("ratelimit-path");
    Optional<Path> redis = launcher("redis-path");
    if (ratelimit.isEmpty() || redis.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new RateLimitTools(ratelimit.get(), redis.get()));
  }

  static String whyMissing() {
    return "no ratelimit service or redis-server (" + LAUNCHER + " ratelimit-path / redis-path found none; "
        + "run `tollgate install-ratelimit` and `apt-get install redis-server`, or set RATELIMIT_BIN and REDIS_SERVER_BIN)";
  }

  private static Optional<Path> launcher(String command) throws IOException, InterruptedException {
    if (!Files.isRegularFile(LAUNCHER)) {
      return Optional.empty();
    }
    Process p = new ProcessBuilder("bash", LAUNCHER.toString(), command).redirectErrorStream(false)
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0 || out.isEmpty()) {
      p.destroyForcibly();
      return Optional.empty();
    }
    return Optional.of(Path.of(out.lines().reduce((a, b) -> b).orElseThrow()));
  }
}
