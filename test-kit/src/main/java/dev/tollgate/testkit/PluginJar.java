package dev.tollgate.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/** A plugin jar as tests build one: compiled classes under a manifest naming the plugin for PF4J. */
public final class PluginJar {
  private PluginJar() {
  }

  /**
   * Writes {@code target}: every file under {@code classes} (in name order) and a manifest with
   * {@code Plugin-Id: id}, version 1.0.0, provider "test" and the plugin API range 2.x.
   */
  public static Path write(Path classes, String id, Path target) throws IOException {
    Manifest m = new Manifest();
    Attributes a = m.getMainAttributes();
    a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
    a.put(new Attributes.Name("Plugin-Id"), id);
    a.put(new Attributes.Name("Plugin-Version"), "1.0.0");
    a.put(new Attributes.Name("Plugin-Provider"), "test");
    a.put(new Attributes.Name("Plugin-Requires"), ">=2.0.0 & <3.0.0");
    Files.createDirectories(target.getParent());
    try (OutputStream os = Files.newOutputStream(target); JarOutputStream out = new JarOutputStream(os, m);
         Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
        out.write(Files.readAllBytes(f));
        out.closeEntry();
      }
    }
    return target;
  }
}
