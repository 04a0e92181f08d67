package dev.tollgate.plugins.gcpauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.testkit.FakeGcpTokenEndpoint;
import dev.tollgate.testkit.FakeGemini;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.HttpExchange;
import dev.tollgate.testkit.ProxyResponse;
import dev.tollgate.testkit.TollgateHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GCP credentials in front of the Vertex AI translator, against a fake token endpoint and a fake Gemini. */
class GcpCredentialsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String EMAIL = "tollgate@my-project.iam.gserviceaccount.com";
  private static final String CHAT = "{\"model\":\"gemini-2.0-flash\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
  private static KeyPair serviceAccount;
  private static KeyPair stranger;

  @TempDir
  Path dir;
  FakeUpstream gemini;
  FakeGcpTokenEndpoint tokens;
  TollgateHarness gw;

  @BeforeAll
  static void keys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    serviceAccount = g.generateKeyPair();
    stranger = g.generateKeyPair();
  }

  @BeforeEach
  void start() throws Exception {
    gemini = new FakeUpstream(FakeGemini.handler(null, 3, 4, 0, 0));
    tokens = new FakeGcpTokenEndpoint(serviceAccount.getPublic(), EMAIL, ServiceAccountKey.GOOGLE_TOKEN_URI);
  }

  @AfterEach
  void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
    gemini.close();
    tokens.close();
  }

  /** A service account key file as the Cloud console downloads it. */
  private Path keyFile(KeyPair pair) throws Exception {
    String pem = "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pair.getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
    ObjectNode key = JSON.createObjectNode()
        .put("type", "service_account")
        .put("project_id", "my-project")
        .put("private_key_id", "abc123keyid")
        .put("private_key", pem)
        .put("client_email", EMAIL)
        .put("client_id", "1234567890")
        .put("auth_uri", "https://accounts.google.com/o/oauth2/auth")
        .put("token_uri", ServiceAccountKey.GOOGLE_TOKEN_URI);
    Path file = dir.resolve("sa-" + System.nanoTime() + ".json");
    Files.writeString(file, key.toPrettyString());
    return file;
  }

  private TollgateHarness start(String auth) throws Exception {
    gw = TollgateHarness.startFromClasspath(dir, """
        rules:
          - backends: [{name: vertex}]
        backends:
          - name: vertex
            schema: {name: GCPVertexAI}
            provider: {project: my-project, region: us-central1}
            auth: %s
        """.formatted(auth));
    return gw;
  }

  private ProxyResponse chat() throws Exception {
    return gw.envoy(Map.of("vertex", gemini.uri())).send(HttpExchange.postJson("/v1/chat/completions", CHAT,
        "authorization", "Bearer client-key-must-not-reach-google"));
  }

  @Test
  void serviceAccountKeyIsExchangedForATokenThatIsCached() throws Exception {
    start("{type: GCPCredentials, serviceAccountKeyFile: %s, tokenUri: '%s'}"
        .formatted(keyFile(serviceAccount), tokens.tokenUri()));
    gemini.handler(FakeGemini.handler("ya29.fake-token-1", 3, 4, 0, 0));

    ProxyResponse first = chat();
    ProxyResponse second = chat();

    assertThat(first.status()).isEqualTo(200);
    assertThat(second.status()).isEqualTo(200);
    assertThat(gemini.received()).allSatisfy(r -> assertThat(r.header("authorization")).isEqualTo("Bearer ya29.fake-token-1"));
    assertThat(tokens.calls()).as("the second request reuses the cached token").hasSize(1);
    FakeGcpTokenEndpoint.Call call = tokens.calls().get(0);
    assertThat(call.accepted()).as(call.refusal()).isTrue();
    assertThat(call.header().path("kid").asText()).isEqualTo("abc123keyid");
    JsonNode claims = call.claims();
    assertThat(claims.path("iss").asText()).isEqualTo(EMAIL);
    assertThat(claims.path("scope").asText()).isEqualTo("https://www.googleapis.com/auth/cloud-platform");
    assertThat(claims.path("exp").asLong() - claims.path("iat").asLong()).isEqualTo(3600);
  }

  @Test
  void aShortLivedTokenIsRefreshedBeforeItExpires() throws Exception {
    tokens.expiresIn(1); // refreshed after half its life
    start("{type: GCPCredentials, serviceAccountKeyFile: %s, tokenUri: '%s', scope: 'https://www.googleapis.com/auth/cloud-platform.read-only'}"
        .formatted(keyFile(serviceAccount), tokens.tokenUri()));
    chat();
    Thread.sleep(700);
    chat();
    assertThat(tokens.calls()).hasSize(2);
    assertThat(tokens.calls().get(1).claims().path("scope").asText()).endsWith("cloud-platform.read-only");
    assertThat(gemini.received().get(0).header("authorization")).isEqualTo("Bearer ya29.fake-token-1");
    assertThat(gemini.received().get(1).header("authorization")).isEqualTo("Bearer ya29.fake-token-2");
  }

  @Test
  void tokenEndpointFailureIs500NamingTheBackendWithoutSecrets() throws Exception {
    tokens.failWith(503);
    start("{type: GCPCredentials, serviceAccountKeyFile: %s, tokenUri: '%s'}"
        .formatted(keyFile(serviceAccount), tokens.tokenUri()));
    ProxyResponse r = chat();
    assertThat(r.localReply()).isTrue();
    assertThat(r.status()).isEqualTo(500);
    String message = JSON.readTree(r.body()).path("error").path("message").asText();
    assertThat(message).contains("'vertex'").contains("HTTP 503").doesNotContain("PRIVATE KEY").doesNotContain("assertion");
    assertThat(gemini.received()).isEmpty();
  }

  @Test
  void aKeyTheEndpointDoesNotTrustIsReportedAsInvalidGrant() throws Exception {
    start("{type: GCPCredentials, serviceAccountKeyFile: %s, tokenUri: '%s'}"
        .formatted(keyFile(stranger), tokens.tokenUri()));
    ProxyResponse r = chat();
    assertThat(r.status()).isEqualTo(500);
    assertThat(tokens.calls().get(0).refusal()).isEqualTo("Invalid JWT Signature.");
    assertThat(JSON.readTree(r.body()).path("error").path("message").asText()).contains("HTTP 400 (invalid_grant)");
  }

  @Test
  void tokenFileIsSentAndReadAgainWhenItChanges() throws Exception {
    Path token = dir.resolve("token");
    Files.writeString(token, "ya29.from-file\n");
    start("{type: GCPCredentials, tokenFile: %s}".formatted(token));
    chat();
    Files.writeString(token, "ya29.rotated-token-value\n");
    chat();
    assertThat(gemini.received().get(0).header("authorization")).isEqualTo("Bearer ya29.from-file");
    assertThat(gemini.received().get(1).header("authorization")).isEqualTo("Bearer ya29.rotated-token-value");
  }

  @Test
  void configErrorsNameTheField() throws Exception {
    Path key = keyFile(serviceAccount);
    assertThatThrownBy(() -> start("{type: GCPCredentials, tokenFile: /x, serviceAccountKeyFile: %s}".formatted(key)))
        .hasMessageContaining("backends[0].auth").hasMessageContaining("exactly one of tokenFile or serviceAccountKeyFile");
    assertThatThrownBy(() -> start("{type: GCPCredentials, tokenFile: %s}".formatted(dir.resolve("missing"))))
        .hasMessageContaining("backends[0].auth.tokenFile").hasMessageContaining("does not exist");
    assertThatThrownBy(() -> start("{type: GCPCredentials, tokenFile: %s, tokenUri: 'http://x'}".formatted(key)))
        .hasMessageContaining("backends[0].auth.tokenUri");
    assertThatThrownBy(() -> start("{type: GCPCredentials, serviceAcountKeyFile: %s}".formatted(key)))
        .hasMessageContaining("backends[0].auth.serviceAcountKeyFile").hasMessageContaining("unknown field");

    Path noEmail = dir.resolve("no-email.json");
    ObjectNode k = (ObjectNode) JSON.readTree(Files.readString(key));
    k.remove("client_email");
    Files.writeString(noEmail, k.toString());
    assertThatThrownBy(() -> start("{type: GCPCredentials, serviceAccountKeyFile: %s}".formatted(noEmail)))
        .hasMessageContaining("backends[0].auth.serviceAccountKeyFile").hasMessageContaining("client_email");

    Path badKey = dir.resolve("bad-key.json");
    k = (ObjectNode) JSON.readTree(Files.readString(key));
    k.put("private_key", "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
    Files.writeString(badKey, k.toString());
    assertThatThrownBy(() -> start("{type: GCPCredentials, serviceAccountKeyFile: %s}".formatted(badKey)))
        .hasMessageContaining("private_key is not a PEM-encoded RSA private key")
        .hasMessageNotContaining("bm90IGEga2V5");
  }
}
