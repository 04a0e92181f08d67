package dev.tollgate.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image tarballs the build writes to {@code target/images}, checked without a container
 * runtime: their config (user, entrypoint, command, ports, volumes, labels), their layers (shared
 * between the two images, nothing writable but {@code /tmp}, no shell), and the images running.
 * For that the layers are unpacked in order into a folder, which is then run the way a runtime
 * runs it: in namespaces of its own ({@code unshare}: mount, pid, network), as the image's root,
 * read-only, with a fresh {@code /tmp}, {@code /proc} and {@code /dev}, the image's environment,
 * working directory and user, and the operator's files mounted in. That needs root (CI runs as root).
 */
class ImagesIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path IMAGES = Path.of(System.getProperty("images.dir", "target/images")).toAbsolutePath();
  private static final Path DIST = Path.of(System.getProperty("tollgate.dist", "target/tollgate")).toAbsolutePath();
  private static final Path THIRD_PARTY = Path.of(System.getProperty("third-party.plugins", "target/third-party-plugins"));
  private static final String VERSION = System.getProperty("project.version", "0.1.0-SNAPSHOT");
  private static final List<String> SERVER_CMD = List.of("run", "--config", "/etc/tollgate/gateway.yaml", "--plugins",
      "/opt/tollgate/plugins:/opt/tollgate/plugins.d");

  @TempDir
  static Path work;

  private static Image server;
  private static Image controller;

  @BeforeAll
  static void unpack() throws Exception {
    assumeFalse(Boolean.getBoolean("images.skip"), "the images were not built (-Dimages.skip)");
    server = Image.unpack(IMAGES.resolve("tollgate-server.tar"), work.resolve("server"));
    controller = Image.unpack(IMAGES.resolve("tollgate-controller.tar"), work.resolve("controller"));
  }

  @Test
  void theServerImageRunsMainAsUid65532WithTheContractsCommand() throws Exception {
    assertThat(server.manifest().path("RepoTags").get(0).asText()).isEqualTo("tollgate/tollgate-server:" + VERSION);
    JsonNode c = server.config().path("config");
    assertThat(c.path("User").asText()).isEqualTo("65532:65532");
    List<String> entrypoint = strings(c.path("Entrypoint"));
    assertThat(entrypoint.get(0)).isEqualTo("/opt/tollgate/jre/bin/java");
    assertThat(entrypoint).contains("-Dtollgate.home=/opt/tollgate").endsWith("-cp", "/opt/tollgate/lib/*",
        "dev.tollgate.extproc.Main");
    assertThat(strings(c.path("Cmd"))).isEqualTo(SERVER_CMD);
    assertThat(names(c.path("ExposedPorts"))).containsExactlyInAnyOrder("1063/tcp", "1064/tcp");
    assertThat(names(c.path("Volumes"))).containsExactlyInAnyOrder("/tmp", "/opt/tollgate/plugins.d");
    assertThat(strings(c.path("Env"))).contains("TOLLGATE_WORK_DIR=/tmp/tollgate-work", "TOLLGATE_HOME=/opt/tollgate");
    assertThat(c.path("WorkingDir").asText()).isEqualTo("/opt/tollgate");
    assertThat(c.path("Labels").path("org.opencontainers.image.title").asText()).isEqualTo("tollgate-server");
    assertThat(c.path("Labels").path("org.opencontainers.image.version").asText()).isEqualTo(VERSION);
    assertThat(server.config().path("architecture").asText()).isEqualTo("amd64");
    assertThat(server.config().path("os").asText()).isEqualTo("linux");
    // the image id the build reports is the digest of this config
    assertThat(Files.readString(IMAGES.resolve("tollgate-server.id")).strip()).isEqualTo(server.configDigest());
    assertThat(Files.readString(IMAGES.resolve("tollgate-server.digest")).strip()).matches("sha256:[0-9a-f]{64}");
  }

  @Test
  void theControllerImageRunsTheControllerInKubernetesMode() throws Exception {
    assertThat(controller.manifest().path("RepoTags").get(0).asText())
        .isEqualTo("tollgate/tollgate-controller:" + VERSION);
    JsonNode c = controller.config().path("config");
    assertThat(c.path("User").asText()).isEqualTo("65532:65532");
    assertThat(strings(c.path("Entrypoint"))).startsWith("/opt/tollgate/jre/bin/java")
        .endsWith("-cp", "/opt/tollgate/lib/controller/*:/opt/tollgate/lib/*", "dev.tollgate.controller.ControllerMain");
    assertThat(strings(c.path("Cmd"))).containsExactly("controller", "--kubernetes");
    assertThat(names(c.path("Volumes"))).containsExactly("/tmp");
    assertThat(c.path("Labels").path("org.opencontainers.image.title").asText()).isEqualTo("tollgate-controller");
    assertThat(Files.readString(IMAGES.resolve("tollgate-controller.id")).strip()).isEqualTo(controller.configDigest());
  }

  @Test
  void theImagesShareAllLayersButTheirOwnAndHoldNoShellAndNothingWritableButTmp() throws Exception {
    List<String> shared = server.layerDigests().subList(0, server.layerDigests().size() - 1);
    assertThat(controller.layerDigests()).hasSize(shared.size() + 1).startsWith(shared.toArray(String[]::new));
    assertThat(shared).hasSize(6); // jre, base, libraries, tollgate, plugins, config

    for (Image image : List.of(server, controller)) {
      for (TarEntry e : image.entries()) {
        assertThat(e.owner()).as(e.name()).isEqualTo("0/0");
        assertThat(e.mode()).as(e.name()).doesNotContain("s").doesNotContain("S");
        boolean othersWrite = e.mode().charAt(8) == 'w';
        assertThat(othersWrite).as(e.name() + " " + e.mode()).isEqualTo(e.name().equals("tmp/"));
        assertThat(e.name()).as("whiteouts").doesNotContain(".wh.");
      }
      assertThat(image.root().resolve("bin")).doesNotExist();
      assertThat(image.root().resolve("usr/bin")).doesNotExist();
      assertThat(image.root().resolve("opt/tollgate/jre/bin/java")).isExecutable();
      assertThat(image.root().resolve("opt/tollgate/plugins.d")).isEmptyDirectory();
      assertThat(Files.readString(image.root().resolve("etc/passwd"))).contains("nonroot:x:65532:65532:");
    }
    assertThat(server.root().resolve("opt/tollgate/lib/controller")).doesNotExist();
    assertThat(controller.root().resolve("opt/tollgate/lib/extproc-server-" + VERSION + ".jar")).doesNotExist();
    assertThat(controller.root().resolve("opt/tollgate/lib/envoy-proto-" + VERSION + ".jar")).doesNotExist();
    assertThat(controller.root().resolve("opt/tollgate/lib/controller/controller-" + VERSION + ".jar")).exists();
  }

  @Test
  void theServerListsTheBuiltInPluginsAndAnOperatorsZipMountedInPluginsD() throws Exception {
    requireNamespaces();
    Path own = Files.createDirectories(work.resolve("own-plugins"));
    try (Stream<Path> zips = Files.list(THIRD_PARTY)) {
      for (Path zip : zips.toList()) {
        Files.copy(zip, own.resolve(zip.getFileName()));
      }
    }
    Run r = server.run(Map.of(own, "/opt/tollgate/plugins.d"),
        List.of("plugins", "--plugins", "/opt/tollgate/plugins:/opt/tollgate/plugins.d"), null);

    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("plugins in /opt/tollgate/plugins:/opt/tollgate/plugins.d:")
        .contains("schemas:     ").contains("Ollama").doesNotContain("refused:");
    TreeSet<String> ids = pluginIds(r.output());
    TreeSet<String> builtIn = pluginIds(distribution("plugins").output());
    assertThat(builtIn).contains("openai", "anthropic", "aws-bedrock", "api-key");
    assertThat(ids).containsAll(builtIn).contains("ollama").hasSize(builtIn.size() + 1);
  }

  @Test
  void theServersDefaultCommandServesAConfigMountedAtEtcTollgate() throws Exception {
    requireNamespaces();
    Path config = Files.copy(DIST.resolve("config/gateway.yaml"), work.resolve("gateway.yaml"));
    // in the image's own network namespace: its default ports, and /healthz on the admin port
    String probe = "for i in $(seq 1 600); do grep -q 'ext_proc listening' \"$LOG\" && break; kill -0 $PID || break; "
        + "sleep 0.1; done; echo \"healthz: $(curl -s -w ' %{http_code}' http://127.0.0.1:1064/healthz)\"";
    Run r = server.run(Map.of(config, "/etc/tollgate/gateway.yaml"), List.of(), probe);

    assertThat(r.output()).contains("tollgate: ext_proc listening on 0.0.0.0:1063 (config /etc/tollgate/gateway.yaml, "
        + "plugins /opt/tollgate/plugins:/opt/tollgate/plugins.d); admin on http://127.0.0.1:1064");
    assertThat(r.output()).containsPattern("healthz: ok\\s+200");
    assertThat(r.output()).doesNotContain("Exception");
  }

  @Test
  void explainRunsARequestThroughTheImagesPipelineAsTheDistributionDoes() throws Exception {
    requireNamespaces();
    Path config = Files.copy(DIST.resolve("config/gateway.yaml"), work.resolve("explain-gateway.yaml"));
    Path request = Files.copy(DIST.resolve("examples/chat.json"), work.resolve("chat.json"));
    Run r = server.run(Map.of(config, "/etc/tollgate/gateway.yaml", request, "/etc/tollgate/chat.json"),
        List.of("explain", "/etc/tollgate/chat.json", "--config", "/etc/tollgate/gateway.yaml",
            "-H", "authorization=Bearer sk-image-test"), null);

    assertThat(r.exit()).as(r.output()).isZero();
    Run expected = distribution("explain", request.toString(), "--config", config.toString(),
        "-H", "authorization=Bearer sk-image-test");
    assertThat(expected.exit()).as(expected.output()).isZero();
    // the same rule, backend and upstream request (the log line before them names the config's path)
    assertThat(fromLine(r.output(), "rule:")).contains("x-ai-eg-model: gpt-4o-mini")
        .isEqualTo(fromLine(expected.output(), "rule:"));
  }

  @Test
  void theControllerPrintsTheCrdsTheDistributionPrints() throws Exception {
    requireNamespaces();
    Run r = controller.run(Map.of(), List.of("crds"), null);

    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("kind: \"CustomResourceDefinition\"");
    assertThat(r.output()).isEqualTo(distribution("crds").output());
  }

  private static void requireNamespaces() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")),
        "running the images without a container runtime takes unshare and mounts, which need root (CI runs as root)");
  }

  /** Runs {@code bin/tollgate ARGS} of the distribution. */
  private static Run distribution(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(DIST.resolve("bin/tollgate").toString()));
    command.addAll(List.of(args));
    return Run.of(new ProcessBuilder(command), 60);
  }

  private static String fromLine(String output, String start) {
    int at = output.indexOf("\n" + start);
    assertThat(at).as(output).isNotNegative();
    return output.substring(at + 1);
  }

  private static TreeSet<String> pluginIds(String pluginsOutput) {
    TreeSet<String> ids = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^  (\\S+)\\s+\\S+\\s+STARTED\\s").matcher(pluginsOutput);
    while (m.find()) {
      ids.add(m.group(1));
    }
    return ids;
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static List<String> names(JsonNode object) {
    List<String> out = new ArrayList<>();
    object.fieldNames().forEachRemaining(out::add);
    return out;
  }

  private record Run(int exit, String output) {
    static Run of(ProcessBuilder pb, int seconds) throws Exception {
      Process p = pb.redirectErrorStream(true).start();
      byte[] out;
      try (var in = p.getInputStream()) {
        out = in.readAllBytes();
      }
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("timed out: " + pb.command() + "\n" + new String(out, StandardCharsets.UTF_8));
      }
      return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
  }

  private record TarEntry(String mode, String owner, String name) {
  }

  /** An image tarball (docker save format) and its layers unpacked in order into {@code root}. */
  private record Image(Path dir, JsonNode manifest, JsonNode config, String configDigest, List<Path> layers, Path root) {
    static Image unpack(Path tarball, Path dir) throws Exception {
      assertThat(tarball).as("the build writes the image tarballs (./mvnw package)").exists();
      Files.createDirectories(dir);
      tar(dir, "-xf", tarball.toString());
      JsonNode manifest = JSON.readTree(dir.resolve("manifest.json").toFile()).get(0);
      byte[] configBytes = Files.readAllBytes(dir.resolve(manifest.path("Config").asText()));
      String digest = "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(configBytes));
      List<Path> layers = new ArrayList<>();
      manifest.path("Layers").forEach(l -> layers.add(dir.resolve(l.asText())));
      Path root = Files.createDirectories(dir.resolve("rootfs"));
      for (Path layer : layers) {
        tar(root, "-xzf", layer.toString());
      }
      return new Image(dir, manifest, JSON.readTree(configBytes), digest, layers, root);
    }

    List<String> layerDigests() {
      return layers.stream().map(l -> l.getFileName().toString()).toList();
    }

    /** Every entry of every layer, as {@code tar -tv} lists it. */
    List<TarEntry> entries() throws Exception {
      List<TarEntry> out = new ArrayList<>();
      for (Path layer : layers) {
        Run r = Run.of(new ProcessBuilder("tar", "--warning=no-unknown-keyword", "--numeric-owner", "-tvzf",
            layer.toString()), 60);
        assertThat(r.exit()).as(r.output()).isZero();
        for (String line : r.output().strip().split("\n")) {
          String[] f = line.split("\\s+", 6);
          out.add(new TarEntry(f[0], f[1], f[5]));
        }
      }
      return out;
    }

    /**
     * Runs the image as a runtime would, with {@code args} in place of its command when not empty,
     * and {@code mounts} (host path to path in the image) bound in read-only. With {@code probe},
     * the image runs in the background (its output in $LOG, its pid in $PID) while the probe, a
     * shell snippet, runs in its network namespace; then it gets SIGTERM.
     */
    Run run(Map<Path, String> mounts, List<String> args, String probe) throws Exception {
      JsonNode c = config.path("config");
      String[] user = c.path("User").asText().split(":");
      List<String> command = new ArrayList<>(strings(c.path("Entrypoint")));
      command.addAll(args.isEmpty() ? strings(c.path("Cmd")) : args);
      StringBuilder env = new StringBuilder();
      for (String e : strings(c.path("Env"))) {
        env.append(' ').append(quote(e));
      }
      StringBuilder script = new StringBuilder("""
          set -eu
          R=%s
          mount --rbind "$R" "$R"
          mount -o remount,bind,ro "$R"
          mount -t proc proc "$R/proc"
          mount --rbind /dev "$R/dev"
          mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"
          # the loopback interface of the new network namespace starts down (SIOCSIFFLAGS: IFF_UP|IFF_RUNNING)
          python3 -c 'import fcntl, socket, struct; fcntl.ioctl(socket.socket(), 0x8914, struct.pack("16sH", b"lo", 0x41))'
          """.formatted(quote(root.toString())));
      Map<Path, String> sorted = new LinkedHashMap<>(mounts);
      for (Map.Entry<Path, String> m : sorted.entrySet()) {
        script.append("mount --bind -o ro ").append(quote(m.getKey().toString())).append(" \"$R\"")
            .append(quote(m.getValue())).append('\n');
      }
      String inImage = "env -i" + env + " unshare --root=\"$R\" --wd=" + quote(c.path("WorkingDir").asText())
          + " --setuid " + user[0] + " --setgid " + user[1] + " --"
          + command.stream().map(ImagesIT::quote).reduce("", (a, b) -> a + " " + b);
      if (probe == null) {
        script.append("exec ").append(inImage).append('\n');
      } else {
        script.append("LOG=$(mktemp)\n").append(inImage).append(" > \"$LOG\" 2>&1 &\nPID=$!\n").append(probe)
            .append("\nkill -TERM $PID 2>/dev/null || true; wait $PID || true; cat \"$LOG\"; rm -f \"$LOG\"\n");
      }
      // the mount points a runtime makes: /proc, /dev and the operator's files
      Files.createDirectories(root.resolve("proc"));
      Files.createDirectories(root.resolve("dev"));
      for (Map.Entry<Path, String> m : mounts.entrySet()) {
        Path target = root.resolve(m.getValue().substring(1));
        if (Files.isDirectory(m.getKey())) {
          Files.createDirectories(target);
        } else if (!Files.exists(target)) {
          Files.createDirectories(target.getParent());
          Files.createFile(target);
        }
      }
      return Run.of(new ProcessBuilder("unshare", "--mount", "--pid", "--net", "--fork", "--kill-child", "bash", "-c",
          script.toString()), 120);
    }

    private static void tar(Path in, String... args) throws Exception {
      List<String> command = new ArrayList<>(List.of("tar", "--warning=no-unknown-keyword", "-C", in.toString()));
      command.addAll(List.of(args));
      Run r = Run.of(new ProcessBuilder(command), 120);
      if (r.exit() != 0) {
        throw new IOException("tar " + String.join(" ", args) + ": " + r.output());
      }
    }
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
