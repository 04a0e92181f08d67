package dev.tollgate.plugins.tokencosts;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the value for a model name among entries keyed by model name or by a pattern in which
 * {@code *} stands for any run of characters (none included): the entry named exactly, else the
 * longest pattern that matches (of patterns of equal length, the first given). A lone {@code *}
 * matches every model, so it is the default. Names are compared as given (case matters).
 * Immutable; it does not remember the names asked about (clients choose them).
 */
final class ModelLookup<V> {
  private final Map<String, V> exact;
  private final List<Map.Entry<String, V>> patterns;

  /** @param entries by model name or pattern, in the order given */
  ModelLookup(Map<String, V> entries) {
    this.exact = Map.copyOf(entries);
    List<Map.Entry<String, V>> withStars = new ArrayList<>();
    entries.forEach((key, value) -> {
      if (key.indexOf('*') >= 0) {
        withStars.add(Map.entry(key, value));
      }
    });
    // stable: equal lengths keep the order given
    withStars.sort(Comparator.comparingInt((Map.Entry<String, V> e) -> e.getKey().length()).reversed());
    this.patterns = List.copyOf(withStars);
  }

  Optional<V> find(String model) {
    V named = exact.get(model);
    if (named != null) {
      return Optional.of(named);
    }
    for (Map.Entry<String, V> p : patterns) {
      if (matches(p.getKey(), model)) {
        return Optional.of(p.getValue());
      }
    }
    return Optional.empty();
  }

  /** Whether {@code text} matches {@code pattern}, {@code *} being any run of characters. */
  static boolean matches(String pattern, String text) {
    int p = 0;
    int t = 0;
    int star = -1; // the pattern position after the last star seen
    int starText = 0; // where in text that star's run ends so far
    while (t < text.length()) {
      if (p < pattern.length() && pattern.charAt(p) == '*') {
        star = ++p;
        starText = t;
      } else if (p < pattern.length() && pattern.charAt(p) == text.charAt(t)) {
        p++;
        t++;
      } else if (star >= 0) {
        p = star;
        t = ++starText;
      } else {
        return false;
      }
    }
    while (p < pattern.length() && pattern.charAt(p) == '*') {
      p++;
    }
    return p == pattern.length();
  }
}
