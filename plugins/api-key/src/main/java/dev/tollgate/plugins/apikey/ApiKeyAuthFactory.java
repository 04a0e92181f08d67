package dev.tollgate.plugins.apikey;

import dev.tollgate.api.GatewayException;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PlatformServices;
import dev.tollgate.api.Settings;
import dev.tollgate.api.spi.BackendAuth;
import dev.tollgate.api.spi.BackendAuthFactory;
import dev.tollgate.api.spi.NonBlocking;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import org.pf4j.Extension;

/**
 * Auth type {@code APIKey}. Exactly one source of the key:
 * <ul>
 *   <li>{@code file}: a file holding the key (read again when it changes, e.g. a mounted Secret);</li>
 *   <li>{@code env}: an environment variable of the Tollgate process;</li>
 *   <li>{@code key}: the key inline (for tests; prefer a file);</li>
 *   <li>{@code passthrough: true}: the client's own header is sent on, and required.</li>
 * </ul>
 * {@code header} names the upstream header (default {@code authorization}, sent as
 * {@code Bearer <key>}; any other header gets the bare key, e.g. {@code api-key} for Azure).
 */
@NonBlocking
@Extension
public final class ApiKeyAuthFactory implements BackendAuthFactory {
  private final PlatformServices platform;

  @Inject
  public ApiKeyAuthFactory(PlatformServices platform) {
    this.platform = platform;
  }

  @Override
  public String type() {
    return "APIKey";
  }

  @Override
  public BackendAuth create(Settings s) throws InvalidConfigException {
    s.allowOnly(Set.of("file", "env", "key", "passthrough", "header"));
    String header = s.string("header", "authorization").toLowerCase(Locale.ROOT);
    boolean bearer = header.equals("authorization");
    int sources = (s.has("file") ? 1 : 0) + (s.has("env") ? 1 : 0) + (s.has("key") ? 1 : 0)
        + (s.bool("passthrough", false) ? 1 : 0);
    if (sources != 1) {
      throw new InvalidConfigException(s.path(), "set exactly one of file, env, key or passthrough: true");
    }
    if (s.bool("passthrough", false)) {
      return (request, backend, clientHeaders) -> {
        String v = clientHeaders.value(header);
        if (v == null || v.isBlank()) {
          throw new GatewayException(401, "authentication_error",
              "this backend needs your own API key in the " + header + " header");
        }
        return request.withHeader(header, v);
      };
    }
    if (s.has("file")) {
      Path file = Path.of(s.string("file"));
      String field = s.field("file");
      platform.readSecretFile(file, field); // fail at load when it is missing
      return (request, backend, clientHeaders) -> {
        try {
          return request.withHeader(header, format(platform.readSecretFile(file, field), bearer));
        } catch (InvalidConfigException e) {
          throw new GatewayException(500, "server_error",
              "the gateway cannot read the API key of backend '" + backend.name() + "'");
        }
      };
    }
    String key;
    if (s.has("env")) {
      String name = s.string("env");
      key = System.getenv(name);
      if (key == null || key.isBlank()) {
        throw new InvalidConfigException(s.field("env"), "environment variable " + name + " is not set");
      }
    } else {
      key = s.string("key");
    }
    String value = format(key.trim(), bearer);
    return (request, backend, clientHeaders) -> request.withHeader(header, value);
  }

  private static String format(String key, boolean bearer) {
    return bearer && !key.regionMatches(true, 0, "Bearer ", 0, 7) ? "Bearer " + key : key;
  }
}
