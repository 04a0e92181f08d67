package dev.tollgate.conformance;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PlatformServices;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * {@link PlatformServices} for a factory under test: a fixed clock, a plain HTTP client, secret files
 * read as they are. The kit asks {@code factory()} for a factory per exchange, so one is made
 * thousands of times in a run: the HTTP client (each holds a selector thread) is made once, on
 * first use, and shared.
 */
public final class ConformancePlatform implements PlatformServices {
  private final Clock clock;

  private ConformancePlatform(Clock clock) {
    this.clock = clock;
  }

  /** The clock stands at 2025-01-01T00:00:00Z. */
  public static ConformancePlatform fixed() {
    return new ConformancePlatform(Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC));
  }

  @Override
  public Clock clock() {
    return clock;
  }

  @Override
  public HttpClient httpClient() {
    return SharedHttp.CLIENT;
  }

  /** Made when first asked for. */
  private static final class SharedHttp {
    static final HttpClient CLIENT = HttpClient.newHttpClient();
  }

  @Override
  public String readSecretFile(Path file, String field) throws InvalidConfigException {
    try {
      return Files.readString(file).trim();
    } catch (IOException e) {
      throw new InvalidConfigException(field, "cannot read " + file + ": " + e.getMessage());
    }
  }
}
