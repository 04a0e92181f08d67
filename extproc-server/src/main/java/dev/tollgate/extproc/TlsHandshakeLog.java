package dev.tollgate.extproc;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes failed TLS handshakes on the ext_proc listener visible. grpc-java reports them only to
 * java.util.logging, at FINE, as "TLS negotiation failed for new client." (without the cause, which
 * it keeps for the connection), so a listener whose clients all fail says nothing at Tollgate's
 * log levels. This handler turns that record into a WARN: the first at once, then at most one per
 * {@link #WINDOW} with the count of those in between, naming what to check.
 */
final class TlsHandshakeLog extends Handler {
  static final Duration WINDOW = Duration.ofMinutes(1);
  /** grpc-java's logger of the server's TLS negotiation (shaded); held here so it is never collected. */
  private static final Logger NEGOTIATORS = Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiators");
  private static final String FAILED = "TLS negotiation failed";
  private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(TollgateServer.class);
  private static TlsHandshakeLog installed;

  private final Clock clock;
  private final Duration window;
  private final String advice;
  private Instant logged;
  private long suppressed;

  TlsHandshakeLog(Clock clock, Duration window, String advice) {
    this.clock = clock;
    this.window = window;
    this.advice = advice;
    setLevel(Level.FINE);
  }

  /** Listens on grpc-java's logger from now on (once per process; a later call changes the advice). */
  static synchronized void install(TollgateServer.Tls tls) {
    String advice = "check that the client (Envoy's cluster for Tollgate) speaks TLS, trusts the CA of " + tls.certChain()
        + (tls.clientCa() == null ? "" : " and presents a certificate signed by " + tls.clientCa() + " (--tls-client-ca)");
    if (installed != null) {
      NEGOTIATORS.removeHandler(installed);
    }
    installed = new TlsHandshakeLog(Clock.systemUTC(), WINDOW, advice);
    if (!NEGOTIATORS.isLoggable(Level.FINE)) {
      NEGOTIATORS.setLevel(Level.FINE);
    }
    NEGOTIATORS.addHandler(installed);
  }

  @Override
  public void publish(LogRecord record) {
    String message = record.getMessage();
    if (message == null || !message.startsWith(FAILED)) {
      return;
    }
    long before;
    synchronized (this) {
      Instant now = clock.instant();
      if (logged != null && now.isBefore(logged.plus(window))) {
        suppressed++;
        return;
      }
      logged = now;
      before = suppressed;
      suppressed = 0;
    }
    LOG.warn("a TLS handshake on the ext_proc listener failed" + (before == 0 ? "" : " (and " + before
        + " more in the last " + window.toMinutes() + " min)") + ": " + advice
        + " (logged at most once per " + window.toMinutes() + " min)");
  }

  @Override
  public void flush() {
  }

  @Override
  public void close() {
  }
}
