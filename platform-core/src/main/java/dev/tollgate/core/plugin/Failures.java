package dev.tollgate.core.plugin;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;

/** Turns what a plugin threw into one line: the plugin's own exception, not the wrappers around it. */
final class Failures {
  private Failures() {
  }

  /** The first line of {@code text}, trimmed. */
  static String oneLine(String text) {
    String t = text.strip();
    int nl = t.indexOf('\n');
    return (nl < 0 ? t : t.substring(0, nl)).strip();
  }

  /** {@code SimpleName: message} of the exception that matters: Guice's and reflection's wrappers peeled off. */
  static String describe(Throwable thrown) {
    Throwable t = cause(thrown);
    if (t instanceof com.google.inject.ConfigurationException c && !c.getErrorMessages().isEmpty()) {
      return oneLine(c.getErrorMessages().iterator().next().getMessage());
    }
    if (t instanceof NoClassDefFoundError) {
      return "class " + String.valueOf(t.getMessage()).replace('/', '.') + " is missing";
    }
    String message = t.getMessage();
    return t.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + oneLine(message));
  }

  /** Whether a class could not be found somewhere in the chain of {@code thrown}. */
  static boolean isMissingClass(Throwable thrown) {
    for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ClassNotFoundException || t instanceof NoClassDefFoundError) {
        return true;
      }
    }
    return false;
  }

  private static Throwable cause(Throwable thrown) {
    Throwable t = thrown;
    while (t.getCause() != null && t.getCause() != t && isWrapper(t)) {
      t = t.getCause();
    }
    return t;
  }

  private static boolean isWrapper(Throwable t) {
    return t instanceof com.google.inject.ProvisionException
        || t instanceof com.google.inject.CreationException
        || t instanceof InvocationTargetException
        || t instanceof UndeclaredThrowableException
        || t instanceof ExceptionInInitializerError;
  }
}
