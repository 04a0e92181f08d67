package dev.tollgate.plugins.bedrock;

import dev.tollgate.testkit.FakeBedrock;
import dev.tollgate.testkit.FakeUpstream.Received;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * What AWS does with a request, as far as the signature goes: recomputes the SigV4 signature with
 * the AWS SDK's signer over what was received (method, path, body, the signed headers' values,
 * {@code x-amz-date}) and the host the request was meant for, and compares the
 * {@code authorization} header exactly. A changed body, path or header breaks it.
 */
final class SigV4Verifier implements FakeBedrock.RequestCheck {
  private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
  private static final Pattern SIGNED_HEADERS = Pattern.compile("SignedHeaders=([^,]+)");

  private final String host;
  private final String region;
  private final String service;
  private final AwsCredentialsIdentity identity;

  SigV4Verifier(String host, String region, String service, String accessKeyId, String secretKey, String token) {
    this.host = host;
    this.region = region;
    this.service = service;
    this.identity = token == null ? AwsCredentialsIdentity.create(accessKeyId, secretKey)
        : AwsSessionCredentialsIdentity.create(accessKeyId, secretKey, token);
  }

  @Override
  public String problem(Received r) {
    String auth = r.header("authorization");
    String date = r.header("x-amz-date");
    if (auth == null || date == null) {
      return "missing authorization or x-amz-date";
    }
    if (identity instanceof AwsSessionCredentialsIdentity s && !s.sessionToken().equals(r.header("x-amz-security-token"))) {
      return "missing or wrong x-amz-security-token";
    }
    Matcher m = SIGNED_HEADERS.matcher(auth);
    if (!m.find()) {
      return "authorization has no SignedHeaders";
    }
    Clock at = Clock.fixed(ZonedDateTime.parse(date, AMZ_DATE.withZone(ZoneOffset.UTC)).toInstant(), ZoneOffset.UTC);
    SdkHttpRequest.Builder http = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(r.method()))
        .protocol("https").host(host).encodedPath(r.path());
    for (String name : m.group(1).split(";")) {
      if (name.equals("host")) {
        http.putHeader("host", host);
      } else if (!name.equals("x-amz-date") && !name.equals("x-amz-content-sha256")
          && !name.equals("x-amz-security-token")) {
        String v = r.header(name);
        if (v == null) {
          return "signed header " + name + " was not received";
        }
        http.putHeader(name, v);
      }
    }
    String expected = AwsV4HttpSigner.create().sign(s -> s.identity(identity).request(http.build())
            .payload(ContentStreamProvider.fromByteArray(r.body()))
            .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
            .putProperty(AwsV4HttpSigner.REGION_NAME, region)
            .putProperty(HttpSigner.SIGNING_CLOCK, at))
        .request().firstMatchingHeader("Authorization").orElse("");
    return expected.equals(auth) ? null : "The request signature we calculated does not match the signature you provided";
  }
}
