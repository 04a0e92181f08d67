package dev.tollgate.plugins.gcpauth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.toolkit.JsonSupport;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.GatewayException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Access tokens for one service account: signs a JWT (RS256, JDK crypto) and exchanges it at the
 * token endpoint with the JWT bearer grant; the token is cached until shortly before it expires.
 * Thread-safe; concurrent requests share one exchange.
 */
final class ServiceAccountTokens {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceAccountTokens.class);
  private static final ObjectMapper JSON = JsonSupport.MAPPER;
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  static final String GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer";
  /** Assertion lifetime: Google accepts at most one hour. */
  private static final Duration ASSERTION_LIFETIME = Duration.ofHours(1);
  /** Refresh this long before expiry (or at half the lifetime for short-lived tokens). */
  private static final Duration REFRESH_MARGIN = Duration.ofMinutes(5);
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private record Cached(String token, Instant refreshAt) {
  }

  private final ServiceAccountKey key;
  private final String scope;
  private final URI endpoint;
  private final HttpClient http;
  private final Clock clock;
  private volatile Cached cached;

  ServiceAccountTokens(ServiceAccountKey key, String scope, URI endpoint, HttpClient http, Clock clock) {
    this.key = key;
    this.scope = scope;
    this.endpoint = endpoint;
    this.http = http;
    this.clock = clock;
  }

  /** A valid access token, from the cache or a fresh exchange. */
  String token(String backend) throws GatewayException {
    Cached c = cached;
    if (c != null && clock.instant().isBefore(c.refreshAt())) {
      return c.token();
    }
    synchronized (this) {
      c = cached;
      if (c != null && clock.instant().isBefore(c.refreshAt())) {
        return c.token();
      }
      cached = exchange(backend);
      return cached.token();
    }
  }

  private Cached exchange(String backend) throws GatewayException {
    Instant now = clock.instant();
    String form = "grant_type=" + URLEncoder.encode(GRANT_TYPE, StandardCharsets.UTF_8)
        + "&assertion=" + URLEncoder.encode(assertion(now), StandardCharsets.UTF_8);
    HttpRequest request = HttpRequest.newBuilder(endpoint)
        .timeout(TIMEOUT)
        .header("content-type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form))
        .build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      LOG.warn("token exchange for backend {} at {} failed: {}", backend, endpoint, e.toString());
      throw failure(backend, "the token endpoint cannot be reached");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure(backend, "interrupted");
    }
    JsonNode body;
    try {
      body = JSON.readTree(response.body());
    } catch (IOException e) {
      body = null;
    }
    if (response.statusCode() != 200 || body == null || !body.path("access_token").isTextual()
        || body.path("access_token").asText().isBlank()) {
      // The endpoint's own error code (e.g. invalid_grant) helps the operator and is no secret.
      String code = body == null ? "" : body.path("error").asText("");
      String detail = body == null ? "" : body.path("error_description").asText("");
      LOG.warn("token exchange for backend {} at {} answered HTTP {} {} {}", backend, endpoint,
          response.statusCode(), code, detail);
      throw failure(backend, "the token endpoint answered HTTP " + response.statusCode()
          + (code.isEmpty() || code.length() > 64 ? "" : " (" + code + ")"));
    }
    long expiresIn = body.path("expires_in").asLong(3600);
    Duration lifetime = Duration.ofSeconds(Math.max(expiresIn, 0));
    Duration margin = lifetime.dividedBy(2).compareTo(REFRESH_MARGIN) < 0 ? lifetime.dividedBy(2) : REFRESH_MARGIN;
    return new Cached(body.get("access_token").asText(), now.plus(lifetime).minus(margin));
  }

  private static GatewayException failure(String backend, String why) {
    return new GatewayException(500, "server_error",
        "the gateway could not get a Google access token for backend '" + backend + "': " + why);
  }

  /** The signed JWT: iss = the service account, aud = the key's token URI, one hour of validity. */
  String assertion(Instant now) {
    ObjectNode header = JSON.createObjectNode().put("alg", "RS256").put("typ", "JWT");
    if (!key.privateKeyId().isEmpty()) {
      header.put("kid", key.privateKeyId());
    }
    long iat = now.getEpochSecond();
    ObjectNode claims = JSON.createObjectNode()
        .put("iss", key.clientEmail())
        .put("scope", scope)
        .put("aud", key.tokenUri().toString())
        .put("iat", iat)
        .put("exp", iat + ASSERTION_LIFETIME.toSeconds());
    String signingInput = B64.encodeToString(header.toString().getBytes(StandardCharsets.UTF_8)) + "."
        + B64.encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8));
    try {
      Signature rs256 = Signature.getInstance("SHA256withRSA");
      rs256.initSign(key.privateKey());
      rs256.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + B64.encodeToString(rs256.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with the service account key", e);
    }
  }
}
