package dev.tollgate.core.plugin;

import java.util.List;

/**
 * The packages a plugin shares with Tollgate: the plugin API and the libraries its types expose.
 * Everything else a plugin uses comes from its own jars (or the JDK).
 *
 * <ul>
 *   <li>{@code dev.tollgate.api} and subpackages: the plugin API itself;</li>
 *   <li>{@code org.pf4j}: {@code @Extension}, {@code ExtensionPoint}, {@code Plugin};</li>
 *   <li>{@code com.fasterxml.jackson.core}, {@code .databind}, {@code .annotation}: the API's values
 *       carry {@code JsonNode}s and its models are Jackson-annotated, so both sides must see one Jackson.
 *       Other Jackson modules (YAML, JSR-310, ...) are not in the API and a plugin bundles them;</li>
 *   <li>{@code jakarta.inject}: {@code @Inject} on extension constructors;</li>
 *   <li>{@code org.slf4j}: the logging API, bound to Tollgate's logging.</li>
 * </ul>
 */
public final class SpiPackages {
  /** Class-name prefixes (with the trailing dot) that a plugin loads from the application. */
  public static final List<String> PREFIXES = List.of(
      "dev.tollgate.api.",
      "org.pf4j.",
      "com.fasterxml.jackson.core.",
      "com.fasterxml.jackson.databind.",
      "com.fasterxml.jackson.annotation.",
      "jakarta.inject.",
      "org.slf4j.");

  /** For messages: what a plugin sees of the application. */
  public static final String SUMMARY = "dev.tollgate.api, org.pf4j, Jackson (core, databind, annotations), "
      + "jakarta.inject and org.slf4j";

  private SpiPackages() {
  }

  /** Whether {@code className} (binary name, e.g. {@code dev.tollgate.api.Settings}) is shared with the plugins. */
  public static boolean isSpiClass(String className) {
    for (String prefix : PREFIXES) {
      if (className.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /** Whether resource {@code name} (e.g. {@code org/slf4j/Logger.class}) lies in a shared package. */
  public static boolean isSpiResource(String name) {
    String n = name.startsWith("/") ? name.substring(1) : name;
    return isSpiClass(n.replace('/', '.'));
  }
}
