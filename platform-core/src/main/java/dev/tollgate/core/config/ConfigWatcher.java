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
  private ScheduledExecutorService poller;
  private volatile Consumer<CompiledConfig> listener = c -> { };

  /** Loads {@code file} once; throws when the first load fails, since there is nothing to serve with. */
  public ConfigWatcher(Path file, ConfigCompiler compiler) throws ConfigException {
    this.file = file;
    this.compiler = compiler;
    byte[] digest = digest();
    current.set(compiler.load(file));
    lastDigest = digest;
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
    poller.scheduleWithFixedDelay(this::checkNow, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Reloads if the file changed; returns true when a new config is now in force. */
  public synchronized boolean checkNow() {
    try {
      byte[] digest = digest();
      if (digest == null || Arrays.equals(digest, lastDigest)) {
        return false;
      }
      lastDigest = digest;
      CompiledConfig next = compiler.load(file);
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

  private byte[] digest() {
    try {
      return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
    } catch (IOException e) {
      return null; // missing for a moment (editor swap); keep what we have
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
