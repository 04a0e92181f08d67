package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.testkit.EnvoyLikeClient;
import dev.tollgate.testkit.FakeAnthropic;
import dev.tollgate.testkit.FakeBedrock;
import dev.tollgate.testkit.FakeOpenAi;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.FakeUpstream.Answer;
import dev.tollgate.testkit.FakeUpstream.Received;
import dev.tollgate.testkit.HttpExchange;
import dev.tollgate.testkit.ProxyResponse;
import dev.tollgate.testkit.SigV4Check;
import dev.tollgate.testkit.TollgateHarness;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole answer the translator cannot translate (status 200, but its JSON truncated, or not the
 * shape the upstream's API promises) reaches the client as a 502 in its own error format, with
 * the translator and auth plugins loaded from their zips: never as a 200 carrying a broken or
 * empty answer.
 */
class UntranslatableAnswersTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String AWS_HOST = "bedrock-runtime.eu-west-1.amazonaws.com";
  private static final String AK = "AKIDEXAMPLE";
  private static final String SK = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  private static final String BEDROCK = """
      schema: {name: AWSBedrock}
      auth: {type: AWSCredentials, region: eu-west-1, accessKeyId: %s, secretAccessKey: %s}
      """.formatted(AK, SK);
  private static final String CHAT =
      "{\"model\":\"amazon.nova-micro-v1:0\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
  private static final String EMBED = "{\"model\":\"amazon.titan-embed-text-v2:0\",\"input\":\"Hello world\"}";

  @TempDir
  Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private EnvoyLikeClient gateway(String backend, URI upstream) throws Exception {
    TollgateHarness gw = TollgateHarness.start(dir, Plugins.dir(), """
        rules:
          - backends: [{name: b}]
        backends:
          - name: b
        """ + backend.indent(4));
    open.add(gw);
    return gw.envoy(Map.of("b", upstream));
  }

  /** A fake Bedrock that checks the signature and answers every request with {@code answer}. */
  private EnvoyLikeClient bedrock(Answer answer) throws Exception {
    FakeUpstream up = new FakeUpstream(FakeBedrock.handler(new SigV4Check(AK, SK, "eu-west-1", "bedrock", AWS_HOST),
        r -> answer));
    open.add(up);
    return gateway(BEDROCK, up.uri());
  }

  /** The reply is a 502 whose body is an OpenAI error object, the upstream's broken bytes not in it. */
  private static JsonNode openAi502(ProxyResponse r) throws Exception {
    assertThat(r.status()).as(r.bodyText()).isEqualTo(502);
    assertThat(r.headers().get("content-type")).isEqualTo("application/json");
    JsonNode root = JSON.readTree(r.body());
    assertThat(root.fieldNames()).toIterable().containsExactly("error");
    JsonNode err = root.path("error");
    assertThat(err.path("type").asText()).isEqualTo("server_error");
    assertThat(err.path("message").asText()).isNotBlank();
    return err;
  }

  @Test
  void aConverseAnswerCutShortIsA502ForTheOpenAiClient() throws Exception {
    Answer whole = FakeBedrock.converseText("Hello there, how are you today?", "end_turn", 12, 8);
    EnvoyLikeClient envoy = bedrock(whole.cutInHalf());

    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", CHAT));

    JsonNode err = openAi502(r);
    assertThat(err.path("message").asText()).contains("AWS Bedrock");
    assertThat(r.bodyText()).doesNotContain("Hello there");
  }

  @Test
  void aTitanEmbeddingsAnswerCutShortIsA502ForTheOpenAiClient() throws Exception {
    Answer whole = FakeBedrock.titanEmbedding(new double[] {0.017578125, -0.0390625, 0.0595703125, -0.0011749268}, 5);
    EnvoyLikeClient envoy = bedrock(whole.cutInHalf());

    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/embeddings", EMBED));

    JsonNode err = openAi502(r);
    assertThat(err.path("message").asText()).contains("AWS Bedrock");
    assertThat(r.bodyText()).doesNotContain("0.0175");
  }

  @Test
  void aConverseAnswerWithoutItsMessageIsA502() throws Exception {
    EnvoyLikeClient envoy = bedrock(FakeBedrock.converse(
        "{\"stopReason\":\"end_turn\",\"usage\":{\"inputTokens\":3,\"outputTokens\":1,\"totalTokens\":4}}"));

    JsonNode err = openAi502(envoy.send(HttpExchange.postJson("/v1/chat/completions", CHAT)));

    assertThat(err.path("message").asText()).contains("output.message");
  }

  @Test
  void aTitanAnswerWithoutItsEmbeddingIsA502() throws Exception {
    EnvoyLikeClient envoy = bedrock(FakeBedrock.converse("{\"inputTextTokenCount\":5}"));

    JsonNode err = openAi502(envoy.send(HttpExchange.postJson("/v1/embeddings", EMBED)));

    assertThat(err.path("message").asText()).contains("embedding");
  }

  @Test
  void anOpenAiAnswerCutShortIsA502ThoughItIsPassedThrough() throws Exception {
    Function<Received, Answer> whole = FakeOpenAi.handler("sk-openai", 11, 7);
    FakeUpstream up = new FakeUpstream(r -> whole.apply(r).cutInHalf());
    open.add(up);
    EnvoyLikeClient envoy = gateway("""
        schema: {name: OpenAI}
        auth: {type: APIKey, key: sk-openai}
        """, up.uri());

    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));

    openAi502(r);
    assertThat(up.last().path()).isEqualTo("/v1/chat/completions"); // it did reach the upstream
  }

  @Test
  void anAnthropicAnswerCutShortIsA502InAnthropicsFormat() throws Exception {
    String model = "claude-sonnet-4-5";
    Function<Received, Answer> whole = FakeAnthropic.handler("sk-ant-e2e",
        FakeAnthropic.text(model, "Bon", "jour", 14, 0, 5));
    FakeUpstream up = new FakeUpstream(r -> whole.apply(r).cutInHalf());
    open.add(up);
    EnvoyLikeClient envoy = gateway("""
        schema: {name: Anthropic}
        auth: {type: APIKey, header: x-api-key, key: sk-ant-e2e}
        """, up.uri());

    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/messages",
        "{\"model\":\"" + model + "\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"Salut\"}]}",
        "anthropic-version", "2023-06-01"));

    assertThat(r.status()).as(r.bodyText()).isEqualTo(502);
    assertThat(r.headers().get("content-type")).isEqualTo("application/json");
    JsonNode root = JSON.readTree(r.body());
    assertThat(root.path("type").asText()).isEqualTo("error");
    assertThat(root.path("error").path("type").asText()).isEqualTo("api_error");
    assertThat(root.path("error").path("message").asText()).isNotBlank();
    assertThat(r.bodyText()).doesNotContain("Bon");
  }
}
