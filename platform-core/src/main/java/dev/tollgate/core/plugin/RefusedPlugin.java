package dev.tollgate.core.plugin;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A plugin found in the plugins directory that Tollgate does not use, and why.
 *
 * @param pluginId the plugin's id, or {@code null} when its file could not even be read
 * @param file     the plugin's jar, zip or directory
 * @param cause    what is wrong and what to do, one line
 */
public record RefusedPlugin(String pluginId, Path file, String cause) {
  public RefusedPlugin {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(cause, "cause");
    cause = Failures.oneLine(cause);
  }

  /** One line for an operator: which plugin, which file, why. */
  public String message() {
    return (pluginId == null ? "plugin file" : "plugin '" + pluginId + "'") + " (" + file + "): " + cause;
  }

  @Override
  public String toString() {
    return message();
  }
}
