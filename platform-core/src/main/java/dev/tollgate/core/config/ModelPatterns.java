package dev.tollgate.core.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A consumer's model allow-list made ready to check: exact names in a set, each name with a
 * {@code *} (any run of characters, none included) as one regular expression. An empty list
 * allows every model.
 */
public final class ModelPatterns {
  /** Allows every model. */
  public static final ModelPatterns ANY = new ModelPatterns(List.of());

  private final List<String> patterns;
  private final Set<String> exact = new LinkedHashSet<>();
  private final List<Pattern> globs = new ArrayList<>();

  private ModelPatterns(List<String> patterns) {
    this.patterns = List.copyOf(patterns);
    for (String p : this.patterns) {
      if (p.indexOf('*') < 0) {
        exact.add(p);
      } else {
        globs.add(glob(p));
      }
    }
  }

  /** The allow-list {@code patterns} as the config gives it; empty allows any model. */
  public static ModelPatterns of(List<String> patterns) {
    return patterns.isEmpty() ? ANY : new ModelPatterns(patterns);
  }

  /** {@code *} matches any run of characters; everything else stands for itself. */
  static Pattern glob(String pattern) {
    StringBuilder regex = new StringBuilder();
    int from = 0;
    for (int star = pattern.indexOf('*'); star >= 0; star = pattern.indexOf('*', from)) {
      if (star > from) {
        regex.append(Pattern.quote(pattern.substring(from, star)));
      }
      regex.append(".*");
      from = star + 1;
    }
    if (from < pattern.length()) {
      regex.append(Pattern.quote(pattern.substring(from)));
    }
    return Pattern.compile(regex.toString(), Pattern.DOTALL);
  }

  /** Whether every model is allowed. */
  public boolean allowsAny() {
    return patterns.isEmpty();
  }

  public boolean allows(String model) {
    if (allowsAny()) {
      return true;
    }
    if (model == null) {
      return false;
    }
    if (exact.contains(model)) {
      return true;
    }
    for (Pattern g : globs) {
      if (g.matcher(model).matches()) {
        return true;
      }
    }
    return false;
  }

  /** The patterns as configured, in order. */
  public List<String> patterns() {
    return patterns;
  }

  @Override
  public String toString() {
    return allowsAny() ? "(any model)" : String.join(", ", patterns);
  }
}
