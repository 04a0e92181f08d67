package dev.tollgate.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tollgate.api.GatewayException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A failing extension is logged at once, then at most once a minute per backend, extension and cause. */
class FailureLogTest {
  private final Logger logger = (Logger) LoggerFactory.getLogger(FailureLog.class);
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private Instant now = Instant.parse("2026-01-01T00:00:00Z");
  private final FailureLog log = new FailureLog(new Clock() {
    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }, Duration.ofMinutes(1));
  private Level was;

  @BeforeEach
  void capture() {
    appender.start();
    logger.addAppender(appender);
    was = logger.getLevel();
    logger.setLevel(Level.INFO);
  }

  @AfterEach
  void release() {
    logger.detachAppender(appender);
    logger.setLevel(was);
  }

  private List<String> lines() {
    return appender.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
  }

  @Test
  void oneLinePerMinuteWithTheCountOfTheOthers() {
    GatewayException unreadable = new GatewayException(500, "server_error", "cannot read the API key of backend 'a'");
    for (int i = 0; i < 5; i++) {
      log.failed("a", "auth/APIKey", unreadable, 500);
    }
    assertThat(lines()).containsExactly("WARN backend 'a': auth/APIKey failed, the client got 500: GatewayException: "
        + "cannot read the API key of backend 'a' (logged at most once per 1 min for this backend, extension and cause)");
    now = now.plusSeconds(59);
    log.failed("a", "auth/APIKey", unreadable, 500);
    assertThat(lines()).hasSize(1);
    now = now.plusSeconds(1);
    log.failed("a", "auth/APIKey", unreadable, 500);
    assertThat(lines()).hasSize(2);
    assertThat(lines().get(1)).contains("; 5 more like it not logged in the last 1 min");
    now = now.plusSeconds(61);
    log.failed("a", "auth/APIKey", unreadable, 500);
    assertThat(lines().get(2)).doesNotContain("more like it");
  }

  @Test
  void backendsExtensionsAndCausesAreCountedApartAndAThrowIsAnErrorWithoutItsStackTrace() {
    log.failed("a", "auth/APIKey", new IllegalStateException("boom"), 500);
    log.failed("b", "auth/APIKey", new IllegalStateException("boom"), 500);
    log.failed("a", "translator/OpenAI", new IllegalStateException("boom"), 502);
    log.failed("a", "auth/APIKey", new NullPointerException(), 500);
    log.failed("a", "auth/APIKey", new IllegalStateException("again"), 500);
    assertThat(lines()).hasSize(4).allMatch(l -> l.startsWith("ERROR backend '"));
    assertThat(lines().get(2)).startsWith("ERROR backend 'a': translator/OpenAI failed, the client got 502: "
        + "IllegalStateException: boom");
    assertThat(appender.list).allMatch(e -> e.getThrowableProxy() == null);
  }

  @Test
  void theStackTraceIsAtDebug() {
    logger.setLevel(Level.DEBUG);
    log.failed("a", "cost/CEL", new IllegalArgumentException("no such variable"), 200);
    assertThat(appender.list).hasSize(2);
    assertThat(appender.list.get(1).getLevel()).isEqualTo(Level.DEBUG);
    assertThat(appender.list.get(1).getThrowableProxy().getClassName()).isEqualTo("java.lang.IllegalArgumentException");
  }

  @Test
  void theCauseIsShortAndBounded() {
    assertThat(FailureLog.cause(new GatewayException(503, "overloaded", "x"))).isEqualTo("503 overloaded");
    assertThat(FailureLog.cause(new IllegalStateException("anything " + System.nanoTime())))
        .isEqualTo("IllegalStateException");
  }
}
