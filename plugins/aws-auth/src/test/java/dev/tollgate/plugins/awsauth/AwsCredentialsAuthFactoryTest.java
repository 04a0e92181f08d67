package dev.tollgate.plugins.awsauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.core.PlatformServicesImpl;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The factory's settings, and signatures checked against SigV4 computed by hand from AWS's description. */
class AwsCredentialsAuthFactoryTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2015-08-30T12:36:00Z"), ZoneOffset.UTC);
  private static final String AK = "AKIDEXAMPLE";
  private static final String SK = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  private static final BackendTarget BACKEND = new BackendTarget("bedrock", "AWSBedrock", "", "",
      Settings.empty("backends[0].provider"));

  @TempDir
  Path dir;

  private final AwsCredentialsAuthFactory factory = new AwsCredentialsAuthFactory(new PlatformServicesImpl(CLOCK));

  private static Settings auth(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return Settings.of("backends[0].auth", m);
  }

  private static UpstreamRequest converse(String body) {
    return UpstreamRequest.post("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse",
        Headers.of("content-type", "application/json"), body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void signsTheFinalPathAndBodyForTheAwsHost() throws Exception {
    String body = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Hello\"}]}]}";
    UpstreamRequest signed = factory.create(auth("region", "us-east-1", "accessKeyId", AK, "secretAccessKey", SK))
        .apply(converse(body), BACKEND, Headers.empty());

    String host = "bedrock-runtime.us-east-1.amazonaws.com";
    assertThat(signed.setHeaders().value(":authority")).isEqualTo(host);
    assertThat(signed.setHeaders().value("x-amz-date")).isEqualTo("20150830T123600Z");
    String payloadHash = hex(sha256(body.getBytes(StandardCharsets.UTF_8)));
    assertThat(signed.setHeaders().value("x-amz-content-sha256")).isEqualTo(payloadHash);
    assertThat(signed.setHeaders().contains("x-amz-security-token")).isFalse();
    assertThat(signed.removeHeaders()).contains("x-amz-security-token");

    // SigV4 by hand: the canonical URI of a non-S3 service encodes each segment a second time
    String canonical = String.join("\n", "POST",
        "/model/anthropic.claude-3-haiku-20240307-v1%253A0/converse",
        "",
        "content-type:application/json",
        "host:" + host,
        "x-amz-content-sha256:" + payloadHash,
        "x-amz-date:20150830T123600Z",
        "",
        "content-type;host;x-amz-content-sha256;x-amz-date",
        payloadHash);
    String expected = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/bedrock/aws4_request, "
        + "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature="
        + signature(canonical, "20150830T123600Z", "us-east-1", "bedrock", SK);
    assertThat(signed.setHeaders().value("authorization")).isEqualTo(expected);
    assertThat(signed.body()).isEqualTo(body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void sessionCredentialsFromAFileSignTheTokenAndTheFileIsReadAgainWhenItChanges() throws Exception {
    Path file = dir.resolve("credentials");
    Files.writeString(file, """
        [default]
        aws_access_key_id = AKIDDEFAULT
        aws_secret_access_key = defaultsecret

        [bedrock]
        aws_access_key_id = AKIDEXAMPLE
        aws_secret_access_key = %s
        aws_session_token = token-one
        """.formatted(SK));
    var auth = factory.create(auth("region", "eu-central-1", "service", "bedrock", "credentialsFile", file.toString(),
        "profile", "bedrock", "host", "bedrock.internal.example"));
    String body = "{}";
    UpstreamRequest first = auth.apply(converse(body), BACKEND, Headers.empty());
    assertThat(first.setHeaders().value("x-amz-security-token")).isEqualTo("token-one");
    assertThat(first.setHeaders().value(":authority")).isEqualTo("bedrock.internal.example");
    String payloadHash = hex(sha256(body.getBytes(StandardCharsets.UTF_8)));
    String canonical = String.join("\n", "POST",
        "/model/anthropic.claude-3-haiku-20240307-v1%253A0/converse",
        "",
        "content-type:application/json",
        "host:bedrock.internal.example",
        "x-amz-content-sha256:" + payloadHash,
        "x-amz-date:20150830T123600Z",
        "x-amz-security-token:token-one",
        "",
        "content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token",
        payloadHash);
    assertThat(first.setHeaders().value("authorization")).endsWith("Signature="
        + signature(canonical, "20150830T123600Z", "eu-central-1", "bedrock", SK));

    Files.writeString(file, Files.readString(file).replace("token-one", "token-two-rotated"));
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
    UpstreamRequest second = auth.apply(converse(body), BACKEND, Headers.empty());
    assertThat(second.setHeaders().value("x-amz-security-token")).isEqualTo("token-two-rotated");
  }

  @Test
  void aDefaultProfileIsUsedWhenNoneIsNamed() throws Exception {
    Path file = dir.resolve("credentials");
    Files.writeString(file, "[default]\naws_access_key_id=AKIDDEFAULT\naws_secret_access_key=s\n");
    UpstreamRequest r = factory.create(auth("region", "us-west-2", "credentialsFile", file.toString()))
        .apply(converse("{}"), BACKEND, Headers.empty());
    assertThat(r.setHeaders().value("authorization")).contains("Credential=AKIDDEFAULT/20150830/us-west-2/bedrock/");
  }

  @Test
  void aMissingCredentialsFileIsAConfigErrorNamingTheField() {
    assertThatThrownBy(() -> factory.create(auth("region", "us-east-1",
        "credentialsFile", dir.resolve("nope").toString())))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("backends[0].auth.credentialsFile")
        .extracting(e -> ((InvalidConfigException) e).field()).isEqualTo("backends[0].auth.credentialsFile");
  }

  @Test
  void aMissingProfileIsAConfigErrorNamingTheProfileField() throws Exception {
    Path file = dir.resolve("credentials");
    Files.writeString(file, "[default]\naws_access_key_id=A\naws_secret_access_key=" + SK + "\n");
    assertThatThrownBy(() -> factory.create(auth("region", "us-east-1", "credentialsFile", file.toString(),
        "profile", "prod")))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("backends[0].auth.profile").hasMessageContaining("'prod'")
        .hasMessageNotContaining(SK);
  }

  @Test
  void settingsAreChecked() {
    assertThatThrownBy(() -> factory.create(auth("accessKeyId", AK, "secretAccessKey", SK)))
        .hasMessageContaining("backends[0].auth.region").hasMessageContaining("required");
    assertThatThrownBy(() -> factory.create(auth("region", "us-east-1")))
        .hasMessageContaining("exactly one source");
    assertThatThrownBy(() -> factory.create(auth("region", "us-east-1", "env", true, "accessKeyId", AK,
        "secretAccessKey", SK))).hasMessageContaining("exactly one source");
    assertThatThrownBy(() -> factory.create(auth("region", "us-east-1", "accessKeyId", AK)))
        .hasMessageContaining("backends[0].auth.secretAccessKey");
    assertThatThrownBy(() -> factory.create(auth("region", "us-east-1", "accessKeyId", AK, "secretAccessKey", SK,
        "regoin", "x"))).hasMessageContaining("backends[0].auth.regoin").hasMessageContaining("unknown field");
    assertThatThrownBy(() -> factory.create(auth("region", "US East", "accessKeyId", AK, "secretAccessKey", SK)))
        .hasMessageContaining("backends[0].auth.region");
  }

  @Test
  void environmentCredentialsNeedBothVariables() {
    assertThatThrownBy(() -> CredentialsSource.fromEnvironment(Map.of("AWS_ACCESS_KEY_ID", AK), "backends[0].auth.env"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("backends[0].auth.env").hasMessageContaining("AWS_SECRET_ACCESS_KEY");
  }

  @Test
  void environmentCredentialsWithSessionToken() throws Exception {
    var id = CredentialsSource.fromEnvironment(Map.of("AWS_ACCESS_KEY_ID", AK, "AWS_SECRET_ACCESS_KEY", SK,
        "AWS_SESSION_TOKEN", "tok"), "env").get();
    assertThat(id.accessKeyId()).isEqualTo(AK);
    assertThat(((software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity) id).sessionToken()).isEqualTo("tok");
  }

  @Test
  void aCredentialsFileThatDisappearsLaterFailsTheRequestWithoutSecrets() throws Exception {
    Path file = dir.resolve("credentials");
    Files.writeString(file, "[default]\naws_access_key_id=AKIDDEFAULT\naws_secret_access_key=" + SK + "\n");
    var auth = factory.create(auth("region", "us-east-1", "credentialsFile", file.toString()));
    Files.delete(file);
    assertThatThrownBy(() -> auth.apply(converse("{}"), BACKEND, Headers.empty()))
        .isInstanceOf(GatewayException.class)
        .hasMessageContaining("bedrock").hasMessageNotContaining(SK)
        .extracting(e -> ((GatewayException) e).status()).isEqualTo(500);
  }

  // --- SigV4 by hand (AWS General Reference, "Create a signed AWS API request") ---

  private static String signature(String canonicalRequest, String amzDate, String region, String service,
                                  String secret) throws Exception {
    String day = amzDate.substring(0, 8);
    String stringToSign = String.join("\n", "AWS4-HMAC-SHA256", amzDate,
        day + "/" + region + "/" + service + "/aws4_request",
        hex(sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8))));
    byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), day);
    key = hmac(key, region);
    key = hmac(key, service);
    key = hmac(key, "aws4_request");
    return hex(hmac(key, stringToSign));
  }

  private static byte[] hmac(byte[] key, String data) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] sha256(byte[] data) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(data);
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
