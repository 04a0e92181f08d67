package dev.tollgate.plugins.promptguards;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;

/** What a pattern guard does on a match: reject with a status and message, or mask with a replacement. */
record Action(boolean reject, int status, String message, String replacement) {
  static Action parse(Settings s) throws InvalidConfigException {
    String action = s.string("action", "Reject");
    int status = (int) s.longValue("status", 400);
    if (status < 400 || status > 599) {
      throw new InvalidConfigException(s.field("status"), "must be an HTTP error status (400-599)");
    }
    return switch (action) {
      case "Reject" -> new Action(true, status, s.optionalString("message").orElse(null), null);
      case "Mask" -> new Action(false, status, null, s.optionalString("replacement").orElse(null));
      default -> throw new InvalidConfigException(s.field("action"), "must be Reject or Mask, not '" + action + "'");
    };
  }

  String replacement(String name) {
    return replacement != null ? replacement : "[REDACTED:" + name + "]";
  }
}
