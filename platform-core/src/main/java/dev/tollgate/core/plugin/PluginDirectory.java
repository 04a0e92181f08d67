package dev.tollgate.core.plugin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.pf4j.PluginRepository;
import org.pf4j.util.FileUtils;

/**
 * The plugins directory as PF4J sees it: plugin jars, plugin zips and unpacked plugin directories.
 * A zip is unpacked into the {@link PluginWorkFolder}, never beside it, so the directory can be
 * read-only; a directory named like a zip beside it (an older Tollgate's unpacked copy) is left
 * out. Messages name the zip, not the folder it was unpacked in ({@link #source}). A jar or zip
 * that cannot be read is reported to {@code refuse} in one line instead of PF4J's stack trace, and
 * not offered for loading.
 */
final class PluginDirectory implements PluginRepository {
  private final List<Path> roots;
  private final Supplier<PluginWorkFolder> work;
  private final Consumer<RefusedPlugin> refuse;
  private final Map<Path, Path> zips = new ConcurrentHashMap<>();

  PluginDirectory(List<Path> roots, Supplier<PluginWorkFolder> work, Consumer<RefusedPlugin> refuse) {
    this.roots = List.copyOf(roots);
    this.work = work;
    this.refuse = refuse;
  }

  @Override
  public List<Path> getPluginPaths() {
    List<Path> out = new ArrayList<>();
    for (Path root : roots) {
      if (!Files.isDirectory(root)) {
        continue;
      }
      List<Path> entries;
      try (Stream<Path> s = Files.list(root)) {
        entries = s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
      } catch (IOException e) {
        throw new PluginLoadException("cannot list the plugins directory " + root + ": " + e.getMessage());
      }
      for (Path p : entries) {
        if (hasEnding(p, ".zip") && Files.isRegularFile(p)) {
          unpack(p).ifPresent(out::add);
        } else if (Files.isDirectory(p) && !Files.isRegularFile(p.resolveSibling(p.getFileName() + ".zip"))) {
          out.add(p);
        } else if (hasEnding(p, ".jar") && Files.isRegularFile(p) && readable(p, "jar")) {
          out.add(p);
        }
      }
    }
    return out;
  }

  /** The file the operator installed for {@code pluginPath}: the zip it was unpacked from, or itself. */
  Path source(Path pluginPath) {
    return pluginPath == null ? null : zips.getOrDefault(pluginPath, pluginPath);
  }

  private Optional<Path> unpack(Path zip) {
    if (!readable(zip, "zip")) {
      return Optional.empty();
    }
    PluginWorkFolder folder = work.get();
    try {
      Path unpacked = folder.unpack(zip);
      zips.put(unpacked, zip);
      return Optional.of(unpacked);
    } catch (IOException | RuntimeException e) {
      refuse.accept(new RefusedPlugin(null, zip, "cannot be unpacked into " + folder.root() + ": " + e
          + "; make it writable or set " + PluginWorkFolder.ENV + " (or --work-dir) to a writable folder"));
      return Optional.empty();
    }
  }

  private boolean readable(Path file, String kind) {
    try (ZipFile ignored = new ZipFile(file.toFile())) {
      return true;
    } catch (IOException e) {
      refuse.accept(new RefusedPlugin(null, file, "is not a readable " + kind + " (" + e.getMessage()
          + "); replace it with a good copy of the plugin"));
      return false;
    }
  }

  private static boolean hasEnding(Path p, String ending) {
    return p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(ending);
  }

  @Override
  public boolean deletePluginPath(Path pluginPath) {
    try {
      FileUtils.delete(pluginPath);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
