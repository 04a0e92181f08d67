package dev.tollgate.core.plugin;

import dev.tollgate.api.Endpoint;
import dev.tollgate.api.spi.BackendAuthFactory;
import dev.tollgate.api.spi.CostCalculatorFactory;
import dev.tollgate.api.spi.PromptGuardFactory;
import dev.tollgate.api.spi.TranslatorFactory;
import dev.tollgate.api.spi.RequestEnricherFactory;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The extensions found at start-up, by name; translator factories by schema and client endpoint.
 * Two extensions claiming the same name (or the same schema and endpoint) stop start-up with a
 * message naming both origins.
 */
public final class PluginRegistry {
  private final Map<String, Map<Endpoint, TranslatorFactory>> translators;
  private final Map<String, BackendAuthFactory> auths;
  private final Map<String, CostCalculatorFactory> costs;
  private final Map<String, PromptGuardFactory> guards;
  private final Map<String, RequestEnricherFactory> enrichers;
  private final List<String> notLoaded;

  public PluginRegistry(Map<String, Map<Endpoint, TranslatorFactory>> translators, Map<String, BackendAuthFactory> auths,
                        Map<String, CostCalculatorFactory> costs, Map<String, PromptGuardFactory> guards,
                        Map<String, RequestEnricherFactory> enrichers) {
    this(translators, auths, costs, guards, enrichers, List.of());
  }

  /**
   * @param notLoaded one line per plugin that was found but provides nothing (refused, or without
   *                  extensions), named when the config asks for something no plugin provides
   */
  public PluginRegistry(Map<String, Map<Endpoint, TranslatorFactory>> translators, Map<String, BackendAuthFactory> auths,
                        Map<String, CostCalculatorFactory> costs, Map<String, PromptGuardFactory> guards,
                        Map<String, RequestEnricherFactory> enrichers, List<String> notLoaded) {
    this.notLoaded = List.copyOf(notLoaded);
    Map<String, Map<Endpoint, TranslatorFactory>> bySchema = new TreeMap<>();
    translators.forEach((schema, byEndpoint) -> bySchema.put(schema, Collections.unmodifiableMap(
        new java.util.EnumMap<>(byEndpoint.isEmpty() ? Map.of() : byEndpoint))));
    this.translators = Collections.unmodifiableMap(bySchema);
    this.auths = Collections.unmodifiableMap(new TreeMap<>(auths));
    this.costs = Collections.unmodifiableMap(new TreeMap<>(costs));
    this.guards = Collections.unmodifiableMap(new TreeMap<>(guards));
    this.enrichers = Collections.unmodifiableMap(new TreeMap<>(enrichers));
  }

  /** Collects the started plugins' extensions (and the class path's) from {@code manager}. */
  public static PluginRegistry from(TollgatePluginManager manager) {
    return new PluginRegistry(
        translatorIndex(manager),
        index(manager, BackendAuthFactory.class, BackendAuthFactory::type, "auth type"),
        index(manager, CostCalculatorFactory.class, CostCalculatorFactory::type, "cost type"),
        index(manager, PromptGuardFactory.class, PromptGuardFactory::type, "guard type"),
        index(manager, RequestEnricherFactory.class, RequestEnricherFactory::type, "enrichment type"),
        Stream.concat(manager.refusedPlugins().stream(), manager.warnings().stream()).toList());
  }

  private static <T> Map<String, T> index(TollgatePluginManager manager, Class<T> type, Function<T, String> name,
                                          String what) {
    Map<String, T> out = new TreeMap<>();
    for (T ext : manager.extensions(type)) {
      String key = name.apply(ext);
      T earlier = out.putIfAbsent(key, ext);
      if (earlier != null) {
        throw new PluginLoadException("two plugins claim the " + what + " '" + key + "': "
            + manager.origin(earlier) + " and " + manager.origin(ext) + "; remove one of them");
      }
    }
    return out;
  }

  private static Map<String, Map<Endpoint, TranslatorFactory>> translatorIndex(TollgatePluginManager manager) {
    Map<String, Map<Endpoint, TranslatorFactory>> out = new TreeMap<>();
    for (TranslatorFactory f : manager.extensions(TranslatorFactory.class)) {
      Map<Endpoint, TranslatorFactory> byEndpoint = out.computeIfAbsent(f.schema(),
          k -> new java.util.EnumMap<>(Endpoint.class));
      for (Endpoint e : f.endpoints()) {
        TranslatorFactory earlier = byEndpoint.putIfAbsent(e, f);
        if (earlier != null) {
          throw new PluginLoadException("two plugins translate " + e.path() + " for schema '" + f.schema() + "': "
              + manager.origin(earlier) + " and " + manager.origin(f) + "; remove one of them");
        }
      }
    }
    return out;
  }

  /** The plugins found but providing nothing, one line each: what may have been meant to provide a missing name. */
  public List<String> notLoaded() {
    return notLoaded;
  }

  /**
   * For a message about a name no plugin provides: {@code "; plugins not loaded: ..."} naming the plugins that
   * were found but provide nothing (one of them may be the one meant), or "" when there are none.
   */
  public String notLoadedHint() {
    return notLoaded.isEmpty() ? "" : "; plugins not loaded: " + String.join("; ", notLoaded);
  }

  /** The translator factories of {@code schema}, by the client endpoint each serves; empty for an unknown schema. */
  public Map<Endpoint, TranslatorFactory> translators(String schema) {
    return translators.getOrDefault(schema, Map.of());
  }

  public Optional<BackendAuthFactory> auth(String type) {
    return Optional.ofNullable(auths.get(type));
  }

  public Optional<CostCalculatorFactory> cost(String type) {
    return Optional.ofNullable(costs.get(type));
  }

  public Optional<PromptGuardFactory> guard(String type) {
    return Optional.ofNullable(guards.get(type));
  }

  public Optional<RequestEnricherFactory> enricher(String type) {
    return Optional.ofNullable(enrichers.get(type));
  }

  public Map<String, RequestEnricherFactory> enrichers() {
    return enrichers;
  }

  /** Every schema's translator factories by client endpoint; the keys are the schemas installed. */
  public Map<String, Map<Endpoint, TranslatorFactory>> translators() {
    return translators;
  }

  public Map<String, BackendAuthFactory> auths() {
    return auths;
  }

  public Map<String, CostCalculatorFactory> costs() {
    return costs;
  }

  public Map<String, PromptGuardFactory> guards() {
    return guards;
  }
}
