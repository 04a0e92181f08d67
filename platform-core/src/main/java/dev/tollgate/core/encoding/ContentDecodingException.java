package dev.tollgate.core.encoding;

/**
 * An upstream answer whose {@code content-encoding} cannot be undone: an encoding the gateway does
 * not know, a body that is not valid for its encoding, or one that decodes to more than the limit.
 * The message says which, for the client's error and the log.
 */
public final class ContentDecodingException extends Exception {
  public ContentDecodingException(String message) {
    super(message);
  }
}
