package dev.tollgate.controller.lead;

import dev.tollgate.controller.sink.ConfigSink;
import dev.tollgate.controller.translate.Translation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes to its sink only while this replica leads. Every replica translates (and serves xDS);
 * only the leader writes to Kubernetes. The latest translation is kept, and written when
 * leadership is won, so a new leader brings the outputs up to date at once.
 */
public final class LeaderGatedSink implements ConfigSink {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderGatedSink.class);

  private final ConfigSink sink;
  private Translation latest;
  private boolean leading;

  public LeaderGatedSink(ConfigSink sink) {
    this.sink = sink;
  }

  @Override
  public synchronized void publish(Translation t) throws Exception {
    latest = t;
    if (leading) {
      sink.publish(t);
    }
  }

  /** This replica leads from now on: writes the latest translation, if there is one. */
  public synchronized void startLeading() {
    leading = true;
    if (latest != null) {
      try {
        sink.publish(latest);
      } catch (Exception e) {
        // the next change publishes again; the controller reports failures the same way
        LOG.error("could not publish config {} to {} on becoming the leader: {}", latest.uuid(), sink, e.toString());
      }
    }
  }

  /** Another replica may lead now: nothing more is written. */
  public synchronized void stopLeading() {
    leading = false;
  }

  public synchronized boolean leading() {
    return leading;
  }

  @Override
  public String toString() {
    return sink + " (while leading)";
  }
}
