package dev.tollgate.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A plugin's own block of configuration, as an immutable tree that knows where it sits in the
 * config file. Every getter that finds a wrong or missing value throws an
 * {@link InvalidConfigException} naming the full field path, so plugins report errors the same
 * way the platform does.
 */
public final class Settings {
  private final String path;
  private final Map<String, Object> values;

  private Settings(String path, Map<String, Object> values) {
    this.path = path;
    this.values = values;
  }

  /** Settings at {@code path} from a parsed YAML/JSON map (values: String, Number, Boolean, List, Map). */
  public static Settings of(String path, Map<String, ?> values) {
    return new Settings(path, deepCopy(values));
  }

  public static Settings empty(String path) {
    return new Settings(path, Map.of());
  }

  /** Where this block sits in the configuration, e.g. {@code backends[0].auth}. */
  public String path() {
    return path;
  }

  public String field(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  public Set<String> keys() {
    return values.keySet();
  }

  public boolean has(String key) {
    return values.containsKey(key) && values.get(key) != null;
  }

  public String string(String key) throws InvalidConfigException {
    return optionalString(key).orElseThrow(() -> new InvalidConfigException(field(key), "is required"));
  }

  public Optional<String> optionalString(String key) throws InvalidConfigException {
    Object v = values.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (v instanceof String s) {
      if (s.isBlank()) {
        throw new InvalidConfigException(field(key), "must not be empty");
      }
      return Optional.of(s);
    }
    if (v instanceof Number || v instanceof Boolean) {
      return Optional.of(v.toString());
    }
    throw new InvalidConfigException(field(key), "must be a string");
  }

  public String string(String key, String defaultValue) throws InvalidConfigException {
    return optionalString(key).orElse(defaultValue);
  }

  public boolean bool(String key, boolean defaultValue) throws InvalidConfigException {
    Object v = values.get(key);
    if (v == null) {
      return defaultValue;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    throw new InvalidConfigException(field(key), "must be true or false");
  }

  public long longValue(String key, long defaultValue) throws InvalidConfigException {
    Object v = values.get(key);
    if (v == null) {
      return defaultValue;
    }
    if (v instanceof Number n && n.doubleValue() == n.longValue()) {
      return n.longValue();
    }
    throw new InvalidConfigException(field(key), "must be a whole number");
  }

  public double doubleValue(String key, double defaultValue) throws InvalidConfigException {
    Object v = values.get(key);
    if (v == null) {
      return defaultValue;
    }
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    throw new InvalidConfigException(field(key), "must be a number");
  }

  /** A nested block; empty settings when absent. */
  public Settings child(String key) throws InvalidConfigException {
    Object v = values.get(key);
    if (v == null) {
      return empty(field(key));
    }
    if (v instanceof Map<?, ?> m) {
      return new Settings(field(key), castMap(m));
    }
    throw new InvalidConfigException(field(key), "must be a mapping");
  }

  /** A list of nested blocks; empty when absent. */
  public List<Settings> children(String key) throws InvalidConfigException {
    Object v = values.get(key);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?> list)) {
      throw new InvalidConfigException(field(key), "must be a list");
    }
    List<Settings> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      if (!(list.get(i) instanceof Map<?, ?> m)) {
        throw new InvalidConfigException(field(key) + "[" + i + "]", "must be a mapping");
      }
      out.add(new Settings(field(key) + "[" + i + "]", castMap(m)));
    }
    return out;
  }

  /** A list of strings; empty when absent. */
  public List<String> strings(String key) throws InvalidConfigException {
    Object v = values.get(key);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?> list)) {
      throw new InvalidConfigException(field(key), "must be a list of strings");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      Object item = list.get(i);
      if (!(item instanceof String s)) {
        throw new InvalidConfigException(field(key) + "[" + i + "]", "must be a string");
      }
      out.add(s);
    }
    return List.copyOf(out);
  }

  /** A flat map of string values (e.g. extra headers); empty when absent. */
  public Map<String, String> stringMap(String key) throws InvalidConfigException {
    Object v = values.get(key);
    if (v == null) {
      return Map.of();
    }
    if (!(v instanceof Map<?, ?> m)) {
      throw new InvalidConfigException(field(key), "must be a mapping of strings");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      if (e.getValue() instanceof Map || e.getValue() instanceof List || e.getValue() == null) {
        throw new InvalidConfigException(field(key) + "." + e.getKey(), "must be a string");
      }
      out.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
    }
    return Collections.unmodifiableMap(out);
  }

  /** Fails on any key outside {@code allowed}, so that typos do not pass silently. */
  public void allowOnly(Set<String> allowed) throws InvalidConfigException {
    for (String k : values.keySet()) {
      if (!allowed.contains(k)) {
        // a blank key (YAML `? `, `"": x`, `"\n": x`) is named quoted, not left as a blank field
        throw new InvalidConfigException(field(k.isBlank() ? quoted(k) : k), "unknown field"
            + (k.isBlank() ? " with a blank name" : "") + "; expected one of " + new java.util.TreeSet<>(allowed));
      }
    }
  }

  /** The raw immutable values (String, Number, Boolean, List, Map). */
  public Map<String, Object> asMap() {
    return values;
  }

  @Override
  public String toString() {
    return "Settings[" + path + "]";
  }

  /** {@code key} in double quotes, its line breaks and tabs written as escapes. */
  private static String quoted(String key) {
    return "\"" + key.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r")
        .replace("\t", "\\t") + "\"";
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Map<?, ?> m) {
    return (Map<String, Object>) m;
  }

  private static Map<String, Object> deepCopy(Map<String, ?> in) {
    Map<String, Object> out = new LinkedHashMap<>();
    in.forEach((k, v) -> out.put(String.valueOf(k), copyValue(v)));
    return Collections.unmodifiableMap(out);
  }

  @SuppressWarnings("unchecked")
  private static Object copyValue(Object v) {
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, val) -> out.put(String.valueOf(k), copyValue(val)));
      return Collections.unmodifiableMap(out);
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(x -> out.add(copyValue(x)));
      return Collections.unmodifiableList(out);
    }
    return v;
  }
}
