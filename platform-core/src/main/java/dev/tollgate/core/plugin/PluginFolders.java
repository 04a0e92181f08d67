package dev.tollgate.core.plugin;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Where plugins come from: one or more folders, all loaded (e.g. the built-in plugins and a folder
 * of the operator's own), and the work folder that plugin zips are unpacked in (empty: {@code
 * $TOLLGATE_WORK_DIR}, else a folder of this user's in the temporary folder).
 */
public record PluginFolders(List<Path> dirs, Optional<Path> workDir) {
  public PluginFolders {
    dirs = List.copyOf(dirs);
    if (dirs.isEmpty()) {
      throw new IllegalArgumentException("no plugins folder");
    }
    Objects.requireNonNull(workDir, "workDir");
  }

  /** One folder, zips unpacked in the default work folder. */
  public static PluginFolders of(Path dir) {
    return new PluginFolders(List.of(dir), Optional.empty());
  }

  /**
   * Folders written as a list separated by {@link File#pathSeparator} ({@code :} on Linux), as
   * {@code --plugins /opt/tollgate/plugins:/opt/tollgate/plugins.d}; empty entries are left out.
   *
   * @throws IllegalArgumentException when the list names no folder
   */
  public static PluginFolders parse(String list) {
    List<Path> dirs = Arrays.stream(list.split(File.pathSeparator)).filter(s -> !s.isBlank()).map(Path::of).toList();
    if (dirs.isEmpty()) {
      throw new IllegalArgumentException("'" + list + "' names no plugins folder");
    }
    return new PluginFolders(dirs, Optional.empty());
  }

  /** These folders, with zips unpacked under {@code dir}/plugins. */
  public PluginFolders withWorkDir(Path dir) {
    return new PluginFolders(dirs, Optional.of(dir));
  }

  /** The first folder that is not a directory, if any (an empty one is fine). */
  public Optional<Path> firstMissing() {
    return dirs.stream().filter(d -> !Files.isDirectory(d)).findFirst();
  }

  /** The folders as they are written on the command line. */
  @Override
  public String toString() {
    return dirs.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
  }
}
