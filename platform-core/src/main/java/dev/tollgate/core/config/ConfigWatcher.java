package dev.tollgate.core.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the config in force and reloads it when the file's content changes. Polls the content
 * (not the modification time), which also catches Kubernetes ConfigMap symlink swaps. A new file
 * that fails to load is reported and the last good config stays.
 *
 * <p>The poll never takes a file that is still being written: new content is loaded only once two
 * consecutive polls, one interval apart, read exactly the same bytes, and only if it is not empty and
 * ends with a newline (a file cut off mid-line does not). A truncated YAML file is often still valid YAML, but
 * a different config (a list of rules cut after its first rule); these two rules keep a careless
 * {@code >} redirect or an editor writing in pieces from putting half a config in force. A writer
 * that pauses longer than the interval in mid-file can still be seen half-way: write the new file
 * beside the old one and rename it into place (what {@code tollgate controller} and Kubernetes
 * ConfigMap updates do), which is atomic. The bytes compiled are the bytes compared, never a
 * second read.
 */
public final class ConfigWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigWatcher.class);

  private final Path file;
  private final ConfigCompiler compiler;
  private final AtomicReference<CompiledConfig> current = new AtomicReference<>();
  private final AtomicLong reloads = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private volatile String lastError;
  private volatile byte[] lastDigest;
  /** New content seen by the last poll and not loaded yet: loaded if the next poll reads it again. */
  private byte[] pendingDigest;
  /** The digest of the content last reported as incomplete, so that it is reported once. */
  private byte[] reportedIncomplete;
  private ScheduledExecutorService poller;
  private volatile Consumer<CompiledConfig> listener = c -> { };

  /** Loads {@code file} once; throws when the first load fails, since there is nothing to serve with. */
  public ConfigWatcher(Path file, ConfigCompiler compiler) throws ConfigException {
    this.file = file;
    this.compiler = compiler;
    byte[] content = read();
    current.set(content == null ? compiler.load(file) : compiler.compile(content, file));
    lastDigest = content == null ? null : digest(content);
    LOG.info("gateway config {} loaded (uuid {})", file, current.get().config().uuid());
  }

  public CompiledConfig current() {
    return current.get();
  }

  public void onReload(Consumer<CompiledConfig> listener) {
    this.listener = listener;
  }

  /** Starts polling every {@code interval}. */
  public synchronized void watch(Duration interval) {
    if (poller != null) {
      return;
    }
    poller = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tollgate-config-watcher");
      t.setDaemon(true);
      return t;
    });
    poller.scheduleWithFixedDelay(this::poll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * One poll: reloads the file if its content changed, is the same as the previous poll read, and
   * ends with a newline; returns true when a new config is now in force. Content that changed
   * since the previous poll, or lacks its final newline, is taken as still being written.
   */
  public synchronized boolean poll() {
    byte[] content = read();
    if (content == null) {
      return false;
    }
    byte[] digest = digest(content);
    if (Arrays.equals(digest, lastDigest)) {
      pendingDigest = null;
      return false;
    }
    if (!Arrays.equals(digest, pendingDigest)) {
      pendingDigest = digest;
      LOG.debug("gateway config {} changed; loading it once it reads the same on the next poll", file);
      return false;
    }
    if (content.length == 0 || content[content.length - 1] != '\n') {
      if (!Arrays.equals(digest, reportedIncomplete)) {
        reportedIncomplete = digest;
        LOG.warn("gateway config {} not reloaded yet, keeping uuid {}: it is empty or does not end with a "
            + "newline, so it looks cut off mid-write; finish the file with a newline (or write it elsewhere and rename it into place)",
            file, current.get().config().uuid());
      }
      return false;
    }
    pendingDigest = null;
    return load(content, digest);
  }

  /**
   * Reloads now if the file changed, taking it as complete (for a caller who knows it is, e.g. a
   * test or an operator's explicit request); returns true when a new config is now in force.
   */
  public synchronized boolean checkNow() {
    byte[] content = read();
    if (content == null) {
      return false;
    }
    byte[] digest = digest(content);
    if (Arrays.equals(digest, lastDigest)) {
      return false;
    }
    pendingDigest = null;
    return load(content, digest);
  }

  private boolean load(byte[] content, byte[] digest) {
    try {
      lastDigest = digest;
      CompiledConfig next = compiler.compile(content, file);
      current.set(next);
      reloads.incrementAndGet();
      lastError = null;
      LOG.info("gateway config {} reloaded (uuid {})", file, next.config().uuid());
      listener.accept(next);
      return true;
    } catch (ConfigException e) {
      failures.incrementAndGet();
      lastError = e.getMessage();
      LOG.error("gateway config not reloaded, keeping uuid {}: {}", current.get().config().uuid(), e.getMessage());
      return false;
    } catch (RuntimeException e) {
      failures.incrementAndGet();
      lastError = e.toString();
      LOG.error("gateway config not reloaded, keeping uuid {}", current.get().config().uuid(), e);
      return false;
    }
  }

  public long reloads() {
    return reloads.get();
  }

  public long failedReloads() {
    return failures.get();
  }

  /** The last reload error, or null when the newest file is in force. */
  public String lastError() {
    return lastError;
  }

  private byte[] read() {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      return null; // missing for a moment (editor swap); keep what we have
    }
  }

  private static byte[] digest(byte[] content) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(content);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public synchronized void close() {
    if (poller != null) {
      poller.shutdownNow();
    }
  }
}
