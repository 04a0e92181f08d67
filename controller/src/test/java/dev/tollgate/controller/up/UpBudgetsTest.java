package dev.tollgate.controller.up;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.controller.ControllerMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tollgate up} with TokenBudgets but without the programs that enforce them: one message, nothing started. */
class UpBudgetsTest {
  @TempDir
  Path dir;

  record Result(int exit, String out, String err) {
  }

  private Result up(String... args) throws Exception {
    Path resources = Files.createDirectories(dir.resolve("resources"));
    Files.writeString(resources.resolve("budget.yaml"), """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: TokenBudget
        metadata: {name: small}
        spec:
          limit: {tokens: 1000, unit: Hour}
        """);
    List<String> all = new ArrayList<>(List.of("up", "--envoy", dir.resolve("no-envoy").toString(),
        "--resources", resources.toString(), "--state-dir", dir.resolve("state").toString(),
        "--plugins", dir.resolve("no-plugins").toString()));
    all.addAll(List.of(args));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = ControllerMain.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(all.toArray(String[]::new));
    return new Result(exit, out.toString(), err.toString());
  }

  private Path executable(String name) throws Exception {
    Path p = Files.writeString(dir.resolve(name), "#!/bin/sh\nexit 0\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }

  @Test
  void withoutTheRatelimitServiceAndRedisItSaysBothAndHowToInstallThemAndStartsNothing() throws Exception {
    Result r = up();

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().strip().lines().count()).as(r.err()).isEqualTo(1);
    assertThat(r.err()).startsWith("tollgate up: the resources have TokenBudgets")
        .contains("tollgate install-ratelimit").contains("apt-get install redis-server");
    assertThat(r.out()).isEmpty();
    try (var files = Files.list(dir.resolve("state"))) {
      assertThat(files.toList()).as("nothing written or started").isEmpty();
    }
  }

  @Test
  void withTheRatelimitServiceButNoRedisOnlyRedisIsNamed() throws Exception {
    Result r = up("--ratelimit", executable("service_cmd").toString());

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("apt-get install redis-server").doesNotContain("install-ratelimit");
  }

  @Test
  void withBothItGoesOnToTheResources() throws Exception {
    Result r = up("--ratelimit", executable("service_cmd").toString(), "--redis", executable("redis-server").toString());

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).as("the next check: the plugins folder").contains("no-plugins").doesNotContain("TokenBudgets");
  }

  @Test
  void withoutBudgetsTheirProgramsAreNotAskedFor() throws Exception {
    Path resources = Files.createDirectories(dir.resolve("plain"));
    Files.writeString(resources.resolve("route.yaml"), """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: r}
        spec: {}
        """);
    StringWriter err = new StringWriter();
    CommandLine cl = ControllerMain.commandLine();
    cl.setOut(new PrintWriter(new StringWriter()));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute("up", "--envoy", dir.resolve("no-envoy").toString(), "--resources", resources.toString(),
        "--state-dir", dir.resolve("state").toString(), "--plugins", dir.resolve("no-plugins").toString());

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("no-plugins").doesNotContain("ratelimit").doesNotContain("redis");
  }
}
