package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.toolkit.SseDecoder;
import dev.tollgate.testkit.CompressedAnswers;
import dev.tollgate.testkit.EnvoyLikeClient;
import dev.tollgate.testkit.FakeAnthropic;
import dev.tollgate.testkit.FakeOpenAi;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.FakeUpstream.Answer;
import dev.tollgate.testkit.HttpExchange;
import dev.tollgate.testkit.ProxyResponse;
import dev.tollgate.testkit.RandomSplitter;
import dev.tollgate.testkit.TollgateHarness;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compression through the whole gateway (plugins from their zips): the client's
 * {@code accept-encoding} reaches no provider, and an answer compressed anyway is decoded before
 * translation, usage and response guards, and reaches the client decoded, without
 * {@code content-encoding}.
 */
class CompressionEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NS = "io.envoy.ai_gateway";
  private static final String CARD = "4111 1111 1111 1111";
  private static final int MAX_DECODED = 256 * 1024;
  /** brotli (Google's encoder) of a chat completion saying "SSN 123-45-6789 on file", usage 5 + 6 = 11. */
  private static final byte[] BR_SSN_ANSWER = Base64.getDecoder().decode(
      "G+YAIIzTFfMjhHUPgtrfp3qz+YmlOJKfbB2Wrr7r7nhQ/74fTse31qqspXGICQQU6HQKhYZkLIXbv74sPXgRtgN86XgcRSKkK9gnP9GJ7IubBU1C"
          + "E/wLnwLQZ2LcJ0jTQOiGKVu27LieL44HQW7wOFWruAYAv/HFXVxP0fenW7X9yxW2hFFpoEOUpNZ0/X8=");

  @TempDir
  Path dir;
  FakeUpstream upstream;
  TollgateHarness gateway;
  EnvoyLikeClient envoy;

  @BeforeEach
  void start() throws Exception {
    upstream = new FakeUpstream(CompressedAnswers.gzip(FakeOpenAi.handler(null, 11, 7)));
    Path token = Files.writeString(dir.resolve("gcp-token"), "ya29.e2e-token");
    gateway = TollgateHarness.start(dir, Plugins.dir(), """
        maxDecodedResponseBytes: %d
        costs:
          - {metadataKey: llm_total_token, type: TotalToken}
        rules:
          - {name: openai, headers: [{name: x-ai-eg-model, type: Exact, value: gpt-4o-mini}], backends: [{name: openai}]}
          - {name: azure, headers: [{name: x-ai-eg-model, type: Exact, value: azure}], backends: [{name: azure}]}
          - {name: bedrock, headers: [{name: x-ai-eg-model, type: RegularExpression, value: "bedrock|amazon.titan-embed-text-v2:0"}], backends: [{name: bedrock}]}
          - {name: claude, headers: [{name: x-ai-eg-model, type: Exact, value: claude}], backends: [{name: claude}]}
          - {name: gemini, headers: [{name: x-ai-eg-model, type: Exact, value: gemini}], backends: [{name: gemini}]}
          - {name: masked, headers: [{name: x-ai-eg-model, type: Exact, value: masked}], backends: [{name: openai}]}
          - {name: strict, headers: [{name: x-ai-eg-model, type: Exact, value: strict}], backends: [{name: openai}]}
        backends:
          - {name: openai, schema: {name: OpenAI}}
          - name: azure
            schema: {name: AzureOpenAI, version: 2024-10-21}
            auth: {type: AzureCredentials, apiKey: {key: azure-secret}}
          - name: bedrock
            schema: {name: AWSBedrock}
            auth: {type: AWSCredentials, region: eu-west-1, accessKeyId: AKIDEXAMPLE, secretAccessKey: wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY}
          - name: claude
            schema: {name: Anthropic}
            auth: {type: APIKey, header: x-api-key, key: sk-ant-e2e}
          - name: gemini
            schema: {name: GCPVertexAI}
            provider: {project: my-project, region: us-central1}
            auth: {type: GCPCredentials, tokenFile: '%s'}
        policies:
          - name: mask-pii
            rules: [masked]
            guards: [{type: Regex, builtins: [creditCard, ssn], action: Mask}]
          - name: reject-pii
            rules: [strict]
            guards: [{type: Regex, builtins: [creditCard, ssn], action: Reject, status: 422}]
        """.formatted(MAX_DECODED, token));
    Map<String, java.net.URI> clusters = new java.util.HashMap<>();
    for (String b : List.of("openai", "azure", "bedrock", "claude", "gemini")) {
      clusters.put(b, upstream.uri());
    }
    envoy = gateway.envoy(clusters);
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    upstream.close();
  }

  private static HttpExchange chat(String model, boolean stream) {
    return HttpExchange.postJson("/v1/chat/completions", "{\"model\":\"" + model + "\",\"stream\":" + stream
        + ",\"stream_options\":{\"include_usage\":true},\"max_tokens\":64,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", "accept-encoding", "gzip, deflate, br");
  }

  private static Answer wholeAnswer(String content) {
    return Answer.json(200, "{\"id\":\"x\",\"object\":\"chat.completion\",\"model\":\"m\",\"choices\":[{\"index\":0,"
        + "\"message\":{\"role\":\"assistant\",\"content\":\"" + content + "\"},\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":6,\"total_tokens\":11}}");
  }

  private static void assertDecodedForTheClient(ProxyResponse r) {
    assertThat(r.headers()).doesNotContainKey("content-encoding").doesNotContainKey("content-length");
  }

  @Test
  void noSchemaSendsTheClientsAcceptEncodingUpstream() throws Exception {
    upstream.handler(r -> Answer.json(200, "{}"));
    List<HttpExchange> requests = List.of(
        chat("gpt-4o-mini", false), chat("azure", false), chat("bedrock", false), chat("claude", false),
        chat("gemini", false),
        HttpExchange.postJson("/v1/embeddings", "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\"}", "accept-encoding", "gzip"),
        HttpExchange.postJson("/v1/embeddings", "{\"model\":\"azure\",\"input\":\"hi\"}", "accept-encoding", "gzip"),
        HttpExchange.postJson("/v1/embeddings", "{\"model\":\"amazon.titan-embed-text-v2:0\",\"input\":\"hi\"}", "accept-encoding", "gzip"),
        HttpExchange.postJson("/v1/completions", "{\"model\":\"gpt-4o-mini\",\"prompt\":\"hi\"}", "accept-encoding", "br"),
        // Anthropic clients: to Anthropic as they are, to OpenAI through the bridge
        HttpExchange.postJson("/v1/messages", "{\"model\":\"claude\",\"max_tokens\":9,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"hi\"}]}", "accept-encoding", "gzip", "anthropic-version", "2023-06-01"),
        HttpExchange.postJson("/v1/messages", "{\"model\":\"gpt-4o-mini\",\"max_tokens\":9,\"messages\":[{\"role\":"
            + "\"user\",\"content\":\"hi\"}]}", "accept-encoding", "gzip", "anthropic-version", "2023-06-01"));
    for (HttpExchange request : requests) {
      int before = upstream.received().size();
      ProxyResponse r = envoy.send(request);
      String what = request.path() + " " + new String(request.body(), StandardCharsets.UTF_8);
      assertThat(upstream.received()).as(what + " -> " + r.status() + " " + r.bodyText()).hasSize(before + 1);
      assertThat(upstream.last().header("accept-encoding")).as(what).isNull();
      assertThat(r.upstreamHeaders()).as(what).doesNotContainKey("accept-encoding");
    }
  }

  @Test
  void aGzipPassthroughAnswerIsDecodedAndItsUsageCounted() throws Exception {
    ProxyResponse r = envoy.send(chat("gpt-4o-mini", false));
    assertThat(r.status()).isEqualTo(200);
    assertDecodedForTheClient(r);
    assertThat(JSON.readTree(r.body()).path("choices").get(0).path("message").path("content").asText())
        .isEqualTo("Hello from the fake.");
    assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(18);

    ProxyResponse embeddings = envoy.send(HttpExchange.postJson("/v1/embeddings",
        "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\"}"));
    assertThat(JSON.readTree(embeddings.body()).path("data").get(0).path("embedding").get(1).asDouble()).isEqualTo(0.2);
    assertThat(embeddings.metadataNumber(NS, "llm_total_token")).isEqualTo(11);
  }

  @Test
  void aGzipStreamIsDecodedChunkByChunkAndItsUsageCounted() throws Exception {
    for (long seed : new long[] {1, 5}) {
      envoy.splitResponseChunks(new RandomSplitter(seed, 7));
      ProxyResponse r = envoy.send(chat("gpt-4o-mini", true));
      assertThat(r.status()).isEqualTo(200);
      assertDecodedForTheClient(r);
      assertThat(streamedText(r.body())).isEqualTo("Hello from the fake.");
      assertThat(r.bodyText()).endsWith("data: [DONE]\n\n");
      assertThat(r.chunks().size()).as("passed on as it came, not at the end").isGreaterThan(2);
      assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(18);
    }
  }

  @Test
  void aTranslatedGzipAnswerReachesTheClientInItsSchema() throws Exception {
    upstream.handler(CompressedAnswers.gzip(FakeAnthropic.handler("sk-ant-e2e",
        FakeAnthropic.text("claude", "Hello", " from Claude.", 25, 0, 9))));
    ProxyResponse r = envoy.send(chat("claude", false));
    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    assertDecodedForTheClient(r);
    assertThat(JSON.readTree(r.body()).path("choices").get(0).path("message").path("content").asText())
        .isEqualTo("Hello from Claude.");
    assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(34);
  }

  @Test
  void aGzipErrorIsRewrittenWithoutAStaleEncoding() throws Exception {
    upstream.handler(r -> CompressedAnswers.gzip(Answer.json(429,
        "{\"error\":{\"message\":\"Rate limit reached\",\"code\":\"rate_limit_exceeded\"}}")));
    ProxyResponse r = envoy.send(chat("gpt-4o-mini", false));
    assertThat(r.status()).isEqualTo(429);
    assertDecodedForTheClient(r);
    JsonNode err = JSON.readTree(r.body()).path("error");
    assertThat(err.path("message").asText()).isEqualTo("Rate limit reached");
    assertThat(err.path("type").asText()).isNotBlank();

    upstream.handler(r2 -> CompressedAnswers.gzip(FakeAnthropic.anthropicError(529, "overloaded_error", "Overloaded")));
    ProxyResponse anthropic = envoy.send(HttpExchange.postJson("/v1/messages", "{\"model\":\"claude\",\"max_tokens\":9,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "anthropic-version", "2023-06-01"));
    assertThat(anthropic.status()).isEqualTo(529);
    assertThat(anthropic.headers()).doesNotContainKey("content-encoding");
    assertThat(JSON.readTree(anthropic.body()).path("error").path("message").asText()).isEqualTo("Overloaded");
  }

  @Test
  void maskGuardMasksAnSsnInAGzipAndInABrotliAnswer() throws Exception {
    upstream.handler(r -> CompressedAnswers.gzip(wholeAnswer("SSN 123-45-6789 on file")));
    ProxyResponse gz = envoy.send(chat("masked", false));
    assertThat(gz.status()).isEqualTo(200);
    assertDecodedForTheClient(gz);
    assertThat(JSON.readTree(gz.body()).path("choices").get(0).path("message").path("content").asText())
        .isEqualTo("SSN [REDACTED:ssn] on file");

    upstream.handler(r -> CompressedAnswers.encoded(Answer.json(200, ""), "br", List.of(BR_SSN_ANSWER)));
    ProxyResponse br = envoy.send(chat("masked", false));
    assertThat(br.status()).as(br.bodyText()).isEqualTo(200);
    assertDecodedForTheClient(br);
    assertThat(JSON.readTree(br.body()).path("choices").get(0).path("message").path("content").asText())
        .isEqualTo("SSN [REDACTED:ssn] on file");
    assertThat(br.metadataNumber(NS, "llm_total_token")).isEqualTo(11);
  }

  @Test
  void rejectGuardRejectsACardNumberInAGzipAnswerWholeAndStreamed() throws Exception {
    upstream.handler(r -> CompressedAnswers.gzip(wholeAnswer("card " + CARD)));
    ProxyResponse whole = envoy.send(chat("strict", false));
    assertThat(whole.localReply()).isTrue();
    assertThat(whole.status()).isEqualTo(422);
    assertThat(JSON.readTree(whole.body()).path("error").path("message").asText()).contains("creditCard");
    assertThat(whole.metadataNumber(NS, "llm_total_token")).isEqualTo(11);

    upstream.handler(r -> CompressedAnswers.gzip(Answer.stream("text/event-stream", List.of(
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"card 4111 11\"}}]}\n\n".getBytes(StandardCharsets.UTF_8),
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"11 1111 1111\"},\"finish_reason\":\"stop\"}]}\n\n".getBytes(StandardCharsets.UTF_8),
        "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8)))));
    envoy.splitResponseChunks(new RandomSplitter(3, 5));
    ProxyResponse streamed = envoy.send(chat("strict", true));
    assertThat(streamed.status()).isEqualTo(200);
    assertDecodedForTheClient(streamed);
    assertThat(streamed.bodyText()).doesNotContain("4111").contains("\"error\"").endsWith("data: [DONE]\n\n");
    List<SseDecoder.Event> events = new SseDecoder().feed(streamed.body());
    assertThat(events.get(events.size() - 1).data()).isEqualTo("[DONE]");
    JsonNode err = JSON.readTree(events.get(events.size() - 2).data()).path("error");
    assertThat(err.path("code").asText()).isEqualTo("422");
  }

  @Test
  void aGzipBombGets502InTheClientsFormat() throws Exception {
    byte[] bomb = gzip(new byte[64 * 1024 * 1024]);
    upstream.handler(r -> CompressedAnswers.encoded(Answer.json(200, ""), "gzip", List.of(bomb)));
    ProxyResponse r = envoy.send(chat("gpt-4o-mini", false));
    assertThat(r.localReply()).isTrue();
    assertThat(r.status()).isEqualTo(502);
    assertThat(JSON.readTree(r.body()).path("error").path("message").asText())
        .contains("more than " + MAX_DECODED + " bytes").contains("maxDecodedResponseBytes");

    ProxyResponse anthropic = envoy.send(HttpExchange.postJson("/v1/messages", "{\"model\":\"claude\",\"max_tokens\":9,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "anthropic-version", "2023-06-01"));
    assertThat(anthropic.status()).isEqualTo(502);
    JsonNode body = JSON.readTree(anthropic.body());
    assertThat(body.path("type").asText()).isEqualTo("error");
    assertThat(body.path("error").path("message").asText()).contains("more than");
  }

  @Test
  void aStreamThatCannotBeDecodedEndsWithAnErrorEvent() throws Exception {
    upstream.handler(r -> CompressedAnswers.encoded(Answer.stream("text/event-stream", List.of()), "gzip",
        List.of("data: this is not gzip\n\n".getBytes(StandardCharsets.UTF_8),
            "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8))));
    ProxyResponse r = envoy.send(chat("gpt-4o-mini", true));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.headers()).doesNotContainKey("content-encoding");
    List<SseDecoder.Event> events = new SseDecoder().feed(r.body());
    assertThat(JSON.readTree(events.get(0).data()).path("error").path("message").asText()).contains("not valid gzip");
    assertThat(events.get(events.size() - 1).data()).isEqualTo("[DONE]");
    assertThat(r.bodyText()).doesNotContain("this is not gzip");
  }

  @Test
  void anEncodingTheGatewayCannotDecodeGets502() throws Exception {
    upstream.handler(r -> CompressedAnswers.encoded(Answer.json(200, ""), "zstd", List.of(new byte[] {40, -75, 47})));
    ProxyResponse r = envoy.send(chat("gpt-4o-mini", false));
    assertThat(r.status()).isEqualTo(502);
    assertThat(JSON.readTree(r.body()).path("error").path("message").asText()).contains("'zstd'");
  }

  private static byte[] gzip(byte[] b) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(b);
    }
    return out.toByteArray();
  }

  private static String streamedText(byte[] body) throws Exception {
    StringBuilder sb = new StringBuilder();
    for (SseDecoder.Event e : new SseDecoder().feed(body)) {
      if (e.data().equals("[DONE]")) {
        continue;
      }
      for (JsonNode c : JSON.readTree(e.data()).path("choices")) {
        sb.append(c.path("delta").path("content").asText(""));
      }
    }
    return sb.toString();
  }
}
