package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.core.Platform;
import dev.tollgate.core.plugin.PluginLoadException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Enumeration;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plugins as an operator installs them: jars and zips dropped into a plugins directory. */
class PluginLoadingTest {
  @TempDir
  Path dir;

  @Test
  void aPluginJarDroppedIntoTheDirectoryIsLoadedInItsOwnClassLoader() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Path jar = openAiJar(plugins.resolve("openai.jar"));
    assertThat(jar).exists();

    Platform.PluginSet set = Platform.loadPlugins(plugins, Clock.systemUTC());
    try {
      assertThat(set.registry().translators()).containsOnlyKeys("OpenAI");
      Object translator = set.registry().translator("OpenAI").orElseThrow();
      ClassLoader loader = translator.getClass().getClassLoader();
      assertThat(loader).isNotSameAs(getClass().getClassLoader());
      assertThat(loader.getClass().getName()).contains("PluginClassLoader");
      assertThat(set.manager().origin(translator)).contains("openai.jar");
    } finally {
      set.manager().stopPlugins();
    }
  }

  @Test
  void zipPluginsAreUnpackedAndLoaded() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(Plugins.dir().resolve("tollgate-plugin-api-key-plugin.zip"), plugins.resolve("api-key.zip"));
    Platform.PluginSet set = Platform.loadPlugins(plugins, Clock.systemUTC());
    try {
      assertThat(set.registry().auths()).containsOnlyKeys("APIKey");
    } finally {
      set.manager().stopPlugins();
    }
  }

  @Test
  void twoPluginsClaimingOneSchemaStopStartUpNamingBothJars() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Path original = openAiJar(plugins.resolve("openai.jar"));
    rewriteManifest(original, plugins.resolve("openai-fork.jar"), "Plugin-Id", "openai-fork");

    assertThatThrownBy(() -> Platform.loadPlugins(plugins, Clock.systemUTC()))
        .isInstanceOf(PluginLoadException.class)
        .hasMessageContaining("schema 'OpenAI'")
        .hasMessageContaining("openai.jar")
        .hasMessageContaining("openai-fork.jar");
  }

  @Test
  void twoPluginsWithOneIdStopStartUpNamingBothFiles() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Path original = openAiJar(plugins.resolve("openai.jar"));
    Files.copy(original, plugins.resolve("openai-copy.jar"));

    assertThatThrownBy(() -> Platform.loadPlugins(plugins, Clock.systemUTC()))
        .isInstanceOf(PluginLoadException.class)
        .hasMessageContaining("'openai'")
        .hasMessageContaining("openai.jar")
        .hasMessageContaining("openai-copy.jar");
  }

  @Test
  void aPluginForAnotherApiVersionIsRefusedWithAMessage() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Path original = openAiJar(dir.resolve("openai.jar"));
    rewriteManifest(original, plugins.resolve("openai-next.jar"), "Plugin-Requires", ">=2.0.0");

    Platform.PluginSet set = Platform.loadPlugins(plugins, Clock.systemUTC());
    try {
      assertThat(set.registry().translators()).isEmpty();
      assertThat(set.manager().refusedPlugins()).singleElement().asString()
          .contains("openai-next.jar").contains(">=2.0.0").contains("1.1.0");
    } finally {
      set.manager().stopPlugins();
    }
  }

  /** The OpenAI plugin's own jar, taken from its zip: a plugin jar with its PF4J manifest. */
  private static Path openAiJar(Path target) throws IOException {
    try (ZipFile zip = new ZipFile(Plugins.dir().resolve("tollgate-plugin-openai-plugin.zip").toFile())) {
      Enumeration<? extends ZipEntry> entries = zip.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        if (e.getName().matches("lib/tollgate-plugin-openai-.*\\.jar")) {
          try (InputStream in = zip.getInputStream(e)) {
            Files.copy(in, target);
          }
          return target;
        }
      }
    }
    throw new IllegalStateException("no plugin jar in the openai zip");
  }

  private static void rewriteManifest(Path from, Path to, String key, String value) throws IOException {
    try (JarFile in = new JarFile(from.toFile())) {
      Manifest m = new Manifest(in.getManifest());
      m.getMainAttributes().put(new Attributes.Name(key), value);
      try (OutputStream os = Files.newOutputStream(to); JarOutputStream out = new JarOutputStream(os, m)) {
        Enumeration<JarEntry> entries = in.entries();
        while (entries.hasMoreElements()) {
          JarEntry e = entries.nextElement();
          if (e.getName().equals("META-INF/MANIFEST.MF")) {
            continue;
          }
          out.putNextEntry(new JarEntry(e.getName()));
          try (InputStream is = in.getInputStream(e)) {
            is.transferTo(out);
          }
          out.closeEntry();
        }
      }
    }
  }
}
