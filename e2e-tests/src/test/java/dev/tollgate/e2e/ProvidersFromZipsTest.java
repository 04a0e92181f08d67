package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.toolkit.SseDecoder;
import dev.tollgate.testkit.EnvoyLikeClient;
import dev.tollgate.testkit.FakeAnthropic;
import dev.tollgate.testkit.FakeAzureOpenAi;
import dev.tollgate.testkit.FakeBedrock;
import dev.tollgate.testkit.FakeGcpTokenEndpoint;
import dev.tollgate.testkit.FakeGemini;
import dev.tollgate.testkit.FakeOpenAi;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.SigV4Check;
import dev.tollgate.testkit.FakeUpstream.Received;
import dev.tollgate.testkit.HttpExchange;
import dev.tollgate.testkit.ProxyResponse;
import dev.tollgate.testkit.RandomSplitter;
import dev.tollgate.testkit.TollgateHarness;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every provider as the distribution ships it: the translator and auth plugins loaded from their
 * zips (own libraries in {@code lib/}, own class loaders), never from the test class path. One
 * exchange each through the whole gateway; the auth handlers' real work (SigV4, the service
 * account token exchange, Azure keys) is checked by the fake upstreams.
 */
class ProvidersFromZipsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NS = "io.envoy.ai_gateway";
  private static final String COSTS = """
      costs:
        - {metadataKey: llm_input_token, type: InputToken}
        - {metadataKey: llm_output_token, type: OutputToken}
        - {metadataKey: llm_total_token, type: TotalToken}
      """;
  private static final String AWS_HOST = "bedrock-runtime.eu-west-1.amazonaws.com";
  private static final String AK = "AKIDEXAMPLE";
  private static final String SK = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  private static final String AWS_AUTH =
      "{type: AWSCredentials, region: eu-west-1, accessKeyId: " + AK + ", secretAccessKey: " + SK + "}";

  @TempDir
  Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private <T extends AutoCloseable> T keep(T c) {
    open.add(c);
    return c;
  }

  /** The gateway with the plugin zips and one backend named {@code b}, routed to {@code upstream}. */
  private EnvoyLikeClient gateway(String backend, URI upstream) throws Exception {
    TollgateHarness gw = keep(TollgateHarness.start(dir, Plugins.dir(), COSTS + """
        rules:
          - backends: [{name: b}]
        backends:
          - name: b
        """ + backend.indent(4)));
    return gw.envoy(Map.of("b", upstream));
  }

  @Test
  void bedrockConverseStreamSignedWithSigV4() throws Exception {
    String model = "amazon.nova-micro-v1:0";
    SigV4Check sigV4 = new SigV4Check(AK, SK, "eu-west-1", "bedrock", AWS_HOST);
    FakeUpstream bedrock = keep(new FakeUpstream(FakeBedrock.handler(sigV4,
        r -> FakeBedrock.stream(FakeBedrock.textStream(List.of("Hel", "lo", " there"), "end_turn", 12, 3)))));
    EnvoyLikeClient envoy = gateway("""
        schema: {name: AWSBedrock}
        auth: %s
        """.formatted(AWS_AUTH), bedrock.uri());
    envoy.splitResponseChunks(new RandomSplitter(3, 13));

    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
        "{\"model\":\"" + model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));

    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    assertThat(bedrock.last().path()).isEqualTo("/model/amazon.nova-micro-v1%3A0/converse-stream");
    assertThat(bedrock.last().header("authorization")).startsWith("AWS4-HMAC-SHA256 Credential=" + AK + "/");
    // the check is real: the same request with one body byte changed is refused
    Received got = bedrock.last();
    byte[] tampered = got.body().clone();
    tampered[tampered.length - 3] ^= 1;
    assertThat(sigV4.problem(new Received(got.method(), got.path(), got.headers(), tampered))).isNotNull();
    Map<String, String> laterDate = new java.util.HashMap<>(got.headers());
    String date = got.header("x-amz-date");
    laterDate.put("x-amz-date", date.substring(0, date.length() - 2) + (date.charAt(date.length() - 2) == '0' ? "1Z" : "0Z"));
    assertThat(sigV4.problem(new Received(got.method(), got.path(), laterDate, got.body())))
        .contains("signature we calculated does not match");
    assertThat(sigV4.problem(got)).isNull();
    assertThat(r.headers().get("content-type")).startsWith("text/event-stream");
    assertThat(chatStreamText(r)).isEqualTo("Hello there");
    assertThat(r.bodyText()).endsWith("data: [DONE]\n\n");
    assertCosts(r, 12, 3);
  }

  @Test
  void anthropicStreamedToAnOpenAiClientWithXApiKey() throws Exception {
    FakeUpstream anthropic = keep(new FakeUpstream(FakeAnthropic.handler("sk-ant-e2e",
        FakeAnthropic.text("claude-sonnet-4-5", "Hello", " from Claude.", 25, 0, 9))));
    EnvoyLikeClient envoy = gateway("""
        schema: {name: Anthropic}
        auth: {type: APIKey, header: x-api-key, key: sk-ant-e2e}
        """, anthropic.uri());
    envoy.splitResponseChunks(new RandomSplitter(8, 7));

    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
        "{\"model\":\"claude-sonnet-4-5\",\"stream\":true,\"max_tokens\":100,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));

    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    Received got = anthropic.last();
    assertThat(got.path()).isEqualTo("/v1/messages");
    assertThat(got.header("x-api-key")).isEqualTo("sk-ant-e2e");
    assertThat(got.header("anthropic-version")).isEqualTo("2023-06-01");
    assertThat(chatStreamText(r)).isEqualTo("Hello from Claude.");
    assertCosts(r, 25, 9);
  }

  @Test
  void awsAnthropicInvokeWithResponseStreamSignedWithSigV4() throws Exception {
    String model = "anthropic.claude-3-5-haiku-20241022-v1:0";
    FakeUpstream bedrock = keep(new FakeUpstream(FakeBedrock.handler(new SigV4Check(AK, SK, "eu-west-1", "bedrock", AWS_HOST),
        FakeAnthropic.handler(null, FakeAnthropic.text(model, "Bon", "jour", 14, 0, 5)))));
    EnvoyLikeClient envoy = gateway("""
        schema: {name: AWSAnthropic}
        auth: %s
        """.formatted(AWS_AUTH), bedrock.uri());
    envoy.splitResponseChunks(new RandomSplitter(21, 11));

    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/messages",
        "{\"model\":\"" + model + "\",\"stream\":true,\"max_tokens\":64,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Salut\"}]}",
        "x-api-key", "client-key-must-not-leak", "anthropic-version", "2023-06-01"));

    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    Received got = bedrock.last();
    assertThat(got.path()).isEqualTo("/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke-with-response-stream");
    assertThat(got.header("x-api-key")).isNull();
    List<SseDecoder.Event> events = new SseDecoder().feed(r.body());
    assertThat(events.get(0).event()).isEqualTo("message_start");
    assertThat(events.get(events.size() - 1).event()).isEqualTo("message_stop");
    assertThat(anthropicStreamText(events)).isEqualTo("Bonjour");
    assertCosts(r, 14, 5);
  }

  @Test
  void vertexGeminiWithAServiceAccountTokenExchange() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair sa = g.generateKeyPair();
    String email = "tollgate@my-project.iam.gserviceaccount.com";
    String googleTokenUri = "https://oauth2.googleapis.com/token";
    FakeGcpTokenEndpoint tokens = keep(new FakeGcpTokenEndpoint(sa.getPublic(), email, googleTokenUri));
    Path key = dir.resolve("sa.json");
    Files.writeString(key, JSON.createObjectNode()
        .put("type", "service_account").put("project_id", "my-project").put("private_key_id", "kid-e2e")
        .put("private_key", "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(sa.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n")
        .put("client_email", email).put("token_uri", googleTokenUri).toPrettyString());
    FakeUpstream gemini = keep(new FakeUpstream(FakeGemini.handler(null, 20, 7, 0, 0)));
    EnvoyLikeClient envoy = gateway("""
        schema: {name: GCPVertexAI}
        provider: {project: my-project, region: us-central1}
        auth: {type: GCPCredentials, serviceAccountKeyFile: '%s', tokenUri: '%s'}
        """.formatted(key, tokens.tokenUri()), gemini.uri());

    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
        "{\"model\":\"gemini-2.0-flash\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
        "authorization", "Bearer client-key-must-not-reach-google"));

    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    assertThat(tokens.calls()).hasSize(1);
    assertThat(tokens.calls().get(0).accepted()).as(tokens.calls().get(0).refusal()).isTrue();
    Received got = gemini.last();
    assertThat(got.path()).isEqualTo(
        "/v1/projects/my-project/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent");
    assertThat(got.header("authorization")).isEqualTo("Bearer " + tokens.lastToken());
    assertThat(JSON.readTree(r.body()).path("choices").get(0).path("message").path("content").asText())
        .isEqualTo(FakeGemini.TEXT);
    assertCosts(r, 20, 7);
  }

  @Test
  void azureOpenAiWithAzureCredentials() throws Exception {
    FakeUpstream azure = keep(new FakeUpstream(FakeAzureOpenAi.handler(Set.of("gpt-4o"), "azure-secret", null, 13, 5)));
    EnvoyLikeClient envoy = gateway("""
        schema: {name: AzureOpenAI, version: 2024-10-21}
        auth: {type: AzureCredentials, apiKey: {key: azure-secret}}
        """, azure.uri());

    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
        "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
        "authorization", "Bearer client-key-must-not-leak"));

    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    Received got = azure.last();
    assertThat(got.path()).isEqualTo("/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21");
    assertThat(got.header("api-key")).isEqualTo("azure-secret");
    assertThat(got.header("authorization")).isNull();
    assertThat(JSON.readTree(r.body()).path("choices").get(0).path("message").path("content").asText())
        .isEqualTo("Hello from Azure.");
    assertCosts(r, 13, 5);
  }

  @Test
  void anthropicClientToAnOpenAiBackend() throws Exception {
    FakeUpstream openai = keep(new FakeUpstream(FakeOpenAi.handler("sk-openai", 11, 7)));
    EnvoyLikeClient envoy = gateway("""
        schema: {name: OpenAI}
        auth: {type: APIKey, key: sk-openai}
        """, openai.uri());
    envoy.splitResponseChunks(new RandomSplitter(5, 3));

    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/messages",
        "{\"model\":\"gpt-4o-mini\",\"max_tokens\":50,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
        "x-api-key", "client-key", "anthropic-version", "2023-06-01"));

    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    Received got = openai.last();
    assertThat(got.path()).isEqualTo("/v1/chat/completions");
    assertThat(got.header("authorization")).isEqualTo("Bearer sk-openai");
    assertThat(got.header("x-api-key")).isNull();
    List<SseDecoder.Event> events = new SseDecoder().feed(r.body());
    assertThat(events.get(0).event()).isEqualTo("message_start");
    assertThat(events.get(events.size() - 1).event()).isEqualTo("message_stop");
    assertThat(anthropicStreamText(events)).isEqualTo("Hello from the fake.");
    assertCosts(r, 11, 7);
  }

  // ------------------------------------------------------------------ helpers

  private static void assertCosts(ProxyResponse r, int in, int out) {
    assertThat(r.metadataNumber(NS, "llm_input_token")).isEqualTo(in);
    assertThat(r.metadataNumber(NS, "llm_output_token")).isEqualTo(out);
    assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(in + out);
  }

  /** The text of an OpenAI SSE stream. */
  private static String chatStreamText(ProxyResponse r) throws Exception {
    StringBuilder text = new StringBuilder();
    for (SseDecoder.Event e : new SseDecoder().feed(r.body())) {
      if (!e.data().equals("[DONE]")) {
        for (JsonNode c : JSON.readTree(e.data()).path("choices")) {
          text.append(c.path("delta").path("content").asText(""));
        }
      }
    }
    return text.toString();
  }

  private static String anthropicStreamText(List<SseDecoder.Event> events) throws Exception {
    StringBuilder text = new StringBuilder();
    for (SseDecoder.Event e : events) {
      JsonNode d = JSON.readTree(e.data());
      assertThat(d.path("type").asText()).isEqualTo(e.event());
      text.append(d.path("delta").path("text").asText(""));
    }
    return text.toString();
  }
}
