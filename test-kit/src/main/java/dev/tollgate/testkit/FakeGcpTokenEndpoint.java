package dev.tollgate.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Google's OAuth 2.0 token endpoint for service accounts, on loopback: it accepts
 * {@code grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer} with an RS256-signed JWT
 * {@code assertion}, checks the signature against the service account's public key and the claims
 * ({@code iss}, {@code scope}, {@code aud}, {@code iat}, {@code exp} at most one hour later), and
 * answers {@code {"access_token","expires_in","token_type":"Bearer"}}. A bad assertion gets
 * Google's {@code {"error":"invalid_grant","error_description":..}} with 400.
 */
public final class FakeGcpTokenEndpoint implements AutoCloseable {
  /** One accepted or refused exchange: the decoded JWT header and claims (null when unreadable). */
  public record Call(JsonNode header, JsonNode claims, boolean accepted, String refusal) {
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpServer server;
  private final PublicKey publicKey;
  private final String expectedIssuer;
  private final String expectedAudience;
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final AtomicInteger issued = new AtomicInteger();
  private volatile long expiresIn = 3599;
  private volatile int failWith;

  /**
   * @param publicKey        the service account's public key
   * @param expectedIssuer   the service account's client_email
   * @param expectedAudience the {@code aud} the JWT must carry (Google's token URI)
   */
  public FakeGcpTokenEndpoint(PublicKey publicKey, String expectedIssuer, String expectedAudience) throws IOException {
    this.publicKey = publicKey;
    this.expectedIssuer = expectedIssuer;
    this.expectedAudience = expectedAudience;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "fake-gcp-token");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/token", ex -> {
      try (ex) {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String contentType = ex.getRequestHeaders().getFirst("content-type");
        int status;
        String answer;
        if (failWith > 0) {
          status = failWith;
          answer = "{\"error\":\"internal_failure\",\"error_description\":\"the fake was told to fail\"}";
          calls.add(new Call(null, null, false, "told to fail"));
        } else if (!"POST".equals(ex.getRequestMethod()) || contentType == null
            || !contentType.startsWith("application/x-www-form-urlencoded")) {
          status = 400;
          answer = "{\"error\":\"invalid_request\",\"error_description\":\"POST a form\"}";
          calls.add(new Call(null, null, false, "not a form POST"));
        } else {
          Call c = check(form(body));
          calls.add(c);
          if (c.accepted()) {
            status = 200;
            answer = JSON.createObjectNode().put("access_token", "ya29.fake-token-" + issued.incrementAndGet())
                .put("expires_in", expiresIn).put("token_type", "Bearer").toString();
          } else {
            status = 400;
            answer = JSON.createObjectNode().put("error", "invalid_grant").put("error_description", c.refusal())
                .toString();
          }
        }
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("content-type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
      }
    });
    server.start();
  }

  private Call check(Map<String, String> form) {
    if (!"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(form.get("grant_type"))) {
      return new Call(null, null, false, "unsupported grant_type " + form.get("grant_type"));
    }
    String jwt = form.getOrDefault("assertion", "");
    String[] p = jwt.split("\\.", -1);
    if (p.length != 3) {
      return new Call(null, null, false, "assertion is not a JWT");
    }
    JsonNode header;
    JsonNode claims;
    try {
      Base64.Decoder d = Base64.getUrlDecoder();
      header = JSON.readTree(d.decode(p[0]));
      claims = JSON.readTree(d.decode(p[1]));
      Signature sig = Signature.getInstance("SHA256withRSA");
      sig.initVerify(publicKey);
      sig.update((p[0] + "." + p[1]).getBytes(StandardCharsets.US_ASCII));
      if (!sig.verify(d.decode(p[2]))) {
        return new Call(header, claims, false, "Invalid JWT Signature.");
      }
    } catch (Exception e) {
      return new Call(null, null, false, "unreadable assertion: " + e);
    }
    if (!"RS256".equals(header.path("alg").asText()) || !"JWT".equals(header.path("typ").asText("JWT"))) {
      return new Call(header, claims, false, "alg must be RS256");
    }
    if (!expectedIssuer.equals(claims.path("iss").asText())) {
      return new Call(header, claims, false, "wrong iss");
    }
    if (!expectedAudience.equals(claims.path("aud").asText())) {
      return new Call(header, claims, false, "wrong aud");
    }
    if (claims.path("scope").asText().isBlank()) {
      return new Call(header, claims, false, "no scope");
    }
    long iat = claims.path("iat").asLong(0);
    long exp = claims.path("exp").asLong(0);
    long now = System.currentTimeMillis() / 1000;
    if (iat <= 0 || exp <= iat || exp - iat > 3600 || Math.abs(now - iat) > 300) {
      return new Call(header, claims, false, "Invalid JWT: Token must be a short-lived token (60 minutes)");
    }
    return new Call(header, claims, true, null);
  }

  private static Map<String, String> form(String body) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  /** The token URI to configure ({@code .../token}). */
  public URI tokenUri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/token");
  }

  /** How long issued tokens live, in seconds (default 3599, as Google answers). */
  public void expiresIn(long seconds) {
    this.expiresIn = seconds;
  }

  /** Answer every request with this HTTP status (0: behave normally). */
  public void failWith(int status) {
    this.failWith = status;
  }

  public List<Call> calls() {
    return List.copyOf(calls);
  }

  /** The last access token handed out. */
  public String lastToken() {
    return "ya29.fake-token-" + issued.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
