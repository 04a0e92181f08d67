package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.Guice;
import com.google.inject.Injector;
import dev.tollgate.api.PlatformServices;
import dev.tollgate.core.PlatformServicesImpl;
import dev.tollgate.core.plugin.PluginRegistry;
import dev.tollgate.core.plugin.TollgatePluginManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pf4j.PluginWrapper;

/**
 * Plugin zips in a read-only plugins folder (a Kubernetes ConfigMap or volume): they are unpacked
 * into a work folder of Tollgate's own, once per content, and messages still name the zip.
 */
class PluginWorkFolderTest {
  @TempDir
  Path dir;

  @Test
  void zipsInAReadOnlyPluginsFolderLoadAndNothingIsWrittenThere() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(Plugins.dir().resolve("tollgate-plugin-api-key-plugin.zip"), plugins.resolve("api-key.zip"));
    Files.copy(Plugins.dir().resolve("tollgate-plugin-openai-plugin.zip"), plugins.resolve("openai.zip"));
    Map<String, String> before = snapshot(plugins);
    Files.setPosixFilePermissions(plugins, PosixFilePermissions.fromString("r-xr-xr-x"));
    try {
      TollgatePluginManager manager = load(plugins, dir.resolve("work"));
      try {
        assertThat(manager.refusedPlugins()).isEmpty();
        PluginRegistry registry = PluginRegistry.from(manager);
        assertThat(registry.auths()).containsOnlyKeys("APIKey");
        assertThat(registry.translators()).isNotEmpty();
        assertThat(manager.origin(registry.auth("APIKey").orElseThrow())).isEqualTo(
            plugins.resolve("api-key.zip").toString());
        assertThat(manager.getPlugin("api-key").getPluginPath()).startsWith(dir.resolve("work"));
      } finally {
        manager.stopPlugins();
      }
    } finally {
      Files.setPosixFilePermissions(plugins, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    assertThat(snapshot(plugins)).isEqualTo(before);
  }

  @Test
  void aChangedZipIsUnpackedAnewAndAnUnchangedOneIsReused() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Path zip = plugins.resolve("api-key.zip");
    withVersion(Plugins.dir().resolve("tollgate-plugin-api-key-plugin.zip"), zip, "1.0.0");
    Path work = dir.resolve("work");

    Path first = loadedPath(plugins, work, "1.0.0");
    assertThat(loadedPath(plugins, work, "1.0.0")).isEqualTo(first);

    Files.delete(zip);
    withVersion(Plugins.dir().resolve("tollgate-plugin-api-key-plugin.zip"), zip, "1.0.1");
    Path second = loadedPath(plugins, work, "1.0.1");
    assertThat(second).isNotEqualTo(first);
    assertThat(first).isDirectory(); // a manager still running on the old zip keeps its files
  }

