package dev.tollgate.core.plugin;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.pf4j.util.FileUtils;

/**
 * Where plugin zips are unpacked: a folder of Tollgate's own, so that the plugins directory can be
 * read-only. A zip is unpacked into {@code ROOT/HASH/NAME/}, HASH being the start of its content's
 * SHA-256: completely or not at all (into a hidden folder that is then renamed), so that managers
 * in one process or several share an unpacked zip safely, a zip that has not changed is not
 * unpacked again, and a changed one gets a folder of its own.
 *
 * <p>ROOT is {@code $TOLLGATE_WORK_DIR/plugins}, else {@code tollgate-USER/plugins} under
 * {@code java.io.tmpdir}; the latter must belong to this user and be writable by nobody else.
 */
final class PluginWorkFolder {
  /** The environment variable that names Tollgate's work folder. */
  static final String ENV = "TOLLGATE_WORK_DIR";

  private final Path root;
  private final boolean shared;

  private PluginWorkFolder(Path root, boolean shared) {
    this.root = root;
    this.shared = shared;
  }

  /** Unpacks under {@code workDir}/plugins, a folder the operator chose. */
  static PluginWorkFolder in(Path workDir) {
    return new PluginWorkFolder(workDir.resolve("plugins"), false);
  }

  /** {@code $TOLLGATE_WORK_DIR/plugins}, else a folder of this user's under {@code java.io.tmpdir}. */
  static PluginWorkFolder fromEnvironment() {
    String dir = System.getenv(ENV);
    if (dir != null && !dir.isBlank()) {
      return in(Path.of(dir));
    }
    Path own = Path.of(System.getProperty("java.io.tmpdir"), "tollgate-" + System.getProperty("user.name"));
    return new PluginWorkFolder(own.resolve("plugins"), true);
  }

  Path root() {
    return root;
  }

  /** The folder {@code zip} is unpacked in: made now, or the one made before for the same content. */
  Path unpack(Path zip) throws IOException {
    String name = zip.getFileName().toString().replaceFirst("(?i)\\.zip$", "");
    Path dir = Files.createDirectories(checkedRoot().resolve(contentHash(zip)));
    Path unpacked = dir.resolve(name);
    if (Files.isDirectory(unpacked)) {
      return unpacked;
    }
    Path partial = Files.createTempDirectory(dir, "." + name + ".partial-");
    try {
      extract(zip, partial);
      try {
        Files.move(partial, unpacked, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        // another manager unpacked the same content first: use its folder (Linux reports the
        // rename onto it as a plain "Directory not empty", not always as one of the typed exceptions)
        if (!Files.isDirectory(unpacked)) {
          throw e;
        }
      }
    } finally {
      if (Files.exists(partial)) {
        FileUtils.delete(partial);
      }
    }
    return unpacked;
  }

  /**
   * The root, made if need be. A root in the shared temporary folder must be this user's alone, or
   * someone else could put code there for Tollgate to load.
   */
  private Path checkedRoot() throws IOException {
    if (!shared) {
      return Files.createDirectories(root);
    }
    Path own = root.getParent();
    PosixFileAttributeView posix = Files.getFileAttributeView(own.getParent(), PosixFileAttributeView.class);
    if (posix == null) {
      return Files.createDirectories(root);
    }
    if (!Files.isDirectory(own)) {
      Files.createDirectories(own, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    Path probe = Files.createTempFile(own, ".owner", "");
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(own);
      if (!Files.getOwner(own).equals(Files.getOwner(probe)) || perms.contains(PosixFilePermission.GROUP_WRITE)
          || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
        throw new IOException(own + " belongs to someone else or is writable by others; remove it or set " + ENV
            + " to a folder of your own");
      }
    } finally {
      Files.deleteIfExists(probe);
    }
    return Files.createDirectories(root);
  }

  private static void extract(Path zip, Path into) throws IOException {
    try (ZipFile file = new ZipFile(zip.toFile())) {
      Enumeration<? extends ZipEntry> entries = file.entries();
      while (entries.hasMoreElements()) {
        ZipEntry entry = entries.nextElement();
        Path target = into.resolve(entry.getName()).normalize();
        if (!target.startsWith(into)) {
          throw new IOException("its entry " + entry.getName() + " points outside the zip");
        }
        if (entry.isDirectory()) {
          Files.createDirectories(target);
          continue;
        }
        Files.createDirectories(target.getParent());
        try (InputStream in = file.getInputStream(entry)) {
          Files.copy(in, target);
        }
      }
    }
  }

  private static String contentHash(Path zip) throws IOException {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
    try (InputStream in = new DigestInputStream(Files.newInputStream(zip), sha)) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(sha.digest(), 0, 8);
  }
}
