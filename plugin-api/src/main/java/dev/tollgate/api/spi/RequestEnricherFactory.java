package dev.tollgate.api.spi;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;
import org.pf4j.ExtensionPoint;

/**
 * Makes request enrichers of one type ({@code policies[i].enrichment[j].type}); {@link #create}
 * runs once per config load.
 */
public interface RequestEnricherFactory extends ExtensionPoint {
  /** The enricher type name, e.g. {@code PromptEnrichment}. Unique across plugins. */
  String type();

  RequestEnricher create(Settings settings) throws InvalidConfigException;
}
