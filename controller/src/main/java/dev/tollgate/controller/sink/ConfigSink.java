package dev.tollgate.controller.sink;

import dev.tollgate.controller.translate.Translation;

/** Somewhere a new translation goes: files, Kubernetes objects, the xDS cache. */
public interface ConfigSink {
  /** Publishes {@code translation}; throws when it could not, so that the caller retries on the next change. */
  void publish(Translation translation) throws Exception;
}
