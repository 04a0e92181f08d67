package dev.tollgate.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.controller.sink.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An output without secrets is readable by Envoy and extproc-server running as other users; one with secrets is not. */
class AtomicFilesTest {
  @Test
  void onlyOutputsWithSecretsAreTheOwnersAlone(@TempDir Path dir) throws Exception {
    Path plain = dir.resolve("gateway.yaml");
    AtomicFiles.write(plain, "uuid: a\n", false);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(plain))).isEqualTo("rw-r--r--");

    AtomicFiles.write(plain, "uuid: b\n", true);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(plain))).isEqualTo("rw-------");
    assertThat(Files.readString(plain)).isEqualTo("uuid: b\n");
  }
}
