package dev.tollgate.extproc;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class TlsHandshakeLogTest {
  private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
  private final ch.qos.logback.classic.Logger serverLog =
      (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(TollgateServer.class);
  private Instant now = Instant.parse("2026-12-01T10:00:00Z");

  @BeforeEach
  void capture() {
    captured.start();
    serverLog.addAppender(captured);
  }

  @AfterEach
  void release() {
    serverLog.detachAppender(captured);
  }

  private TlsHandshakeLog log() {
    Clock clock = new Clock() {
      @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
      @Override public Clock withZone(java.time.ZoneId zone) { return this; }
      @Override public Instant instant() { return now; }
    };
    return new TlsHandshakeLog(clock, Duration.ofMinutes(1), "check it");
  }

  private static LogRecord failed() {
    return new LogRecord(Level.FINE, "TLS negotiation failed for new client.\nSSLEngine Details: [...]");
  }

  @Test
  void theFirstFailureAtOnceThenOneLinePerWindowWithTheCount() {
    TlsHandshakeLog log = log();
    log.publish(failed());
    log.publish(failed());
    log.publish(failed());
    now = now.plusSeconds(61);
    log.publish(failed());
    assertThat(captured.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
        "a TLS handshake on the ext_proc listener failed: check it (logged at most once per 1 min)",
        "a TLS handshake on the ext_proc listener failed (and 2 more in the last 1 min): check it (logged at most once per 1 min)");
  }

  @Test
  void otherRecordsOfTheLoggerAreNotFailures() {
    TlsHandshakeLog log = log();
    log.publish(new LogRecord(Level.FINER, "TLS negotiation succeeded.\nSSLEngine Details: [...]"));
    assertThat(captured.list).isEmpty();
  }
}
