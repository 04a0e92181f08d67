package dev.tollgate.core;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PlatformServices;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The services every plugin gets. */
public final class PlatformServicesImpl implements PlatformServices {
  private final Clock clock;
  private final HttpClient http;

  public PlatformServicesImpl(Clock clock) {
    this.clock = clock;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  @Override
  public Clock clock() {
    return clock;
  }

  @Override
  public HttpClient httpClient() {
    return http;
  }

  /** A file's content as last read, with the modification time and size it had then. */
  private record CachedSecret(FileTime modified, long size, String value) {
  }

  private final Map<Path, CachedSecret> secrets = new ConcurrentHashMap<>();

  @Override
  public String readSecretFile(Path file, String field) throws InvalidConfigException {
    try {
      BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
      CachedSecret cached = secrets.get(file);
      if (cached != null && cached.modified().equals(attrs.lastModifiedTime()) && cached.size() == attrs.size()) {
        return cached.value();
      }
      String s = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (s.isEmpty()) {
        throw new InvalidConfigException(field, "secret file " + file + " is empty");
      }
      secrets.put(file, new CachedSecret(attrs.lastModifiedTime(), attrs.size(), s));
      return s;
    } catch (NoSuchFileException e) {
      throw new InvalidConfigException(field, "secret file " + file + " does not exist");
    } catch (IOException e) {
      throw new InvalidConfigException(field, "secret file " + file + " cannot be read (" + e.getClass().getSimpleName() + ")");
    }
  }
}
