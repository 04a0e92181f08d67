package dev.tollgate.plugins.promptguards;

import dev.tollgate.api.spi.PromptGuard;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;

/**
 * The {@code Regex} guard: each detector in turn over each text (a detector sees the masks of
 * the ones before it). Whole texts are checked at once; streamed ones through a {@link Scan}
 * per text, which holds back only what could still be the start of a match.
 */
final class RegexGuard implements PromptGuard {
  /** Characters before the held text kept as context for look-behinds such as {@code (?<!\d)}. */
  static final int CONTEXT = 32;

  private final List<RegexGuardFactory.Detector> detectors;
  private final Action action;

  RegexGuard(List<RegexGuardFactory.Detector> detectors, Action action) {
    this.detectors = List.copyOf(detectors);
    this.action = action;
  }

  @Override
  public Verdict inspect(Direction direction, List<String> texts) {
    List<String> out = new ArrayList<>(texts.size());
    boolean changed = false;
    for (String text : texts) {
      String current = text;
      for (RegexGuardFactory.Detector d : detectors) {
        Matcher m = d.pattern().matcher(current);
        StringBuilder sb = null;
        int last = 0;
        int from = 0;
        while (from <= current.length() && m.find(from)) {
          if (d.luhn() && !RegexGuardFactory.luhn(m.group())) {
            from = m.start() + 1; // not a card; a later start in the same digits may be one
            continue;
          }
          from = m.end() == m.start() ? m.end() + 1 : m.end();
          if (action.reject()) {
            return reject(d, direction);
          }
          if (sb == null) {
            sb = new StringBuilder();
          }
          sb.append(current, last, m.start()).append(action.replacement(d.name()));
          last = m.end();
        }
        if (sb != null) {
          sb.append(current.substring(last));
          current = sb.toString();
          changed = true;
        }
      }
      out.add(current);
    }
    return changed ? new Mask(out) : ALLOW;
  }

  private Reject reject(RegexGuardFactory.Detector d, Direction direction) {
    return new Reject(action.status(), action.message() != null ? action.message()
        : "the " + (direction == Direction.REQUEST ? "prompt" : "answer") + " contains "
            + d.name() + " data, which this gateway does not let through");
  }

  @Override
  public StreamScan openStream() {
    return new Scan();
  }

  /** One streamed text through every detector, each a stage fed by the one before. */
  private final class Scan implements StreamScan {
    private final List<Stage> stages = new ArrayList<>();
    private boolean rejected;

    Scan() {
      detectors.forEach(d -> stages.add(new Stage(d)));
    }

    @Override
    public Step feed(String piece) {
      return run(piece, false);
    }

    @Override
    public Step finish() {
      return run("", true);
    }

    private Step run(String piece, boolean end) {
      if (rejected) {
        return Release.NOTHING;
      }
      String text = piece;
      for (Stage s : stages) {
        Step step = s.feed(text, end);
        if (step instanceof Reject r) {
          rejected = true;
          return r;
        }
        text = ((Release) step).text();
      }
      return text.isEmpty() ? Release.NOTHING : new Release(text);
    }
  }

  /**
   * One detector over a streamed text. {@code held} is the text it has been given but not yet
   * released; {@code context} the last characters it released before that, seen by look-behinds.
   * After every piece the held text is at most the detector's window long: a position further
   * back than the window cannot start a match that is still open, so it is released (or, for a
   * match that started there and is still growing, the match is taken as it stands).
   */
  private final class Stage {
    private final RegexGuardFactory.Detector d;
    private String context = "";
    private final StringBuilder held = new StringBuilder();

    Stage(RegexGuardFactory.Detector d) {
      this.d = d;
    }

    Step feed(String piece, boolean end) {
      held.append(piece);
      String x = context + held;
      int base = context.length();
      int len = x.length();
      int limit = end ? len : Math.max(base, len - d.window());
      Matcher m = d.pattern().matcher(x).useTransparentBounds(true).useAnchoringBounds(false);
      m.region(base, len);
      StringBuilder out = new StringBuilder();
      int pos = base;
      int hold = len;
      while (true) {
        if (!m.find()) {
          if (!end && m.hitEnd()) {
            hold = firstOpenStart(x, Math.max(pos, limit), len);
          }
          break;
        }
        if (!end && m.hitEnd() && m.start() >= limit) {
          // it, or an attempt before it, ran into the end of what has come: more may change it
          hold = firstOpenStart(x, Math.max(pos, limit), m.start());
          break;
        }
        if (d.luhn() && !RegexGuardFactory.luhn(m.group())) {
          m.region(m.start() + 1, len); // as in inspect: a later start may be a card
          continue;
        }
        if (action.reject()) {
          return reject(d, Direction.RESPONSE);
        }
        out.append(x, pos, m.start()).append(action.replacement(d.name()));
        pos = m.end();
        if (m.end() == m.start()) {
          if (pos >= len) {
            break;
          }
          m.region(pos + 1, len);
        }
      }
      if (hold < pos) {
        hold = pos;
      }
      out.append(x, pos, hold);
      context = x.substring(Math.max(0, hold - CONTEXT), hold);
      held.setLength(0);
      held.append(x, hold, len);
      return new Release(out.toString());
    }

    /**
     * The first position in {@code [from, to)} where a match attempt runs into the end of the
     * text so far (so that it could still become a match), or {@code to} when there is none.
     */
    private int firstOpenStart(String x, int from, int to) {
      Matcher probe = d.pattern().matcher(x).useTransparentBounds(true).useAnchoringBounds(false);
      for (int q = from; q < to; q++) {
        probe.region(q, x.length());
        probe.lookingAt();
        if (probe.hitEnd()) {
          return q;
        }
      }
      return to;
    }
  }
}
