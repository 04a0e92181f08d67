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
import java.util.regex.Matcher;
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
 * </pre>
 * Credit card numbers are confirmed with the Luhn check, so ordinary long numbers pass.
 */
@NonBlocking
@Extension
public final class RegexGuardFactory implements PromptGuardFactory {
  /** A named pattern; {@code luhn} confirms matches with the Luhn checksum. */
  record Detector(String name, Pattern pattern, boolean luhn) {
  }

  static final Map<String, Detector> BUILTINS = Map.of(
      "creditCard", new Detector("creditCard", Pattern.compile("(?<!\\d)(?:\\d[ -]?){12,18}\\d(?!\\d)"), true),
      "ssn", new Detector("ssn", Pattern.compile("(?<!\\d)(?!000|666|9\\d\\d)\\d{3}-(?!00)\\d{2}-(?!0000)\\d{4}(?!\\d)"), false),
      "email", new Detector("email", Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}"), false),
      "phone", new Detector("phone", Pattern.compile(
          "(?<![\\w+])(?:\\+\\d{1,3}[ .-]?)?(?:\\(\\d{2,4}\\)|\\d{2,4})[ .-]?\\d{3,4}[ .-]?\\d{3,4}(?!\\d)"), false));

  @Override
  public String type() {
    return "Regex";
  }

  @Override
  public PromptGuard create(Settings s) throws InvalidConfigException {
    s.allowOnly(Set.of("builtins", "patterns", "action", "status", "message", "replacement"));
    List<Detector> detectors = new ArrayList<>();
    List<String> builtins = s.strings("builtins");
    for (int i = 0; i < builtins.size(); i++) {
      Detector d = BUILTINS.get(builtins.get(i));
      if (d == null) {
        throw new InvalidConfigException(s.field("builtins") + "[" + i + "]", "unknown builtin '" + builtins.get(i)
            + "'; known: " + new java.util.TreeSet<>(BUILTINS.keySet()));
      }
      detectors.add(d);
    }
    for (Settings p : s.children("patterns")) {
      p.allowOnly(Set.of("name", "regex"));
      try {
        detectors.add(new Detector(p.string("name"), Pattern.compile(p.string("regex")), false));
      } catch (PatternSyntaxException e) {
        throw new InvalidConfigException(p.field("regex"), "is not a valid regular expression ("
            + e.getDescription() + " near index " + e.getIndex() + ")");
      }
    }
    if (detectors.isEmpty()) {
      throw new InvalidConfigException(s.path(), "name at least one of builtins or patterns");
    }
    Action action = Action.parse(s);
    return (direction, texts) -> inspect(detectors, action, direction, texts);
  }

  private static PromptGuard.Verdict inspect(List<Detector> detectors, Action action, PromptGuard.Direction direction,
                                             List<String> texts) {
    List<String> out = new ArrayList<>(texts.size());
    boolean changed = false;
    for (String text : texts) {
      String current = text;
      for (Detector d : detectors) {
        Matcher m = d.pattern().matcher(current);
        StringBuilder sb = null;
        int last = 0;
        while (m.find()) {
          if (d.luhn() && !luhn(m.group())) {
            continue;
          }
          if (action.reject()) {
            return new PromptGuard.Reject(action.status(), action.message() != null ? action.message()
                : "the " + (direction == PromptGuard.Direction.REQUEST ? "prompt" : "answer") + " contains "
                    + d.name() + " data, which this gateway does not let through");
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
    return changed ? new PromptGuard.Mask(out) : PromptGuard.ALLOW;
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
