package dev.tollgate.distribution.envoy;

import dev.tollgate.testkit.PluginJar;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * A third-party plugin jar built on the fly against the plugin API, as an author would build it,
 * with three prompt-guard types that misbehave: {@code Throwing} throws from every inspection,
 * {@code Hanging} never returns from one (until interrupted), {@code Stuck} never returns and
 * ignores interrupts, and {@code Spawning} starts a
 * non-daemon thread of its own when it is created, and allows everything.
 */
final class FaultyPlugin {
  private static final String PACKAGE = "test.faulty";
  private static final String THROWING = """
      package test.faulty;

      import dev.tollgate.api.Settings;
      import dev.tollgate.api.spi.PromptGuard;
      import dev.tollgate.api.spi.PromptGuardFactory;
      import org.pf4j.Extension;

      @Extension
      public final class ThrowingGuardFactory implements PromptGuardFactory {
        public String type() { return "Throwing"; }

        public PromptGuard create(Settings settings) {
          return (direction, texts) -> { throw new IllegalStateException("the guard's classifier is not loaded"); };
        }
      }
      """;
  private static final String HANGING = """
      package test.faulty;

      import dev.tollgate.api.Settings;
      import dev.tollgate.api.spi.PromptGuard;
      import dev.tollgate.api.spi.PromptGuardFactory;
      import org.pf4j.Extension;

      @Extension
      public final class HangingGuardFactory implements PromptGuardFactory {
        public String type() { return "Hanging"; }

        public PromptGuard create(Settings settings) {
          return (direction, texts) -> {
            try {
              Thread.sleep(600_000);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IllegalStateException("interrupted while waiting for a remote classifier");
            }
            return PromptGuard.ALLOW;
          };
        }
      }
      """;
  private static final String STUCK = """
      package test.faulty;

      import dev.tollgate.api.Settings;
      import dev.tollgate.api.spi.PromptGuard;
      import dev.tollgate.api.spi.PromptGuardFactory;
      import org.pf4j.Extension;

      @Extension
      public final class StuckGuardFactory implements PromptGuardFactory {
        public String type() { return "Stuck"; }

        public PromptGuard create(Settings settings) {
          return (direction, texts) -> {
            while (true) {
              try {
                Thread.sleep(1000);
              } catch (InterruptedException e) {
                // ignores the interrupt: this inspection never returns
              }
            }
          };
        }
      }
      """;
  private static final String SPAWNING = """
      package test.faulty;

      import dev.tollgate.api.Settings;
      import dev.tollgate.api.spi.PromptGuard;
      import dev.tollgate.api.spi.PromptGuardFactory;
      import org.pf4j.Extension;

      @Extension
      public final class SpawningGuardFactory implements PromptGuardFactory {
        public String type() { return "Spawning"; }

        public PromptGuard create(Settings settings) {
          Thread t = new Thread(() -> {
            while (true) {
              try {
                Thread.sleep(1000);
              } catch (InterruptedException e) {
                // an author who swallows interrupts: this thread never ends by itself
              }
            }
          }, "faulty-plugin-refresher");
          t.start(); // not a daemon
          return (direction, texts) -> PromptGuard.ALLOW;
        }
      }
      """;

  private FaultyPlugin() {
  }

  /** Writes the plugin jar to {@code target}. */
  static Path jar(Path target) throws IOException {
    Path work = Files.createTempDirectory("faulty-plugin");
    Path src = Files.createDirectories(work.resolve("src/test/faulty"));
    Path classes = Files.createDirectories(work.resolve("classes"));
    List<String> args = new ArrayList<>(List.of("--release", "17", "-d", classes.toString(), "-classpath",
        locationOf(dev.tollgate.api.spi.PromptGuardFactory.class) + java.io.File.pathSeparator
            + locationOf(org.pf4j.Extension.class),
        "-processorpath", locationOf(org.pf4j.Extension.class).toString()));
    for (String[] s : new String[][] {{"ThrowingGuardFactory", THROWING}, {"HangingGuardFactory", HANGING}, {"StuckGuardFactory", STUCK},
        {"SpawningGuardFactory", SPAWNING}}) {
      args.add(Files.writeString(src.resolve(s[0] + ".java"), s[1]).toString());
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    java.io.ByteArrayOutputStream errors = new java.io.ByteArrayOutputStream();
    if (javac.run(null, null, errors, args.toArray(String[]::new)) != 0) {
      throw new IllegalStateException("the faulty plugin does not compile: " + errors);
    }
    return PluginJar.write(classes, "faulty", target);
  }

  static String packageName() {
    return PACKAGE;
  }

  private static Path locationOf(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
