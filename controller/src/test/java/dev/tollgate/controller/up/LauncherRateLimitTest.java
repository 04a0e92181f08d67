package dev.tollgate.controller.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's lookups for the budget programs ({@code ratelimit-path}, {@code redis-path}) and
 * {@code install-ratelimit}'s answers when it cannot build, run from the source tree in an
 * environment of the test's making (an empty tools folder, fake or absent Go).
 */
class LauncherRateLimitTest {
  private static final String PINNED = "ratelimit-v1.4.1-0.20260122083618-3fb702589d36/bin/service_cmd";

  @TempDir
  Path dir;

  record Run(int exit, String stdout, String stderr) {
  }

  private Run launcher(Map<String, String> extra, String... args) throws Exception {
    assumeTrue(Files.isRegularFile(RateLimitBinaries.LAUNCHER), "the launcher source is not at " + RateLimitBinaries.LAUNCHER);
    String[] command = new String[args.length + 2];
    command[0] = "/bin/bash";
    command[1] = RateLimitBinaries.LAUNCHER.toString();
    System.arraycopy(args, 0, command, 2, args.length);
    ProcessBuilder pb = new ProcessBuilder(command);
    Map<String, String> env = pb.environment();
    env.remove("RATELIMIT_BIN");
    env.remove("REDIS_SERVER_BIN");
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.put("TOLLGATE_TOOLS_DIR", Files.createDirectories(dir.resolve("tools")).toString());
    env.putAll(extra);
    Path out = dir.resolve("out");
    Path err = dir.resolve("err");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
  }

  private Path executable(String name, String script) throws Exception {
    Path p = Files.writeString(Files.createDirectories(dir.resolve("bin")).resolve(name), script);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }

  @Test
  void ratelimitPathWithoutAnInstallFailsNamingInstallRatelimit() throws Exception {
    Run r = launcher(Map.of(), "ratelimit-path");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.stdout()).isEmpty();
    assertThat(r.stderr()).contains("no ratelimit service found").contains("tollgate install-ratelimit")
        .contains(dir.resolve("tools").resolve(PINNED).toString());
  }

  @Test
  void ratelimitPathPrefersRatelimitBinThenThePinnedInstall() throws Exception {
    Path pinned = dir.resolve("tools").resolve(PINNED);
    Files.createDirectories(pinned.getParent());
    Files.writeString(pinned, "#!/bin/sh\n");
    Files.setPosixFilePermissions(pinned, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertThat(launcher(Map.of(), "ratelimit-path").stdout().strip()).isEqualTo(pinned.toString());

    Path own = executable("my-ratelimit", "#!/bin/sh\n");
    assertThat(launcher(Map.of("RATELIMIT_BIN", own.toString()), "ratelimit-path").stdout().strip()).isEqualTo(own.toString());
    Run bad = launcher(Map.of("RATELIMIT_BIN", dir.resolve("nothing").toString()), "ratelimit-path");
    assertThat(bad.exit()).isEqualTo(1);
    assertThat(bad.stderr()).contains("RATELIMIT_BIN=" + dir.resolve("nothing") + " is not an executable file");
    // an install already there is what install-ratelimit answers, without building
    assertThat(launcher(Map.of(), "install-ratelimit").stdout().strip()).isEqualTo(pinned.toString());
  }

  @Test
  void redisPathPrefersRedisServerBinAndOtherwiseSaysHowToInstallIt() throws Exception {
    Path own = executable("my-redis", "#!/bin/sh\n");
    assertThat(launcher(Map.of("REDIS_SERVER_BIN", own.toString()), "redis-path").stdout().strip()).isEqualTo(own.toString());
    // PATH with nothing but what the launcher itself runs
    Path bin = Files.createDirectories(dir.resolve("empty-path"));
    Files.createSymbolicLink(bin.resolve("dirname"), Path.of(which("dirname")));
    Run none = launcher(Map.of("PATH", bin.toString()), "redis-path");
    assertThat(none.exit()).isEqualTo(1);
    assertThat(none.stderr()).contains("no redis-server found").contains("apt-get install redis-server");
  }

  @Test
  void installRatelimitWithoutGoSaysHowToGetIt() throws Exception {
    Path bin = Files.createDirectories(dir.resolve("empty-path"));
    Files.createSymbolicLink(bin.resolve("dirname"), Path.of(which("dirname")));
    Run r = launcher(Map.of("PATH", bin.toString()), "install-ratelimit");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.stderr()).contains("with Go, which is not installed").contains("apt-get install golang")
        .contains("RATELIMIT_BIN");
    assertThat(dir.resolve("tools").resolve(PINNED)).doesNotExist();
  }

  @Test
  void installRatelimitWithAGoTooOldToFetchTheNeededOneSaysSo() throws Exception {
    executable("go", "#!/bin/sh\n[ \"$1 $2\" = 'env GOVERSION' ] && echo go1.19.8 && exit 0\nexit 3\n");
    Run r = launcher(Map.of("PATH", dir.resolve("bin") + ":" + System.getenv("PATH")), "install-ratelimit");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.stderr()).contains("go1.19.8").contains("needs Go 1.25.6");
  }

  @Test
  void aFailedBuildLeavesNoPartialInstall() throws Exception {
    executable("go", "#!/bin/sh\n[ \"$1 $2\" = 'env GOVERSION' ] && echo go1.25.6 && exit 0\n"
        + "mkdir -p \"$GOBIN\" && : > \"$GOBIN/service_cmd\" && echo 'go: simulated failure' >&2 && exit 1\n");
    Run r = launcher(Map.of("PATH", dir.resolve("bin") + ":" + System.getenv("PATH")), "install-ratelimit");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.stderr()).contains("go: simulated failure").contains("could not build");
    try (var left = Files.list(dir.resolve("tools"))) {
      assertThat(left.toList()).as("no ratelimit-* folder, partial or not").isEmpty();
    }
  }

  @Test
  void aSuccessfulBuildIsMovedIntoPlaceWhole() throws Exception {
    executable("go", "#!/bin/sh\n[ \"$1 $2\" = 'env GOVERSION' ] && echo go1.25.6 && exit 0\n"
        + "[ \"$1 $2\" = 'install github.com/envoyproxy/ratelimit/src/service_cmd@v1.4.1-0.20260122083618-3fb702589d36' ]"
        + " || exit 9\nprintf '#!/bin/sh\\n' > \"$GOBIN/service_cmd\" && chmod +x \"$GOBIN/service_cmd\"\n");
    Run r = launcher(Map.of("PATH", dir.resolve("bin") + ":" + System.getenv("PATH")), "install-ratelimit");
    assertThat(r.exit()).as(r.stderr()).isZero();
    assertThat(r.stdout().strip()).isEqualTo(dir.resolve("tools").resolve(PINNED).toString());
    assertThat(Files.isExecutable(dir.resolve("tools").resolve(PINNED))).isTrue();
    try (var left = Files.list(dir.resolve("tools"))) {
      assertThat(left.map(p -> p.getFileName().toString()).toList())
          .containsExactly("ratelimit-v1.4.1-0.20260122083618-3fb702589d36");
    }
  }

  private static String which(String tool) {
    for (String d : System.getenv("PATH").split(":")) {
      Path p = Path.of(d, tool);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    throw new IllegalStateException(tool + " is not on PATH");
  }
}
