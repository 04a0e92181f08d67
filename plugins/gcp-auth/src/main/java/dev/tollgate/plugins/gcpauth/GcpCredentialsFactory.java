package dev.tollgate.plugins.gcpauth;

import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PlatformServices;
import dev.tollgate.api.Settings;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.BackendAuth;
import dev.tollgate.api.spi.BackendAuthFactory;
import dev.tollgate.api.spi.NonBlocking;
import jakarta.inject.Inject;
import java.net.URI;
import java.nio.file.Path;
import java.util.Set;
import org.pf4j.Extension;

/**
 * Auth type {@code GCPCredentials}: sends {@code Authorization: Bearer <access token>} to Google
 * APIs such as Vertex AI. Exactly one source:
 * <ul>
 *   <li>{@code tokenFile}: a file holding an access token, kept fresh by something else (a sidecar,
 *       workload identity tooling); read again whenever it changes;</li>
 *   <li>{@code serviceAccountKeyFile}: a service account's JSON key. Tollgate signs an RS256 JWT
 *       with its {@code private_key} and exchanges it at its {@code token_uri} for an access token
 *       (OAuth 2.0 JWT bearer grant), cached until shortly before it expires. Optional:
 *       {@code scope} (default {@code https://www.googleapis.com/auth/cloud-platform}) and
 *       {@code tokenUri}, which replaces where the exchange is sent (private endpoints, tests).</li>
 * </ul>
 */
@Extension
public final class GcpCredentialsFactory implements BackendAuthFactory {
  static final String DEFAULT_SCOPE = "https://www.googleapis.com/auth/cloud-platform";

  private final PlatformServices platform;

  @Inject
  public GcpCredentialsFactory(PlatformServices platform) {
    this.platform = platform;
  }

  @Override
  public String type() {
    return "GCPCredentials";
  }

  @Override
  public BackendAuth create(Settings s) throws InvalidConfigException {
    s.allowOnly(Set.of("tokenFile", "serviceAccountKeyFile", "scope", "tokenUri"));
    boolean tokenFile = s.has("tokenFile");
    boolean keyFile = s.has("serviceAccountKeyFile");
    if (tokenFile == keyFile) {
      throw new InvalidConfigException(s.path(), "set exactly one of tokenFile or serviceAccountKeyFile");
    }
    if (tokenFile) {
      if (s.has("scope") || s.has("tokenUri")) {
        throw new InvalidConfigException(s.field(s.has("scope") ? "scope" : "tokenUri"),
            "only applies with serviceAccountKeyFile");
      }
      Path file = Path.of(s.string("tokenFile"));
      String field = s.field("tokenFile");
      platform.readSecretFile(file, field); // a missing file fails the config load
      return new TokenFileAuth(platform, file, field);
    }
    String field = s.field("serviceAccountKeyFile");
    ServiceAccountKey key = ServiceAccountKey.parse(
        platform.readSecretFile(Path.of(s.string("serviceAccountKeyFile")), field), field);
    URI tokenUri = key.tokenUri();
    if (s.has("tokenUri")) {
      try {
        tokenUri = URI.create(s.string("tokenUri"));
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigException(s.field("tokenUri"), "is not a URI");
      }
      if (!"https".equals(tokenUri.getScheme()) && !"http".equals(tokenUri.getScheme())) {
        throw new InvalidConfigException(s.field("tokenUri"), "must be an http(s) URI");
      }
    }
    ServiceAccountTokens tokens = new ServiceAccountTokens(key, s.string("scope", DEFAULT_SCOPE), tokenUri,
        platform.httpClient(), platform.clock());
    // may call the token endpoint, so not NonBlocking: requests then go through a worker thread
    return (request, backend, clientHeaders) ->
        request.withHeader("authorization", "Bearer " + tokens.token(backend.name()));
  }

  /** A token kept fresh in a file by something else: read per request, never waits on the network. */
  @NonBlocking
  private record TokenFileAuth(PlatformServices platform, Path file, String field) implements BackendAuth {
    @Override
    public UpstreamRequest apply(UpstreamRequest request, BackendTarget backend, Headers clientHeaders)
        throws GatewayException {
      String token;
      try {
        token = platform.readSecretFile(file, field);
      } catch (InvalidConfigException e) {
        throw new GatewayException(500, "server_error",
            "the gateway cannot read the access token of backend '" + backend.name() + "'");
      }
      return request.withHeader("authorization", "Bearer " + token);
    }
  }
}
