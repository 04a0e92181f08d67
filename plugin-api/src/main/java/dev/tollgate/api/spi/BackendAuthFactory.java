package dev.tollgate.api.spi;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;
import org.pf4j.ExtensionPoint;

/**
 * Makes a backend auth handler of one kind ({@code auth.type} in the gateway config) from its
 * settings. {@link #create} runs once per config load: check every setting there and fail with
 * an {@link InvalidConfigException} naming the field, so a bad config never reaches a request.
 */
public interface BackendAuthFactory extends ExtensionPoint {
  /** The auth type name, e.g. {@code APIKey}. Unique across plugins. */
  String type();

  BackendAuth create(Settings settings) throws InvalidConfigException;
}
