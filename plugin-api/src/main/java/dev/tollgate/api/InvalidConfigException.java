package dev.tollgate.api;

/** A configuration value is wrong; {@link #field()} is the full path of the field, e.g. {@code backends[1].auth.file}. */
public class InvalidConfigException extends Exception {
  private final String field;

  public InvalidConfigException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
