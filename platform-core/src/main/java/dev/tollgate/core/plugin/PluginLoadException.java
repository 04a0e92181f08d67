package dev.tollgate.core.plugin;

/** Plugins cannot be loaded as installed; the message names the jars involved and what to do. */
public class PluginLoadException extends RuntimeException {
  public PluginLoadException(String message) {
    super(message);
  }

  public PluginLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
