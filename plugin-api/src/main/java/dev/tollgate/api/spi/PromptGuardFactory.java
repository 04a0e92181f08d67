package dev.tollgate.api.spi;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;
import org.pf4j.ExtensionPoint;

/** Makes prompt guards of one type ({@code guards[i].type}); {@link #create} runs once per config load. */
public interface PromptGuardFactory extends ExtensionPoint {
  /** The guard type name, e.g. {@code Regex}. Unique across plugins. */
  String type();

  PromptGuard create(Settings settings) throws InvalidConfigException;
}
