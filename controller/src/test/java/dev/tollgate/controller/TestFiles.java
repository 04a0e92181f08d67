package dev.tollgate.controller;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/** Helpers for tests: the example directory, copying it, polling with a deadline. */
final class TestFiles {
  static final Path EXAMPLES = Path.of("src/main/examples");

  private TestFiles() {
  }

  static Path copyExamples(Path target) throws IOException {
    try (Stream<Path> files = Files.list(EXAMPLES)) {
      for (Path p : files.toList()) {
        Files.copy(p, target.resolve(p.getFileName()));
      }
    }
    return target;
  }

  static void await(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p) : null;
    } catch (IOException e) {
      return null;
    }
  }
}
