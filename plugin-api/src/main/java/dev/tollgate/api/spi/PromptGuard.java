package dev.tollgate.api.spi;

import java.util.List;

/**
 * Inspects the text of a prompt or an answer. Thread-safe. The platform extracts the texts
 * (message contents) and applies the verdict: a reject ends the exchange with a local reply in
 * the client's format; a mask replaces the texts and lets the exchange go on.
 */
public interface PromptGuard {
  enum Direction { REQUEST, RESPONSE }

  Verdict inspect(Direction direction, List<String> texts);

  /** The outcome of an inspection. */
  sealed interface Verdict permits Allow, Mask, Reject {
  }

  /** Let it pass unchanged. */
  record Allow() implements Verdict {
  }

  /** Replace the texts with {@code texts} (same count and order as inspected). */
  record Mask(List<String> texts) implements Verdict {
    public Mask {
      texts = List.copyOf(texts);
    }
  }

  /** Refuse with an HTTP status and a message shown to the client. */
  record Reject(int status, String message) implements Verdict {
  }

  Verdict ALLOW = new Allow();
}
