package dev.tollgate.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable set of HTTP headers. Names are kept in lower case (as HTTP/2 and Envoy have them);
 * pseudo-headers such as {@code :path} and {@code :authority} are ordinary entries.
 */
public final class Headers {
  private static final Headers EMPTY = new Headers(Map.of());
  private final Map<String, String> values;

  private Headers(Map<String, String> values) {
    this.values = values;
  }

  public static Headers empty() {
    return EMPTY;
  }

  /** Headers from a map; names are lower-cased, later duplicates win. */
  public static Headers of(Map<String, String> values) {
    Map<String, String> copy = new LinkedHashMap<>();
    values.forEach((k, v) -> copy.put(k.toLowerCase(Locale.ROOT), v));
    return new Headers(Collections.unmodifiableMap(copy));
  }

  public static Headers of(String... namesAndValues) {
    if (namesAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("names and values come in pairs");
    }
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      map.put(namesAndValues[i], namesAndValues[i + 1]);
    }
    return of(map);
  }

  public Optional<String> get(String name) {
    return Optional.ofNullable(values.get(name.toLowerCase(Locale.ROOT)));
  }

  /** The value, or null when absent. */
  public String value(String name) {
    return values.get(name.toLowerCase(Locale.ROOT));
  }

  public boolean contains(String name) {
    return values.containsKey(name.toLowerCase(Locale.ROOT));
  }

  /** A copy with {@code name} set to {@code value}, replacing any earlier value. */
  public Headers with(String name, String value) {
    String key = name.toLowerCase(Locale.ROOT);
    if (value != null && value.equals(values.get(key))) {
      return this; // no copy for a change that changes nothing (the pipeline makes many)
    }
    Map<String, String> copy = new LinkedHashMap<>(values);
    copy.put(key, value);
    return new Headers(Collections.unmodifiableMap(copy));
  }

  /** A copy with every entry of {@code other} set over this one. */
  public Headers withAll(Headers other) {
    if (other.values.isEmpty()) {
      return this;
    }
    Map<String, String> copy = new LinkedHashMap<>(values);
    copy.putAll(other.values);
    return new Headers(Collections.unmodifiableMap(copy));
  }

  public Headers without(String name) {
    String key = name.toLowerCase(Locale.ROOT);
    if (!values.containsKey(key)) {
      return this;
    }
    Map<String, String> copy = new LinkedHashMap<>(values);
    copy.remove(key);
    return new Headers(Collections.unmodifiableMap(copy));
  }

  public Map<String, String> asMap() {
    return values;
  }

  public boolean isEmpty() {
    return values.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Headers h && h.values.equals(values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  @Override
  public String toString() {
    return values.toString();
  }
}
