package dev.tollgate.core.config;

/** The gateway config cannot be used; the message names the file and the field. */
public class ConfigException extends Exception {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
