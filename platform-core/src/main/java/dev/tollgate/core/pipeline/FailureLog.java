package dev.tollgate.core.pipeline;

import dev.tollgate.api.GatewayException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs extensions that fail on the request path, rate-limited per (backend, extension, cause):
 * the first failure at once, then at most one line per {@link #WINDOW} with the count of those
 * not logged in between. WARN for a {@link GatewayException} (a plugin's own 5xx), ERROR for
 * anything else it threw; the message only, the stack trace at DEBUG.
 */
public final class FailureLog {
  /** The longest a repeated failure goes unlogged. */
  public static final Duration WINDOW = Duration.ofMinutes(1);
  /** Most distinct keys remembered; past it the memory starts over (failures are logged again). */
  private static final int MAX_KEYS = 1024;
  private static final int MAX_MESSAGE = 300;
  private static final Logger LOG = LoggerFactory.getLogger(FailureLog.class);

  private record Key(String backend, String extension, String cause) {
  }

  /** The last time a key was logged and how many of its failures went unlogged since. */
  private record Window(Instant logged, long suppressed) {
  }

  private final Clock clock;
  private final Duration window;
  private final Map<Key, Window> windows = new HashMap<>();

  public FailureLog(Clock clock, Duration window) {
    this.clock = clock;
    this.window = window;
  }

  /** On the system clock, one line per minute. */
  public FailureLog() {
    this(Clock.systemUTC(), WINDOW);
  }

  /**
   * The short, bounded name of a failure, for metrics and for telling failures apart: a
   * {@link GatewayException}'s status and type ({@code 500 server_error}), else the class's
   * simple name ({@code IllegalStateException}).
   */
  public static String cause(Throwable error) {
    return error instanceof GatewayException g ? g.status() + " " + g.type() : error.getClass().getSimpleName();
  }

  /**
   * Reports that {@code extension} (e.g. {@code auth/APIKey}, {@code translator/OpenAI}) failed
   * with {@code error} on an exchange of {@code backend}; the client got {@code status} (0: nothing yet).
   */
  public void failed(String backend, String extension, Throwable error, int status) {
    Key key = new Key(backend, extension, cause(error));
    long suppressed;
    synchronized (windows) {
      Instant now = clock.instant();
      Window w = windows.get(key);
      if (w != null && now.isBefore(w.logged().plus(window))) {
        windows.put(key, new Window(w.logged(), w.suppressed() + 1));
        return;
      }
      if (w == null && windows.size() >= MAX_KEYS) {
        windows.clear();
      }
      windows.put(key, new Window(now, 0));
      suppressed = w == null ? 0 : w.suppressed();
    }
    String line = "backend '" + backend + "': " + extension + " failed" + (status > 0 ? ", the client got " + status : "") + ": "
        + describe(error) + (suppressed == 0 ? "" : "; " + suppressed + " more like it not logged in the last "
        + every()) + " (logged at most once per " + every() + " for this backend, extension and cause)";
    if (error instanceof GatewayException) {
      LOG.warn(line);
    } else {
      LOG.error(line);
    }
    LOG.debug("stack trace of the failure above", error);
  }

  private String every() {
    return window.toSeconds() % 60 == 0 ? window.toMinutes() + " min" : window.toSeconds() + " s";
  }

  /** The error's class and message, and its cause's, on one line. */
  private static String describe(Throwable error) {
    String text = error.getClass().getSimpleName() + (error.getMessage() == null ? "" : ": " + error.getMessage());
    Throwable cause = error.getCause();
    if (cause != null && cause != error) {
      text += " (caused by " + cause.getClass().getSimpleName()
          + (cause.getMessage() == null ? "" : ": " + cause.getMessage()) + ")";
    }
    text = text.replaceAll("[\\r\\n\\t]+", " ");
    return text.length() > MAX_MESSAGE ? text.substring(0, MAX_MESSAGE) + "…" : text;
  }
}
