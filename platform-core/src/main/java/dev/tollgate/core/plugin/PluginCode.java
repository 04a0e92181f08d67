package dev.tollgate.core.plugin;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A plugin's own code: the jars (or class directories) of its class loader that carry its extension
 * index. Its libraries are left out; they may name optional classes they never load.
 */
final class PluginCode {
  static final String EXTENSION_INDEX = "META-INF/extensions.idx";

  private PluginCode() {
  }

  /**
   * The first class the plugin's own code refers to that the plugin cannot see but Tollgate's class
   * path has, as {@code "a.b.Caller uses x.y.Target"}; empty when there is none.
   */
  static Optional<String> firstReachIntoApplication(IsolatingPluginClassLoader loader) throws IOException {
    for (URL url : loader.getURLs()) {
      Path path;
      try {
        path = Path.of(url.toURI());
      } catch (URISyntaxException | IllegalArgumentException e) {
        continue;
      }
      Optional<String> found = Files.isDirectory(path) ? scanDirectory(path, loader) : scanJar(path, loader);
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }

  /**
   * Whether {@code path} carries a plugin descriptor PF4J can read: {@code plugin.properties}, or a
   * manifest with {@code Plugin-Id} (in a jar, or {@code META-INF/MANIFEST.MF} of a directory).
   */
  static boolean hasDescriptor(Path path) {
    if (Files.isDirectory(path)) {
      return Files.isRegularFile(path.resolve("plugin.properties"))
          || Files.isRegularFile(path.resolve("META-INF/MANIFEST.MF"));
    }
    try (JarFile jar = new JarFile(path.toFile())) {
      Manifest m = jar.getManifest();
      return jar.getEntry("plugin.properties") != null
          || (m != null && m.getMainAttributes().getValue("Plugin-Id") != null);
    } catch (IOException e) {
      return false;
    }
  }

  private static Optional<String> scanJar(Path jar, IsolatingPluginClassLoader loader) throws IOException {
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      if (zip.getEntry(EXTENSION_INDEX) == null) {
        return Optional.empty();
      }
      Enumeration<? extends ZipEntry> entries = zip.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        if (isClassFile(e.getName())) {
          try (InputStream in = zip.getInputStream(e)) {
            Optional<String> found = check(e.getName(), in.readAllBytes(), loader);
            if (found.isPresent()) {
              return found;
            }
          }
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<String> scanDirectory(Path dir, IsolatingPluginClassLoader loader) throws IOException {
    if (!Files.isRegularFile(dir.resolve(EXTENSION_INDEX))) {
      return Optional.empty();
    }
    List<Path> classes = new ArrayList<>();
    try (Stream<Path> s = Files.walk(dir)) {
      s.filter(p -> isClassFile(p.toString())).sorted().forEach(classes::add);
    }
    for (Path p : classes) {
      Optional<String> found = check(dir.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p), loader);
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }

  private static boolean isClassFile(String name) {
    return name.endsWith(".class") && !name.endsWith("module-info.class") && !name.startsWith("META-INF/");
  }

  private static Optional<String> check(String entry, byte[] bytes, IsolatingPluginClassLoader loader)
      throws IOException {
    String caller = entry.substring(0, entry.length() - ".class".length()).replace('/', '.');
    for (String target : ClassReferences.of(bytes)) {
      if (!loader.canSee(target) && loader.applicationHas(target)) {
        return Optional.of(caller + " uses " + target);
      }
    }
    return Optional.empty();
  }
}
