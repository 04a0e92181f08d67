package dev.tollgate.plugins.azureauth;

import dev.tollgate.api.GatewayException;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PlatformServices;
import dev.tollgate.api.Settings;
import dev.tollgate.api.spi.BackendAuth;
import dev.tollgate.api.spi.BackendAuthFactory;
import dev.tollgate.api.spi.NonBlocking;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.Set;
import org.pf4j.Extension;

/**
 * Auth type {@code AzureCredentials}, for Azure OpenAI. Exactly one of:
 * <ul>
 *   <li>{@code apiKey: {file | env | key}}: the resource key, sent as the {@code api-key} header
 *       (a file is read again when it changes; {@code key} inline is for tests);</li>
 *   <li>{@code tokenFile}: a Microsoft Entra ID access token kept fresh by something else, sent
 *       as {@code Authorization: Bearer}.</li>
 * </ul>
 * The other header is removed, so the client's own credentials never reach Azure.
 */
@NonBlocking
@Extension
public final class AzureCredentialsFactory implements BackendAuthFactory {
  private final PlatformServices platform;

  @Inject
  public AzureCredentialsFactory(PlatformServices platform) {
    this.platform = platform;
  }

  @Override
  public String type() {
    return "AzureCredentials";
  }

  @Override
  public BackendAuth create(Settings s) throws InvalidConfigException {
    s.allowOnly(Set.of("apiKey", "tokenFile"));
    if (s.has("apiKey") == s.has("tokenFile")) {
      throw new InvalidConfigException(s.path(), "set exactly one of apiKey or tokenFile");
    }
    if (s.has("tokenFile")) {
      return fromFile(Path.of(s.string("tokenFile")), s.field("tokenFile"), "authorization", "api-key", "Bearer ",
          "access token");
    }
    if (!(s.asMap().get("apiKey") instanceof java.util.Map)) {
      throw new InvalidConfigException(s.field("apiKey"), "must be a mapping with one of file, env or key");
    }
    Settings k = s.child("apiKey");
    k.allowOnly(Set.of("file", "env", "key"));
    int sources = (k.has("file") ? 1 : 0) + (k.has("env") ? 1 : 0) + (k.has("key") ? 1 : 0);
    if (sources != 1) {
      throw new InvalidConfigException(k.path(), "set exactly one of file, env or key");
    }
    if (k.has("file")) {
      return fromFile(Path.of(k.string("file")), k.field("file"), "api-key", "authorization", "", "API key");
    }
    String key;
    if (k.has("env")) {
      String name = k.string("env");
      key = System.getenv(name);
      if (key == null || key.isBlank()) {
        throw new InvalidConfigException(k.field("env"), "environment variable " + name + " is not set");
      }
    } else {
      key = k.string("key");
    }
    String value = key.trim();
    return (request, backend, clientHeaders) -> request.withHeader("api-key", value).withoutHeader("authorization");
  }

  private BackendAuth fromFile(Path file, String field, String header, String other, String prefix, String what)
      throws InvalidConfigException {
    platform.readSecretFile(file, field); // a missing file fails the config load
    return (request, backend, clientHeaders) -> {
      String secret;
      try {
        secret = platform.readSecretFile(file, field);
      } catch (InvalidConfigException e) {
        throw new GatewayException(500, "server_error",
            "the gateway cannot read the " + what + " of backend '" + backend.name() + "'");
      }
      return request.withHeader(header, prefix + secret).withoutHeader(other);
    };
  }
}
