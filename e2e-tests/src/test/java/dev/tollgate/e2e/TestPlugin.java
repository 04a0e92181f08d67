package dev.tollgate.e2e;

import dev.tollgate.testkit.PluginJar;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * A small plugin built on the fly, as a third-party author would build it: Java sources compiled
 * against the plugin API (and, to show what isolation refuses, against whatever else is asked for),
 * packed as a plugin jar with its PF4J manifest, or as a plugin zip with {@code lib/}.
 */
final class TestPlugin {
  private final String id;
  private final Map<String, String> sources = new LinkedHashMap<>();
  private final List<Class<?>> compileAgainst = new ArrayList<>(List.of(
      dev.tollgate.api.spi.TranslatorFactory.class, org.pf4j.Extension.class, jakarta.inject.Inject.class,
      com.fasterxml.jackson.databind.JsonNode.class, com.fasterxml.jackson.core.JsonParser.class,
      com.fasterxml.jackson.annotation.JsonInclude.class, org.slf4j.Logger.class));
  private final List<Path> libraries = new ArrayList<>();
  private boolean annotationProcessor = true;

  private TestPlugin(String id) {
    this.id = id;
  }

  static TestPlugin named(String id) {
    return new TestPlugin(id);
  }

  /** Adds a source file; {@code className} is the fully qualified name of its top-level class. */
  TestPlugin source(String className, String code) {
    sources.put(className, code);
    return this;
  }

  /** Compiles against the jar or directory holding {@code type} too (e.g. a core class the plugin should not use). */
  TestPlugin compiledAgainst(Class<?> type) {
    compileAgainst.add(type);
    return this;
  }

  /** Compiles against {@code jar} and ships it in the zip's {@code lib/}. */
  TestPlugin bundling(Path jar) {
    libraries.add(jar);
    return this;
  }

  /** Leaves out PF4J's annotation processor, so no {@code META-INF/extensions.idx} is written. */
  TestPlugin withoutAnnotationProcessor() {
    annotationProcessor = false;
    return this;
  }

  /** Writes the plugin jar: the compiled classes and a manifest naming the plugin. */
  Path jar(Path target) throws IOException {
    Path classes = compile(Files.createTempDirectory("test-plugin-" + id));
    return PluginJar.write(classes, id, target);
  }

  /** Writes the plugin zip: {@code plugin.properties}, the plugin jar and the bundled libraries in {@code lib/}. */
  Path zip(Path target) throws IOException {
    Path jar = jar(Files.createTempDirectory("test-plugin-jar").resolve(id + ".jar"));
    String properties = "plugin.id=" + id + "\nplugin.version=1.0.0\nplugin.provider=test\n"
        + "plugin.requires=>=2.0.0 & <3.0.0\n";
    Files.createDirectories(target.getParent());
    try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(target))) {
      out.putNextEntry(new ZipEntry("plugin.properties"));
      out.write(properties.getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
      List<Path> lib = new ArrayList<>(libraries);
      lib.add(jar);
      for (Path l : lib) {
        out.putNextEntry(new ZipEntry("lib/" + l.getFileName()));
        out.write(Files.readAllBytes(l));
        out.closeEntry();
      }
    }
    return target;
  }

  /** A plain library jar (no plugin manifest) of the given sources, to bundle in a plugin's {@code lib/}. */
  static Path library(Path target, String className, String code) throws IOException {
    TestPlugin lib = new TestPlugin("library").source(className, code).withoutAnnotationProcessor();
    Path classes = lib.compile(Files.createTempDirectory("test-library"));
    Files.createDirectories(target.getParent());
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(target));
         Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
        out.write(Files.readAllBytes(f));
        out.closeEntry();
      }
    }
    return target;
  }

  private Path compile(Path work) throws IOException {
    Path src = Files.createDirectories(work.resolve("src"));
    Path classes = Files.createDirectories(work.resolve("classes"));
    List<String> args = new ArrayList<>(List.of("--release", "17", "-d", classes.toString(), "-classpath",
        classPath()));
    if (annotationProcessor) {
      args.addAll(List.of("-processorpath", locationOf(org.pf4j.Extension.class).toString()));
    } else {
      args.add("-proc:none");
    }
    for (Map.Entry<String, String> s : sources.entrySet()) {
      Path file = src.resolve(s.getKey().replace('.', '/') + ".java");
      Files.createDirectories(file.getParent());
      Files.writeString(file, s.getValue());
      args.add(file.toString());
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    java.io.StringWriter errors = new java.io.StringWriter();
    int rc = javac.run(null, null, new OutputStream() {
      @Override
      public void write(int b) {
        errors.write(b);
      }
    }, args.toArray(String[]::new));
    if (rc != 0) {
      throw new IllegalStateException("test plugin " + id + " does not compile: " + errors);
    }
    return classes;
  }

  private String classPath() {
    List<String> entries = new ArrayList<>();
    for (Class<?> c : compileAgainst) {
      entries.add(locationOf(c).toString());
    }
    libraries.forEach(l -> entries.add(l.toString()));
    return String.join(java.io.File.pathSeparator, entries);
  }

  private static Path locationOf(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new UncheckedIOException(new IOException(e));
    }
  }
}
