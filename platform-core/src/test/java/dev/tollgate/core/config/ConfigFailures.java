package dev.tollgate.core.config;

import dev.tollgate.api.InvalidConfigException;

/**
 * What the fuzz tests accept as a config error: the documented {@link ConfigException}, whose
 * message starts with the file and, for a wrong value, names the field (its cause, an
 * {@link InvalidConfigException}, carries the field path).
 */
final class ConfigFailures {
  private ConfigFailures() {
  }

  static void check(ConfigException e, String source) {
    String m = e.getMessage();
    if (m == null || !m.startsWith(source + ": ")) {
      throw new AssertionError("a config error must start with the file's name, got: " + m, e);
    }
    if (e.getCause() instanceof InvalidConfigException ice) {
      if (ice.field() == null || ice.field().isBlank()) {
        throw new AssertionError("a config error must name the field, got: " + m, e);
      }
      if (!m.startsWith(source + ": " + ice.field() + ": ")) {
        throw new AssertionError("the field must follow the file's name, got: " + m, e);
      }
    } else if (e.getCause() != null) {
      throw new AssertionError("unexpected cause of a config error", e);
    }
  }
}
