package dev.tollgate.api;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;

/**
 * What the platform offers every plugin. Ask for it in an {@code @Inject} constructor.
 */
public interface PlatformServices {
  /** The clock to use for signatures and timestamps (fixed in tests). */
  Clock clock();

  /** A shared HTTP client for calls a plugin makes itself (token exchange, webhooks). */
  HttpClient httpClient();

  /**
   * Reads a secret file, trimmed; a changed file is read again. The content is never logged.
   *
   * @param field the config field that named the file, for the error message
   */
  String readSecretFile(Path file, String field) throws InvalidConfigException;
}
