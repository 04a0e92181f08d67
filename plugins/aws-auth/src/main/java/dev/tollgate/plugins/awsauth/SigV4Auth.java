package dev.tollgate.plugins.awsauth;

import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.BackendAuth;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Signs the final request (method, path, query, host, content-type and body) with SigV4 and sets
 * {@code authorization}, {@code x-amz-date}, {@code x-amz-content-sha256},
 * {@code x-amz-security-token} (session credentials only) and {@code :authority} (the AWS host:
 * the signature covers it, so Envoy must send it as the upstream host).
 */
final class SigV4Auth implements BackendAuth {
  private static final Logger LOG = LoggerFactory.getLogger(SigV4Auth.class);
  /** Headers of the translated request that are signed when present: they reach AWS unchanged. */
  private static final Set<String> SIGNED = Set.of("content-type", "accept");
  private static final AwsV4HttpSigner SIGNER = AwsV4HttpSigner.create();

  private final CredentialsSource credentials;
  private final String region;
  private final String service;
  private final String host;
  private final Clock clock;

  SigV4Auth(CredentialsSource credentials, String region, String service, String host, Clock clock) {
    this.credentials = credentials;
    this.region = region;
    this.service = service;
    this.host = host;
    this.clock = clock;
  }

  @Override
  public UpstreamRequest apply(UpstreamRequest request, BackendTarget backend, Headers clientHeaders)
      throws GatewayException {
    AwsCredentialsIdentity identity;
    try {
      identity = credentials.get();
    } catch (InvalidConfigException e) {
      LOG.error("backend {}: cannot read AWS credentials: {}", backend.name(), e.getMessage());
      throw new GatewayException(500, "server_error",
          "the gateway cannot read the AWS credentials of backend '" + backend.name() + "'");
    }
    SdkHttpRequest.Builder http = SdkHttpRequest.builder()
        .method(SdkHttpMethod.fromValue(request.method().toUpperCase(Locale.ROOT)))
        .protocol("https")
        .host(host)
        .putHeader("host", host);
    String path = request.path();
    int q = path.indexOf('?');
    http.encodedPath(q < 0 ? path : path.substring(0, q));
    if (q >= 0) {
      for (String pair : path.substring(q + 1).split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        http.appendRawQueryParameter(k, v);
      }
    }
    for (String name : SIGNED) {
      String v = request.setHeaders().value(name);
      if (v != null) {
        http.putHeader(name, v);
      }
    }
    byte[] body = request.body();
    SignedRequest signed;
    try {
      signed = SIGNER.sign(r -> r.identity(identity)
          .request(http.build())
          .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
          .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
          .putProperty(AwsV4HttpSigner.REGION_NAME, region)
          .putProperty(HttpSigner.SIGNING_CLOCK, clock));
    } catch (RuntimeException e) {
      LOG.error("backend {}: SigV4 signing failed: {}", backend.name(), e.toString());
      throw new GatewayException(500, "server_error", "the gateway could not sign the request for backend '"
          + backend.name() + "'");
    }
    UpstreamRequest out = request.withHeader(":authority", host);
    Map<String, List<String>> headers = signed.request().headers();
    for (Map.Entry<String, List<String>> h : headers.entrySet()) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (name.equals("authorization") || name.startsWith("x-amz-")) {
        out = out.withHeader(name, String.join(",", h.getValue()));
      }
    }
    if (!(identity instanceof software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity)) {
      out = out.withoutHeader("x-amz-security-token"); // a client's stale token must not reach AWS
    }
    return out;
  }
}
