package dev.tollgate.plugins.promptguards;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;
import dev.tollgate.api.spi.NonBlocking;
import dev.tollgate.api.spi.PromptGuard;
import dev.tollgate.api.spi.PromptGuardFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.pf4j.Extension;

/**
 * Guard type {@code Regex}: finds sensitive data by pattern.
 * <pre>
 * - type: Regex
 *   on: [Request, Response]
 *   builtins: [creditCard, ssn, email, phone]
 *   patterns:                       # custom ones
 *     - {name: employee-id, regex: "EMP-\\d{6}"}
 *   action: Reject                  # Reject (default) | Mask
 *   status: 400                     # for Reject
 *   message: "..."                  # for Reject; default names what was found
 *   replacement: "[REDACTED]"       # for Mask; default "[REDACTED:&lt;name&gt;]"
 *   streamWindow: 256               # characters a streamed answer may hold back per pattern
 * </pre>
 * Credit card numbers are confirmed with the Luhn check, so ordinary long numbers pass.
 *
 * <p>Streamed answers are checked as they arrive: text goes on at once unless it could still be
 * the start of a match, which is held until the next piece decides. How far back that can reach
 * is each pattern's window: the longest match of the builtins creditCard (38), ssn (12) and phone
 * (22), the length of a custom pattern without regex metacharacters, and {@code streamWindow}
 * for the rest (email and other custom patterns). A match longer than its window that arrives
 * across pieces is taken as it stands when its start leaves the window.
 */
@NonBlocking
@Extension
public final class RegexGuardFactory implements PromptGuardFactory {
  /** Default of {@code streamWindow}: characters a streamed answer may hold back per pattern. */
  static final int DEFAULT_STREAM_WINDOW = 256;
  static final int MAX_STREAM_WINDOW = 65_536;

  /**
   * A named pattern; {@code luhn} confirms matches with the Luhn checksum. {@code window} is how
   * many characters of a streamed text must be seen together to find any match and its
   * look-ahead: the longest match when it is known, else the guard's {@code streamWindow}.
   */
  record Detector(String name, Pattern pattern, boolean luhn, int window) {
    Detector withWindow(int w) {
      return new Detector(name, pattern, luhn, w);
    }
  }

  /** 0 for the window: the guard's {@code streamWindow} (the email pattern has no longest match). */
  static final Map<String, Detector> BUILTINS = Map.of(
      // at most 18 digit-and-separator pairs and a digit (37), and the look-ahead
      "creditCard", new Detector("creditCard", Pattern.compile("(?<!\\d)(?:\\d[ -]?){12,18}\\d(?!\\d)"), true, 38),
      // 11, and the look-ahead
      "ssn", new Detector("ssn", Pattern.compile("(?<!\\d)(?!000|666|9\\d\\d)\\d{3}-(?!00)\\d{2}-(?!0000)\\d{4}(?!\\d)"), false, 12),
      "email", new Detector("email", Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}"), false, 0),
      // 5 + 6 + 5 + 5 = 21, and the look-ahead
      "phone", new Detector("phone", Pattern.compile(
          "(?<![\\w+])(?:\\+\\d{1,3}[ .-]?)?(?:\\(\\d{2,4}\\)|\\d{2,4})[ .-]?\\d{3,4}[ .-]?\\d{3,4}(?!\\d)"), false, 22));

  /** A regex without metacharacters matches only itself, so its length is its window. */
  private static final Pattern LITERAL = Pattern.compile("[^\\\\.\\[\\]{}()*+?^$|]+");

  @Override
  public String type() {
    return "Regex";
  }

  @Override
  public PromptGuard create(Settings s) throws InvalidConfigException {
    s.allowOnly(Set.of("builtins", "patterns", "action", "status", "message", "replacement", "streamWindow"));
    long configured = s.longValue("streamWindow", DEFAULT_STREAM_WINDOW);
    if (configured < 1 || configured > MAX_STREAM_WINDOW) {
      throw new InvalidConfigException(s.field("streamWindow"), "must be between 1 and " + MAX_STREAM_WINDOW + " characters");
    }
    int window = (int) configured;
    List<Detector> detectors = new ArrayList<>();
    List<String> builtins = s.strings("builtins");
    for (int i = 0; i < builtins.size(); i++) {
      Detector d = BUILTINS.get(builtins.get(i));
      if (d == null) {
        throw new InvalidConfigException(s.field("builtins") + "[" + i + "]", "unknown builtin '" + builtins.get(i)
            + "'; known: " + new java.util.TreeSet<>(BUILTINS.keySet()));
      }
      detectors.add(d.window() > 0 ? d : d.withWindow(window));
    }
    for (Settings p : s.children("patterns")) {
      p.allowOnly(Set.of("name", "regex"));
      try {
        String regex = p.string("regex");
        detectors.add(new Detector(p.string("name"), Pattern.compile(regex), false,
            LITERAL.matcher(regex).matches() ? regex.length() : window));
      } catch (PatternSyntaxException e) {
        throw new InvalidConfigException(p.field("regex"), "is not a valid regular expression ("
            + e.getDescription() + " near index " + e.getIndex() + ")");
      }
    }
    if (detectors.isEmpty()) {
      throw new InvalidConfigException(s.path(), "name at least one of builtins or patterns");
    }
    Action action = Action.parse(s);
    return new RegexGuard(detectors, action);
  }

  static boolean luhn(String candidate) {
    int sum = 0;
    boolean dbl = false;
    int digits = 0;
    for (int i = candidate.length() - 1; i >= 0; i--) {
      char c = candidate.charAt(i);
      if (c < '0' || c > '9') {
        continue;
      }
      int d = c - '0';
      if (dbl) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
      dbl = !dbl;
      digits++;
    }
    return digits >= 13 && sum % 10 == 0;
  }
}
