package dev.tollgate.e2e;

import java.nio.file.Path;

/** Where the build put the built-in plugin zips (e2e-tests/target/plugins). */
final class Plugins {
  private Plugins() {
  }

  static Path dir() {
    String dir = System.getProperty("tollgate.test.plugins");
    if (dir == null) {
      throw new IllegalStateException("run the tests through Maven: the plugin zips are copied to target/plugins");
    }
    return Path.of(dir);
  }
}
