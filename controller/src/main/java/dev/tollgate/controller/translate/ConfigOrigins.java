package dev.tollgate.controller.translate;

import dev.tollgate.controller.resource.Problem;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which resource, and which of its fields, each part of the generated gateway config came from:
 * turns an error at {@code backends[2].schema.version} of the gateway config into one at
 * {@code spec.schema.version} of the {@code AIServiceBackend} that became that backend.
 */
final class ConfigOrigins {
  /**
   * A part of the gateway config at {@code prefix}, made from {@code field} of the resource at
   * {@code origin}. Keys in {@code ownKeys} (all, when null) keep their names under {@code field};
   * any other key is one of the plugin's settings and sits under {@code settingsField}.
   */
  private record Part(String prefix, String origin, String field, Set<String> ownKeys, String settingsField) {
  }

  private final List<Part> parts = new ArrayList<>();

  /** {@code prefix} and everything under it came from {@code field} of the resource at {@code origin}, key for key. */
  void add(String prefix, String origin, String field) {
    parts.add(new Part(prefix, origin, field, null, field));
  }

  /**
   * {@code prefix} came from {@code field} of the resource at {@code origin}; of its keys only
   * {@code ownKeys} are the resource's own fields, the others are the plugin's settings, which the
   * resource holds under {@code settingsField}.
   */
  void addWithSettings(String prefix, String origin, String field, Set<String> ownKeys, String settingsField) {
    parts.add(new Part(prefix, origin, field, Set.copyOf(ownKeys), settingsField));
  }

  /** The problem for an error at {@code field} of the gateway config; empty when no resource made that part. */
  Optional<Problem> problem(String field, String message) {
    Part best = null;
    for (Part p : parts) {
      if (PluginCheck.under(p.prefix(), field) && (best == null || p.prefix().length() > best.prefix().length())) {
        best = p;
      }
    }
    if (best == null) {
      return Optional.empty();
    }
    String rest = field.substring(best.prefix().length());
    String target = best.field();
    if (rest.startsWith(".") && best.ownKeys() != null && !best.ownKeys().contains(firstKey(rest.substring(1)))) {
      target = best.settingsField();
    }
    return Optional.of(new Problem(best.origin(), target + rest, message));
  }

  private static String firstKey(String path) {
    int end = path.length();
    for (int i = 0; i < path.length(); i++) {
      if (path.charAt(i) == '.' || path.charAt(i) == '[') {
        end = i;
        break;
      }
    }
    return path.substring(0, end);
  }
}
