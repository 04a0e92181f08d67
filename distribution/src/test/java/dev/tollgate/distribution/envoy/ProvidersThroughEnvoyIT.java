package dev.tollgate.distribution.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.testkit.FakeAnthropic;
import dev.tollgate.testkit.FakeAzureOpenAi;
import dev.tollgate.testkit.FakeBedrock;
import dev.tollgate.testkit.FakeGcpTokenEndpoint;
import dev.tollgate.testkit.FakeGemini;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.SigV4Check;
import dev.tollgate.testkit.FakeUpstream.Received;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every backend schema Tollgate ships, behind the real Envoy on the bootstrap {@code tollgate
 * translate} generates, driven by the official OpenAI Python SDK. Each provider is a test-kit fake
 * on loopback behind TLS, with a certificate of the test CA for the provider's real host name,
 * which Envoy verifies (endpoint.sni, endpoint.caFile). The rules route by model name.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProvidersThroughEnvoyIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String AWS_HOST = "bedrock-runtime.eu-west-1.amazonaws.com";
  private static final String AK = "AKIDEXAMPLE";
  private static final String SK = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  private static final String SA_EMAIL = "tollgate@my-project.iam.gserviceaccount.com";
  private static final String VERTEX_TOKEN = "ya29.from-a-file";
  private static final String SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN";

  @TempDir
  static Path dir;
  private final SigV4Check sigV4 = new SigV4Check(AK, SK, "eu-west-1", "bedrock", null);
  private final List<FakeUpstream> fakes = new ArrayList<>();
  private FakeUpstream bedrock;
  private FakeUpstream bedrockClaude;
  private FakeUpstream anthropic;
  private FakeUpstream gemini;
  private FakeUpstream vertexClaude;
  private FakeUpstream azure;
  private FakeGcpTokenEndpoint tokens;
  private EnvoyAndTollgate gateway;

  @BeforeAll
  void start() throws Exception {
    SSLContext tls = TestCa.create(Files.createDirectories(dir.resolve("ca"))).serverContext(AWS_HOST, "api.anthropic.com",
        "us-central1-aiplatform.googleapis.com", "us-east5-aiplatform.googleapis.com", "tollgate.openai.azure.com");
    bedrock = fake(FakeBedrock.handler(sigV4, r -> r.path().endsWith("/converse-stream")
        ? FakeBedrock.stream(FakeBedrock.textStream(List.of("Hello", " from", " Nova."), "end_turn", 12, 3))
        : FakeBedrock.converseText("Hello from Nova.", "end_turn", 12, 3)), tls);
    bedrockClaude = fake(FakeBedrock.handler(sigV4, FakeAnthropic.handler(null,
        FakeAnthropic.text("anthropic.claude-3-5-haiku-20241022-v1:0", "Hello", " from Bedrock Claude.", 14, 0, 5))), tls);
    anthropic = fake(FakeAnthropic.handler("sk-ant-upstream",
        FakeAnthropic.text("claude-sonnet-4-5", "Hello", " from Claude.", 25, 0, 9)), tls);
    gemini = fake(FakeGemini.handler(null, 20, 7, 0, 0), tls);
    vertexClaude = fake(FakeAnthropic.handler(null,
        FakeAnthropic.text("claude-3-5-haiku@20241022", "Hello", " from Vertex Claude.", 16, 0, 6)), tls);
    azure = fake(FakeAzureOpenAi.handler(Set.of("gpt-4o", "gpt-4o-mini"), "azure-secret", null, 13, 5), tls);

    Path secrets = Files.createDirectories(dir.resolve("secrets"));
    Path awsCredentials = Files.writeString(secrets.resolve("aws-credentials"),
        "[default]\naws_access_key_id = " + AK + "\naws_secret_access_key = " + SK + "\naws_session_token = "
            + SESSION_TOKEN + "\n");
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair sa = g.generateKeyPair();
    tokens = new FakeGcpTokenEndpoint(sa.getPublic(), SA_EMAIL, "https://oauth2.googleapis.com/token");
    Path saKey = Files.writeString(secrets.resolve("sa.json"), JSON.createObjectNode()
        .put("type", "service_account").put("project_id", "my-project").put("private_key_id", "kid-it")
        .put("private_key", "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'})
            .encodeToString(sa.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n")
        .put("client_email", SA_EMAIL).put("token_uri", "https://oauth2.googleapis.com/token").toPrettyString());
    Path vertexToken = Files.writeString(secrets.resolve("vertex-token"), VERTEX_TOKEN + "\n");

    Path resources = Files.createDirectories(dir.resolve("resources"));
    Files.writeString(resources.resolve("route.yaml"), """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: providers}
        spec:
          rules:
            - {name: bedrock, modelPattern: "amazon\\\\..+", backendRefs: [{name: bedrock}]}
            - {name: bedrock-claude, modelPattern: "anthropic\\\\.claude-.+", backendRefs: [{name: bedrock-claude}]}
            - {name: vertex-claude, modelPattern: "claude-.+@.+", backendRefs: [{name: vertex-claude}]}
            - {name: anthropic, modelPattern: "claude-.+", backendRefs: [{name: anthropic}]}
            - {name: gemini, modelPattern: "gemini-.+", backendRefs: [{name: gemini}]}
            - {name: azure, modelPattern: "gpt-.+", backendRefs: [{name: azure}]}
          llmRequestCosts:
            - {metadataKey: llm_input_token, type: InputToken}
            - {metadataKey: llm_output_token, type: OutputToken}
            - {metadataKey: llm_total_token, type: TotalToken}
        """);
    Files.writeString(resources.resolve("backends.yaml"), String.join("---\n",
        backend("bedrock", "{name: AWSBedrock}", bedrock, AWS_HOST, "aws", null),
        backend("bedrock-claude", "{name: AWSAnthropic}", bedrockClaude, AWS_HOST, "aws", null),
        ProviderResources.policy("aws", "AWSCredentials", "awsCredentials: {region: eu-west-1, credentialsFile: \"" + awsCredentials + "\"}"),
        backend("anthropic", "{name: Anthropic}", anthropic, "api.anthropic.com", "anthropic-key", null),
        ProviderResources.policy("anthropic-key", "APIKey", "apiKey: {inline: sk-ant-upstream}"),
        backend("gemini", "{name: GCPVertexAI}", gemini, "us-central1-aiplatform.googleapis.com", "gcp-sa",
            "{project: my-project, region: us-central1}"),
        ProviderResources.policy("gcp-sa", "GCPCredentials", "gcpCredentials: {serviceAccountKeyFile: \"" + saKey + "\", tokenUri: \""
            + tokens.tokenUri() + "\"}"),
        backend("vertex-claude", "{name: GCPAnthropic}", vertexClaude, "us-east5-aiplatform.googleapis.com", "gcp-token",
            "{project: my-project, region: us-east5}"),
        ProviderResources.policy("gcp-token", "GCPCredentials", "gcpCredentials: {tokenFile: \"" + vertexToken + "\"}"),
        backend("azure", "{name: AzureOpenAI, version: 2024-10-21}", azure, "tollgate.openai.azure.com", "azure-key", null),
        ProviderResources.policy("azure-key", "AzureCredentials", "azureCredentials: {apiKey: {inline: azure-secret}}")));
    // at DEBUG, as an operator chasing a problem would run it: the log must still hold no credential
    gateway = new EnvoyAndTollgate(dir).tollgateEnv("TOLLGATE_LOG_LEVEL", "DEBUG");
    EnvoyAndTollgate.Translated t = gateway.translate(resources, "--route-timeout", "PT10S");
    gateway.start(t.gatewayConfig(), t.bootstrap());
  }

  private FakeUpstream fake(java.util.function.Function<Received, FakeUpstream.Answer> handler, SSLContext tls)
      throws Exception {
    FakeUpstream f = new FakeUpstream(handler, tls);
    fakes.add(f);
    return f;
  }

  /** An AIServiceBackend on the fake, behind TLS for the provider's real host name. */
  private String backend(String name, String schema, FakeUpstream fake, String sni, String policy, String provider) {
    return ProviderResources.backend(name, schema, fake, sni, dir.resolve("ca/ca.pem"), policy, provider);
  }

  @AfterAll
  void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    fakes.forEach(FakeUpstream::close);
    if (tokens != null) {
      tokens.close();
    }
  }

  /** One SDK call through Envoy: what the SDK returned, what the fake received, how many access-log lines came before. */
  private record Exchange(JsonNode answer, Received upstream, String backend, int loggedBefore) {
  }

  private Exchange call(String scenario, String model, FakeUpstream fake, String backend) throws Exception {
    int received = fake.received().size();
    int logged = gateway.accessLogLines().size();
    JsonNode answer = Clients.python(gateway.base(), scenario, model);
    List<Received> all = fake.received();
    assertThat(all).as("what %s received for %s (SDK got %s)", backend, model, answer).hasSize(received + 1);
    Received up = all.get(all.size() - 1);
    assertThat(up.headers().values()).as("the client's key must not reach " + backend)
        .noneMatch(v -> v.contains("sk-client"));
    return new Exchange(answer, up, backend, logged);
  }

  /** The first access-log line after the first {@code before} ones whose costs name this backend. */
  private JsonNode loggedAfter(int before, String backend) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < deadline) {
      List<JsonNode> lines = gateway.accessLogLines();
      for (JsonNode l : lines.subList(Math.min(before, lines.size()), lines.size())) {
        if (backend.equals(l.path("costs").path("backend_name").asText())) {
          return l;
        }
      }
      Thread.sleep(100);
    }
    List<JsonNode> lines = gateway.accessLogLines();
    List<String> log = gateway.tollgateLog().lines().toList();
    throw new AssertionError("no new access-log line with the costs of backend " + backend + "; the new lines: "
        + lines.subList(Math.min(before, lines.size()), lines.size()) + "; the end of Tollgate's log: "
        + String.join("\n", log.subList(Math.max(0, log.size() - 15), log.size())));
  }

  /** The SDK's whole answer and its usage. */
  private static void assertWhole(Exchange e, String text, int in, int out) {
    assertThat(e.answer().path("content").asText()).as(e.answer().toString()).isEqualTo(text);
    assertThat(e.answer().path("usage").path("prompt_tokens").asInt()).isEqualTo(in);
    assertThat(e.answer().path("usage").path("completion_tokens").asInt()).isEqualTo(out);
    assertThat(e.answer().path("usage").path("total_tokens").asInt()).isEqualTo(in + out);
  }

  /** The SDK's streamed answer and the usage of its last chunk. */
  private static void assertStreamed(Exchange e, String text, int in, int out) {
    assertThat(e.answer().path("content").asText()).as(e.answer().toString()).isEqualTo(text);
    assertThat(e.answer().path("chunks").asInt()).isGreaterThanOrEqualTo(2);
    assertThat(e.answer().path("usage").path("prompt_tokens").asInt()).as(e.answer().toString()).isEqualTo(in);
    assertThat(e.answer().path("usage").path("completion_tokens").asInt()).isEqualTo(out);
  }

  /** Envoy's access-log line of the exchange, with the costs Tollgate reported. */
  private void assertLogged(Exchange e, int in, int out) throws Exception {
    JsonNode log = loggedAfter(e.loggedBefore(), e.backend());
    assertThat(log.path("status").asInt()).as(log.toString()).isEqualTo(200);
    assertThat(log.path("upstream_cluster").asText()).isEqualTo("tollgate-backend-" + e.backend());
    assertThat(log.path("costs").path("llm_input_token").asInt()).as(log.toString()).isEqualTo(in);
    assertThat(log.path("costs").path("llm_output_token").asInt()).isEqualTo(out);
    assertThat(log.path("costs").path("llm_total_token").asInt()).isEqualTo(in + out);
  }

  @Test
  void awsBedrockConverseSignedWithSigV4() throws Exception {
    Exchange whole = call("chat", "amazon.nova-micro-v1:0", bedrock, "bedrock");
    assertWhole(whole, "Hello from Nova.", 12, 3);
    assertThat(whole.upstream().path()).isEqualTo("/model/amazon.nova-micro-v1%3A0/converse");
    assertSignedForAws(whole.upstream());
    assertThat(JSON.readTree(whole.upstream().body()).path("messages").get(0).path("content").get(0)
        .path("text").asText()).isEqualTo("Say hello");

    Exchange streamed = call("chat_stream", "amazon.nova-lite-v1:0", bedrock, "bedrock");
    assertStreamed(streamed, "Hello from Nova.", 12, 3);
    assertThat(streamed.upstream().path()).isEqualTo("/model/amazon.nova-lite-v1%3A0/converse-stream");
    assertSignedForAws(streamed.upstream());
    assertLogged(whole, 12, 3);
    assertLogged(streamed, 12, 3);
  }

  @Test
  void aDebugLogHoldsNoCredentialOfAnyBackend() throws Exception {
    call("chat", "amazon.nova-micro-v1:0", bedrock, "bedrock");
    call("chat", "gpt-4o-azure", azure, "azure");
    call("chat", "gemini-2.0-flash", gemini, "gemini");
    call("chat", "claude-sonnet-4-5", anthropic, "anthropic");
    assertThat(bedrock.last().header("x-amz-security-token")).as("the session token is used").isEqualTo(SESSION_TOKEN);

    String log = gateway.tollgateLog();
    assertThat(log).as("the log is at DEBUG").contains(" DEBUG ");
    assertThat(log).doesNotContain(SK).doesNotContain(SESSION_TOKEN).doesNotContain("azure-secret")
        .doesNotContain("sk-ant-upstream").doesNotContain(VERTEX_TOKEN).doesNotContain(tokens.lastToken())
        .doesNotContain("sk-client");
  }

  @Test
  void awsAnthropicClaudeOnBedrockSignedWithSigV4() throws Exception {
    Exchange whole = call("chat", "anthropic.claude-3-5-haiku-20241022-v1:0", bedrockClaude, "bedrock-claude");
    assertWhole(whole, "Hello from Bedrock Claude.", 14, 5);
    assertThat(whole.upstream().path()).isEqualTo("/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke");
    assertSignedForAws(whole.upstream());

    Exchange streamed = call("chat_stream", "anthropic.claude-3-5-haiku-20241022-v1:0", bedrockClaude,
        "bedrock-claude");
    assertStreamed(streamed, "Hello from Bedrock Claude.", 14, 5);
    assertThat(streamed.upstream().path())
        .isEqualTo("/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke-with-response-stream");
    assertSignedForAws(streamed.upstream());
    assertLogged(whole, 14, 5);
    assertLogged(streamed, 14, 5);
  }

  /** Signed for the AWS host, which Envoy sent as Host; the signature checks out (the fake refused it otherwise). */
  private void assertSignedForAws(Received r) {
    assertThat(r.header("host")).isEqualTo(AWS_HOST);
    assertThat(r.header("authorization")).startsWith("AWS4-HMAC-SHA256 Credential=" + AK + "/");
    assertThat(sigV4.problem(r)).isNull();
    byte[] tampered = r.body().clone();
    tampered[tampered.length - 2] ^= 1;
    assertThat(sigV4.problem(new Received(r.method(), r.path(), r.headers(), tampered))).as("the check is real")
        .isNotNull();
  }

  @Test
  void anthropicWithItsApiKey() throws Exception {
    Exchange whole = call("chat", "claude-sonnet-4-5", anthropic, "anthropic");
    assertWhole(whole, "Hello from Claude.", 25, 9);
    assertThat(whole.upstream().path()).isEqualTo("/v1/messages");
    assertThat(whole.upstream().header("x-api-key")).isEqualTo("sk-ant-upstream");
    assertThat(whole.upstream().header("authorization")).isNull();
    assertThat(whole.upstream().header("anthropic-version")).isEqualTo("2023-06-01");

    Exchange streamed = call("chat_stream", "claude-haiku-4-5", anthropic, "anthropic");
    assertStreamed(streamed, "Hello from Claude.", 25, 9);
    assertThat(streamed.upstream().header("x-api-key")).isEqualTo("sk-ant-upstream");
    assertThat(JSON.readTree(streamed.upstream().body()).path("stream").asBoolean()).isTrue();
    assertLogged(whole, 25, 9);
    assertLogged(streamed, 25, 9);
  }

  @Test
  void vertexGeminiWithAServiceAccountTokenExchange() throws Exception {
    String models = "/v1/projects/my-project/locations/us-central1/publishers/google/models/";
    Exchange whole = call("chat", "gemini-2.0-flash", gemini, "gemini");
    assertWhole(whole, FakeGemini.TEXT, 20, 7);
    assertThat(whole.upstream().path()).isEqualTo(models + "gemini-2.0-flash:generateContent");
    assertThat(tokens.calls()).isNotEmpty().allSatisfy(c -> assertThat(c.accepted()).as(c.refusal()).isTrue());
    assertThat(whole.upstream().header("authorization")).isEqualTo("Bearer " + tokens.lastToken());

    Exchange streamed = call("chat_stream", "gemini-2.0-flash-lite", gemini, "gemini");
    assertStreamed(streamed, FakeGemini.TEXT, 20, 7);
    assertThat(streamed.upstream().path()).isEqualTo(models + "gemini-2.0-flash-lite:streamGenerateContent?alt=sse");
    assertThat(streamed.upstream().header("authorization")).isEqualTo("Bearer " + tokens.lastToken());
    assertThat(tokens.calls()).as("the token is cached").hasSize(1);
    assertLogged(whole, 20, 7);
    assertLogged(streamed, 20, 7);
  }

  @Test
  void gcpAnthropicClaudeOnVertexWithATokenFile() throws Exception {
    String models = "/v1/projects/my-project/locations/us-east5/publishers/anthropic/models/";
    Exchange whole = call("chat", "claude-3-5-haiku@20241022", vertexClaude, "vertex-claude");
    assertWhole(whole, "Hello from Vertex Claude.", 16, 6);
    assertThat(whole.upstream().path()).isEqualTo(models + "claude-3-5-haiku@20241022:rawPredict");
    assertThat(whole.upstream().header("authorization")).isEqualTo("Bearer " + VERTEX_TOKEN);

    Exchange streamed = call("chat_stream", "claude-3-5-haiku@20241022", vertexClaude, "vertex-claude");
    assertStreamed(streamed, "Hello from Vertex Claude.", 16, 6);
    assertThat(streamed.upstream().path()).isEqualTo(models + "claude-3-5-haiku@20241022:streamRawPredict");
    assertThat(streamed.upstream().header("authorization")).isEqualTo("Bearer " + VERTEX_TOKEN);
    assertLogged(whole, 16, 6);
    assertLogged(streamed, 16, 6);
  }

  @Test
  void azureOpenAiWithAnApiKey() throws Exception {
    Exchange whole = call("chat", "gpt-4o", azure, "azure");
    assertWhole(whole, "Hello from Azure.", 13, 5);
    assertThat(whole.upstream().path()).isEqualTo("/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21");
    assertThat(whole.upstream().header("api-key")).isEqualTo("azure-secret");
    assertThat(whole.upstream().header("authorization")).isNull();

    Exchange streamed = call("chat_stream", "gpt-4o-mini", azure, "azure");
    assertStreamed(streamed, "Hello from Azure.", 13, 5);
    assertThat(streamed.upstream().path())
        .isEqualTo("/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21");
    assertThat(streamed.upstream().header("api-key")).isEqualTo("azure-secret");
    assertLogged(whole, 13, 5);
    assertLogged(streamed, 13, 5);
  }
}
