package dev.tollgate.core.plugin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.pf4j.PluginRepository;
import org.pf4j.util.FileUtils;

/**
 * The plugins directory as PF4J sees it: plugin jars, plugin zips (unpacked into a directory of the
 * same name) and unpacked plugin directories. A jar or zip that cannot be read is reported to
 * {@code refuse} in one line instead of PF4J's stack trace, and not offered for loading.
 */
final class PluginDirectory implements PluginRepository {
  private final List<Path> roots;
  private final Consumer<RefusedPlugin> refuse;

  PluginDirectory(List<Path> roots, Consumer<RefusedPlugin> refuse) {
    this.roots = List.copyOf(roots);
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
      List<Path> unreadableZips = new ArrayList<>();
      for (Path p : entries) {
        if (hasEnding(p, ".zip") && Files.isRegularFile(p) && !unpack(p)) {
          unreadableZips.add(unpackedDir(p));
        }
      }
      List<Path> current;
      try (Stream<Path> s = Files.list(root)) {
        current = s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
      } catch (IOException e) {
        throw new PluginLoadException("cannot list the plugins directory " + root + ": " + e.getMessage());
      }
      for (Path p : current) {
        if (Files.isDirectory(p) && !unreadableZips.contains(p)) {
          out.add(p);
        } else if (hasEnding(p, ".jar") && Files.isRegularFile(p) && readable(p, "jar")) {
          out.add(p);
        }
      }
    }
    return out;
  }

  private boolean unpack(Path zip) {
    if (!readable(zip, "zip")) {
      return false;
    }
    try {
      FileUtils.expandIfZip(zip);
      return true;
    } catch (IOException | RuntimeException e) {
      refuse.accept(new RefusedPlugin(null, zip, "cannot be unpacked into " + unpackedDir(zip) + ": " + e));
      return false;
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

  private static Path unpackedDir(Path zip) {
    String name = zip.getFileName().toString();
    return zip.resolveSibling(name.substring(0, name.length() - ".zip".length()));
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
