package dev.tollgate.plugins.promptguards;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;
import java.net.URI;
import java.time.Duration;
import java.time.format.DateTimeParseException;

/** Settings shared by guards that call a service: where, how long to wait, and what a failure means. */
record RemoteGuard(URI url, Duration timeout, boolean failOpen) {
  static RemoteGuard parse(Settings s, String defaultUrl) throws InvalidConfigException {
    String url = defaultUrl == null ? s.string("url") : s.string("url", defaultUrl);
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(s.field("url"), "is not a URL: " + url);
    }
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
      throw new InvalidConfigException(s.field("url"), "must be an http or https URL");
    }
    Duration timeout;
    try {
      timeout = Duration.parse(s.string("timeout", "PT2S"));
    } catch (DateTimeParseException e) {
      throw new InvalidConfigException(s.field("timeout"), "must be an ISO-8601 duration such as PT0.5S");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new InvalidConfigException(s.field("timeout"), "must be positive");
    }
    return new RemoteGuard(uri, timeout, s.bool("failOpen", false));
  }
}
