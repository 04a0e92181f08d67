package dev.tollgate.controller.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.controller.resource.RawDocument;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What budgets need, what is missing said once, and how the ratelimit service is configured. */
class RateLimitToolsTest {
  @TempDir
  Path dir;

  private Path executable(String name) throws Exception {
    Path p = Files.writeString(dir.resolve(name), "#!/bin/sh\nexit 0\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }

  @Test
  void bothMissingAreNamedInOneMessageWithTheCommandsThatInstallThem() {
    String message = new RateLimitTools(null, null).missing().orElseThrow();
    assertThat(message).contains("TokenBudgets").contains("ratelimit service").contains("tollgate install-ratelimit")
        .contains("RATELIMIT_BIN").contains("redis-server").contains("apt-get install redis-server")
        .contains("REDIS_SERVER_BIN").doesNotContain("\n");
  }

  @Test
  void onlyWhatIsMissingIsNamed() throws Exception {
    Path ratelimit = executable("service_cmd");
    Path redis = executable("redis-server");
    assertThat(new RateLimitTools(ratelimit, redis).missing()).isEmpty();
    assertThat(new RateLimitTools(ratelimit, null).missing().orElseThrow())
        .contains("apt-get install redis-server").doesNotContain("install-ratelimit");
    assertThat(new RateLimitTools(null, redis).missing().orElseThrow())
        .contains("tollgate install-ratelimit").doesNotContain("apt-get");
  }

  @Test
  void aPathThatCannotRunCountsAsMissingAndIsNamed() throws Exception {
    Path notExecutable = Files.writeString(dir.resolve("service_cmd"), "");
    assertThat(new RateLimitTools(notExecutable, executable("redis-server")).missing().orElseThrow())
        .contains(notExecutable + " is not an executable file").contains("tollgate install-ratelimit");
    assertThatThrownBy(() -> new RateLimitStack(new RateLimitTools(notExecutable, null), dir))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("install-ratelimit");
  }

  @Test
  void budgetsArePresentWhenADocumentIsATokenBudget() {
    RawDocument route = new RawDocument("a.yaml", Map.of("kind", "AIGatewayRoute"));
    RawDocument budget = new RawDocument("b.yaml (document 2)", Map.of("kind", "TokenBudget"));
    RawDocument empty = new RawDocument("c.yaml", null);
    assertThat(Budgets.present(List.of(route, empty))).isFalse();
    assertThat(Budgets.present(List.of(route, empty, budget))).isTrue();
    assertThat(Budgets.present(List.of())).isFalse();
  }

  @Test
  void theServiceRunsOnLoopbackWithTheFileProviderThatFollowsChangedFiles() throws Exception {
    RateLimitStack stack = new RateLimitStack(new RateLimitTools(executable("service_cmd"), executable("redis-server")), dir);
    Map<String, String> env = stack.ratelimitEnvironment();
    assertThat(env).containsEntry("RUNTIME_WATCH_ROOT", "false").containsEntry("RUNTIME_IGNOREDOTFILES", "true")
        .containsEntry("RUNTIME_ROOT", dir.toAbsolutePath().resolve("ratelimit").toString())
        .containsEntry("RUNTIME_SUBDIRECTORY", "ratelimit").containsEntry("RUNTIME_APPDIRECTORY", "config")
        .containsEntry("REDIS_SOCKET_TYPE", "tcp").containsEntry("REDIS_URL", stack.redisAddress())
        .containsEntry("USE_STATSD", "false").containsEntry("HEALTHY_WITH_AT_LEAST_ONE_CONFIG_LOADED", "true")
        .containsEntry("GRPC_PORT", stack.grpcAddress().substring(stack.grpcAddress().lastIndexOf(':') + 1));
    assertThat(List.of(env.get("GRPC_HOST"), env.get("HOST"), env.get("DEBUG_HOST"))).containsOnly("127.0.0.1");
    assertThat(List.of(env.get("GRPC_PORT"), env.get("PORT"), env.get("DEBUG_PORT"),
        stack.redisAddress().substring(10))).doesNotHaveDuplicates();
    assertThat(stack.configFile())
        .isEqualTo(Path.of(env.get("RUNTIME_ROOT"), env.get("RUNTIME_SUBDIRECTORY"), "config", "tollgate.yaml"));
  }
}