  @Test
  void twoManagersAtOnceShareOneUnpackedCopyWithoutColliding() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(Plugins.dir().resolve("tollgate-plugin-api-key-plugin.zip"), plugins.resolve("api-key.zip"));
    Files.copy(Plugins.dir().resolve("tollgate-plugin-openai-plugin.zip"), plugins.resolve("openai.zip"));
    Path work = dir.resolve("work");
    CyclicBarrier start = new CyclicBarrier(2);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<TollgatePluginManager>> managers = Stream.of(1, 2).map(i -> pool.submit(() -> {
        start.await();
        return load(plugins, work);
      })).toList();
      for (Future<TollgatePluginManager> f : managers) {
        TollgatePluginManager manager = f.get();
        try {
          assertThat(manager.refusedPlugins()).isEmpty();
          assertThat(manager.getStartedPlugins()).extracting(PluginWrapper::getPluginId)
              .containsExactlyInAnyOrder("api-key", "openai");
        } finally {
          manager.stopPlugins();
        }
      }
    } finally {
      pool.shutdownNow();
    }
    try (Stream<Path> s = Files.walk(work, 3)) {
      assertThat(s.filter(p -> p.getNameCount() == work.getNameCount() + 3).map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("api-key", "openai"); // one copy each, no partial folder left
    }
  }

  @Test
  void anOlderTollgatesUnpackedCopyBesideTheZipIsLeftOut() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Path zip = Files.copy(Plugins.dir().resolve("tollgate-plugin-api-key-plugin.zip"), plugins.resolve("api-key.zip"));
    unzip(zip, Files.createDirectories(plugins.resolve("api-key")));

    TollgatePluginManager manager = load(plugins, dir.resolve("work"));
    try {
      assertThat(manager.getStartedPlugins()).singleElement()
          .satisfies(p -> assertThat(manager.source(p.getPluginPath())).isEqualTo(zip));
    } finally {
      manager.stopPlugins();
    }
  }

  @Test
  void aZipThatCannotBeUnpackedIsRefusedNamingTheZip() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(Plugins.dir().resolve("tollgate-plugin-api-key-plugin.zip"), plugins.resolve("api-key.zip"));
    Path notAFolder = Files.writeString(dir.resolve("work"), "a file where the work folder should be");

    TollgatePluginManager manager = load(plugins, notAFolder);
    try {
      assertThat(manager.getPlugins()).isEmpty();
      assertThat(manager.refusedPlugins()).singleElement().asString()
          .contains(plugins.resolve("api-key.zip").toString()).contains("cannot be unpacked into")
          .contains("TOLLGATE_WORK_DIR");
    } finally {
      manager.stopPlugins();
    }
  }

  private static TollgatePluginManager load(Path plugins, Path work) {
    TollgatePluginManager manager = new TollgatePluginManager(plugins, work);
    Injector injector = Guice.createInjector(b -> {
      b.bind(PlatformServices.class).toInstance(new PlatformServicesImpl(Clock.systemUTC()));
      b.bind(Clock.class).toInstance(Clock.systemUTC());
    });
    manager.useInjector(() -> injector);
    manager.loadAndStart();
    return manager;
  }

  /** Loads the plugins, checks the api-key plugin's version, and returns the folder it was loaded from. */
  private static Path loadedPath(Path plugins, Path work, String version) {
    TollgatePluginManager manager = load(plugins, work);
    try {
      PluginWrapper p = manager.getPlugin("api-key");
      assertThat(p.getDescriptor().getVersion()).isEqualTo(version);
      return p.getPluginPath();
    } finally {
      manager.stopPlugins();
    }
  }

  /** Every file and folder under {@code root}, with its size and modification time. */
  private static Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.toList()) {
        out.put(root.relativize(p).toString(), Files.size(p) + " " + Files.getLastModifiedTime(p));
      }
    }
    return out;
  }

  /** A copy of the plugin zip {@code from} whose plugin.properties says {@code version}. */
  private static void withVersion(Path from, Path to, String version) throws IOException {
    try (ZipFile in = new ZipFile(from.toFile()); ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(to))) {
      Enumeration<? extends ZipEntry> entries = in.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        out.putNextEntry(new ZipEntry(e.getName()));
        try (InputStream is = in.getInputStream(e)) {
          if (e.getName().equals("plugin.properties")) {
            String text = new String(is.readAllBytes(), StandardCharsets.UTF_8);
            out.write(text.replaceAll("(?m)^plugin\\.version=.*$", "plugin.version=" + version)
                .getBytes(StandardCharsets.UTF_8));
          } else {
            is.transferTo(out);
          }
        }
      }
    }
  }

  private static void unzip(Path zip, Path into) throws IOException {
    try (ZipFile in = new ZipFile(zip.toFile())) {
      Enumeration<? extends ZipEntry> entries = in.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        Path target = into.resolve(e.getName());
        if (e.isDirectory()) {
          Files.createDirectories(target);
        } else {
          Files.createDirectories(target.getParent());
          try (InputStream is = in.getInputStream(e)) {
            Files.copy(is, target);
          }
        }
      }
    }
  }
}
