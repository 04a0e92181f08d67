package dev.tollgate.core.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClassReferencesTest {
  /** Refers to other classes in the ways the scan must see: new, static call, field and method descriptors, arrays. */
  static final class Sample {
    Map<String, Thread> threads;

    Object make() {
      return new StringBuilder(Integer.toString(List.of(new java.net.URI[0]).size()));
    }

    void take(java.time.Duration d, java.util.zip.CRC32[] sums) {
      System.out.println(d.toString() + sums.length);
    }

    void call() {
      take(null, null);
      java.util.function.Supplier<java.util.UUID> s = java.util.UUID::randomUUID;
      s.get();
    }
  }

  private static byte[] classFile(Class<?> type) throws IOException {
    try (InputStream in = type.getClassLoader().getResourceAsStream(type.getName().replace('.', '/') + ".class")) {
      return in.readAllBytes();
    }
  }

  @Test
  void findsTheClassesACompiledClassNamesAndTheTypesInItsDescriptors() throws Exception {
    assertThat(ClassReferences.of(classFile(Sample.class))).contains(
        "java.lang.StringBuilder", "java.lang.Integer", "java.util.List", "java.net.URI", "java.lang.System",
        "java.time.Duration", "java.util.zip.CRC32", "java.util.UUID", "java.util.function.Supplier");
  }

  @Test
  void bytesThatAreNotAClassFileAreAnError() {
    assertThatThrownBy(() -> ClassReferences.of(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}))
        .isInstanceOf(IOException.class).hasMessage("not a class file");
  }

  @Test
  void theSpiPackagesAreTheApiAndTheLibrariesItExposes() {
    assertThat(SpiPackages.isSpiClass("dev.tollgate.api.spi.TranslatorFactory")).isTrue();
    assertThat(SpiPackages.isSpiClass("com.fasterxml.jackson.databind.JsonNode")).isTrue();
    assertThat(SpiPackages.isSpiClass("org.slf4j.Logger")).isTrue();
    assertThat(SpiPackages.isSpiClass("dev.tollgate.apix.Thing")).isFalse();
    assertThat(SpiPackages.isSpiClass("dev.tollgate.core.Platform")).isFalse();
    assertThat(SpiPackages.isSpiClass("com.fasterxml.jackson.dataformat.yaml.YAMLFactory")).isFalse();
    assertThat(SpiPackages.isSpiResource("org/pf4j/Extension.class")).isTrue();
    assertThat(SpiPackages.isSpiResource("META-INF/extensions.idx")).isFalse();
  }
}
