package dev.tollgate.controller.up;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The two programs TokenBudgets need besides Tollgate and Envoy, as {@code bin/tollgate} found them
 * ({@code tollgate ratelimit-path}, {@code tollgate redis-path}); null when it found none.
 *
 * @param ratelimit the Envoy ratelimit service ({@code service_cmd})
 * @param redis     {@code redis-server}, where the ratelimit service keeps its counters
 */
public record RateLimitTools(Path ratelimit, Path redis) {
  /** What is missing, said once, with the commands that install it; empty when both can run. */
  public Optional<String> missing() {
    List<String> missing = new ArrayList<>();
    if (!runnable(ratelimit)) {
      missing.add("the Envoy ratelimit service" + (ratelimit != null ? " (" + ratelimit + " is not an executable file)" : "")
          + ": install it with `tollgate install-ratelimit` (needs Go), or set RATELIMIT_BIN");
    }
    if (!runnable(redis)) {
      missing.add("redis-server" + (redis != null ? " (" + redis + " is not an executable file)" : "")
          + ": install it with `apt-get install redis-server`, or set REDIS_SERVER_BIN");
    }
    if (missing.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of("the resources have TokenBudgets, which Envoy enforces with the ratelimit service and Redis; "
        + "missing " + String.join("; and ", missing));
  }

  private static boolean runnable(Path p) {
    return p != null && Files.isRegularFile(p) && Files.isExecutable(p);
  }
}
