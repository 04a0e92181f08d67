package dev.tollgate.controller.source;

import dev.tollgate.controller.Controller;
import dev.tollgate.controller.resource.InvalidResourcesException;
import dev.tollgate.controller.resource.Problem;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds a {@link Controller} from a {@link DirectorySource}: once at start, then whenever the
 * directory's fingerprint changes (polled, which also works for Kubernetes ConfigMap mounts and
 * network file systems where change events are unreliable).
 */
public final class DirectoryWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DirectoryWatcher.class);

  private final DirectorySource source;
  private final Controller controller;
  private final ScheduledExecutorService poller;
  private String lastFingerprint;

  public DirectoryWatcher(DirectorySource source, Controller controller) {
    this.source = source;
    this.controller = controller;
    this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tollgate-resource-watcher");
      t.setDaemon(true);
      return t;
    });
  }

  /** Loads now, then polls every {@code interval}. */
  public DirectoryWatcher start(Duration interval) {
    checkNow();
    poller.scheduleWithFixedDelay(this::checkNow, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** Recomputes if the directory changed since the last check; returns the outcome, or null when unchanged. */
  public synchronized Controller.Outcome checkNow() {
    try {
      String fp = source.fingerprint();
      if (fp.equals(lastFingerprint)) {
        return null;
      }
      lastFingerprint = fp;
      try {
        Controller.Outcome outcome = controller.update(source.read());
        if (outcome == Controller.Outcome.FAILED) {
          lastFingerprint = null; // publishing failed: try again on the next poll
        }
        return outcome;
      } catch (InvalidResourcesException e) {
        return controller.reject(e.problems());
      }
    } catch (IOException e) {
      lastFingerprint = null;
      return controller.reject(List.of(new Problem(source.dir().toString(), "(directory)", "cannot be read: " + e.getMessage())));
    } catch (RuntimeException e) {
      LOG.error("resource directory {} not processed", source.dir(), e);
      return Controller.Outcome.FAILED;
    }
  }

  @Override
  public void close() {
    poller.shutdownNow();
    try {
      // a check in progress may still be writing the outputs: nothing is written once close returns
      if (!poller.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("the directory check did not stop within 5 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
