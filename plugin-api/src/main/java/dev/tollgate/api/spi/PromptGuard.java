package dev.tollgate.api.spi;

import java.util.List;

/**
 * Inspects the text of a prompt or an answer. Thread-safe. The platform extracts the texts
 * (message contents) and applies the verdict: a reject ends the exchange with a local reply in
 * the client's format; a mask replaces the texts and lets the exchange go on.
 *
 * <p>Streamed answers: a guard that can judge text as it arrives returns a {@link StreamScan}
 * from {@link #openStream()}; when every response guard of an exchange does, the platform
 * forwards the answer as it comes and holds back only what the scans hold. Otherwise (the
 * default) the platform holds a streamed answer until it ends and calls {@link #inspect} on the
 * whole text.
 */
public interface PromptGuard {
  enum Direction { REQUEST, RESPONSE }

  Verdict inspect(Direction direction, List<String> texts);

  /**
   * Opens a scan of one streamed answer text (one choice or content block), or returns null when
   * this guard must see the whole text (e.g. it asks a remote service). Must answer the same way
   * (null or not) every time. Called on the thread that handles the answer; must not block.
   */
  default StreamScan openStream() {
    return null;
  }

  /**
   * One streamed text, checked as it arrives. Not thread-safe: the platform feeds one scan from
   * one thread, in order. The text it gives back is what may reach the client; what it keeps is
   * held back until a later piece shows whether it belongs to a match. A scan should hold a
   * bounded amount (its window) so that a long answer does not pile up in memory.
   */
  interface StreamScan {
    /** Takes the next piece of the text; returns what may go out now (masked where needed) or a rejection. */
    Step feed(String piece);

    /** The text has ended: returns everything still held (masked where needed) or a rejection. */
    Step finish();
  }

  /** What a {@link StreamScan} answers: text to release, or a rejection that ends the answer. */
  sealed interface Step permits Release, Reject {
  }

  /** Text that may go to the client now; may be empty. */
  record Release(String text) implements Step {
    public static final Release NOTHING = new Release("");
  }

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

  /**
   * Refuse with an HTTP status and a message shown to the client; in a stream, it ends the answer
   * with an error event in the client's stream format.
   */
  record Reject(int status, String message) implements Verdict, Step {
  }

  Verdict ALLOW = new Allow();
}
