package dev.tollgate.plugins.gcpvertex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.toolkit.SseDecoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Gemini thinking and cached content, thoughts as reasoning_content, and Vertex AI embeddings. */
class GeminiReasoningAndEmbeddingsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode build(String chat) throws Exception {
    return GeminiRequestBuilder.build(JSON.readTree(chat));
  }

  @Test
  void reasoningBecomesAThinkingConfigAndCachedContentIsPassedOn() throws Exception {
    JsonNode out = build("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"reasoning_effort\":\"low\","
        + "\"cached_content\":\"projects/p/locations/us-central1/cachedContents/123\"}");
    assertThat(out.path("generationConfig").path("thinkingConfig").toString())
        .isEqualTo("{\"thinkingBudget\":1024,\"includeThoughts\":true}");
    assertThat(out.path("cachedContent").asText()).isEqualTo("projects/p/locations/us-central1/cachedContents/123");
    out = build("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"reasoning_effort\":\"high\","
        + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":8000},\"cachedContent\":\"cachedContents/9\"}");
    assertThat(out.path("generationConfig").path("thinkingConfig").path("thinkingBudget").asInt())
        .as("the thinking extension wins").isEqualTo(8000);
    assertThat(out.path("cachedContent").asText()).isEqualTo("cachedContents/9");
    out = build("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"reasoning_effort\":\"none\"}");
    assertThat(out.path("generationConfig").path("thinkingConfig").toString()).isEqualTo("{\"thinkingBudget\":0}");
    out = build("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\","
        + "\"cache_control\":{\"type\":\"ephemeral\"}}]}]}");
    assertThat(out.has("generationConfig")).isFalse();
    assertThat(out.toString()).doesNotContain("cache_control");
    assertThatThrownBy(() -> build("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"cached_content\":7}"))
        .isInstanceOf(GatewayException.class).hasMessageContaining("cached_content");
  }

  @Test
  void wholeThoughtsBecomeReasoningContentAndThoughtTokensReasoningTokens() throws Exception {
    GeminiExchange ex = new GeminiExchange(null, "gemini", false, 1L);
    ex.onResponseHeaders(200, Headers.of("content-type", "application/json"));
    JsonNode answer = JSON.readTree(ex.onResponseBody("""
        {"candidates":[{"index":0,"content":{"role":"model","parts":[{"text":"Six times seven.","thought":true},
          {"text":"42"}]},"finishReason":"STOP"}],
         "usageMetadata":{"promptTokenCount":2100,"candidatesTokenCount":8,"thoughtsTokenCount":52,
          "cachedContentTokenCount":2048,"totalTokenCount":2160}}""".getBytes(StandardCharsets.UTF_8), true));
    JsonNode message = answer.path("choices").get(0).path("message");
    assertThat(message.path("content").asText()).isEqualTo("42");
    assertThat(message.path("reasoning_content").asText()).isEqualTo("Six times seven.");
    assertThat(answer.path("usage").path("completion_tokens").asLong()).isEqualTo(60);
    assertThat(answer.path("usage").path("completion_tokens_details").path("reasoning_tokens").asLong()).isEqualTo(52);
    assertThat(answer.path("usage").path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(2048);
    assertThat(ex.usage()).isEqualTo(new TokenUsage(2100, 60, 2160, 2048, 52));
  }

  @Test
  void streamedThoughtsBecomeReasoningContentDeltas() throws Exception {
    GeminiExchange ex = new GeminiExchange(null, "gemini", true, 1L);
    ex.onResponseHeaders(200, Headers.of("content-type", "text/event-stream"));
    String stream = ""
        + "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Six times\",\"thought\":true}]}}]}\r\n\r\n"
        + "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\" seven.\",\"thought\":true}]}}]}\r\n\r\n"
        + "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"42\"}]},\"finishReason\":\"STOP\"}],"
        + "\"usageMetadata\":{\"promptTokenCount\":5,\"candidatesTokenCount\":1,\"thoughtsTokenCount\":9,\"totalTokenCount\":15}}\r\n\r\n";
    byte[] out = ex.onResponseBody(stream.getBytes(StandardCharsets.UTF_8), true);
    StringBuilder reasoning = new StringBuilder();
    StringBuilder content = new StringBuilder();
    JsonNode usage = null;
    for (SseDecoder.Event e : new SseDecoder().feed(out)) {
      if (e.data().startsWith("{")) {
        JsonNode chunk = JSON.readTree(e.data());
        JsonNode delta = chunk.path("choices").path(0).path("delta");
        reasoning.append(delta.path("reasoning_content").asText(""));
        content.append(delta.path("content").asText(""));
        if (chunk.hasNonNull("usage")) {
          usage = chunk.get("usage");
        }
      }
    }
    assertThat(reasoning.toString()).isEqualTo("Six times seven.");
    assertThat(content.toString()).isEqualTo("42");
    assertThat(usage.path("completion_tokens_details").path("reasoning_tokens").asLong()).isEqualTo(9);
  }

  private static Translator.Exchange embeddings(String body) throws Exception {
    Translator t = new GeminiEmbeddings().create(GcpVertexConformanceTest.BACKEND, "backends[0]");
    com.fasterxml.jackson.databind.node.ObjectNode parsed = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(body);
    return t.start(new ClientRequest(Endpoint.EMBEDDINGS, Headers.empty(), body.getBytes(StandardCharsets.UTF_8),
        parsed, parsed.path("model").asText(), false));
  }

  private static final String PREDICTIONS = """
      {"predictions":[{"embeddings":{"statistics":{"truncated":false,"token_count":4},"values":[0.5,-0.25,1.0]}},
                      {"embeddings":{"statistics":{"truncated":false,"token_count":3},"values":[0.125,0,2]}}],
       "metadata":{"billableCharacterCount":20}}""";

  @Test
  void embeddingsGoToPredictAndComeBackAsAnOpenAiList() throws Exception {
    Translator.Exchange ex = embeddings("{\"model\":\"gemini-embedding-001\",\"input\":[\"Hello\",\"world\"],"
        + "\"dimensions\":3}");
    assertThat(ex.request().path()).isEqualTo(
        "/v1/projects/my-project/locations/us-central1/publishers/google/models/gemini-embedding-001:predict");
    assertThat(JSON.readTree(ex.request().body())).isEqualTo(JSON.readTree("""
        {"instances":[{"content":"Hello"},{"content":"world"}],"parameters":{"outputDimensionality":3}}"""));
    ex.onResponseHeaders(200, Headers.of("content-type", "application/json"));
    JsonNode out = JSON.readTree(ex.onResponseBody(PREDICTIONS.getBytes(StandardCharsets.UTF_8), true));
    assertThat(out.path("object").asText()).isEqualTo("list");
    assertThat(out.path("data")).hasSize(2);
    assertThat(out.path("data").get(1).path("index").asInt()).isEqualTo(1);
    assertThat(out.path("data").get(0).path("embedding").toString()).isEqualTo("[0.5,-0.25,1.0]");
    assertThat(out.path("usage").toString()).isEqualTo("{\"prompt_tokens\":7,\"total_tokens\":7}");
    assertThat(out.path("model").asText()).isEqualTo("gemini-embedding-001");
    assertThat(ex.usage()).isEqualTo(new TokenUsage(7, 0, 7, 0, 0));
  }

  @Test
  void aTaskTypeGoesOnEveryInstance() throws Exception {
    Translator.Exchange ex = embeddings("{\"model\":\"text-embedding-005\",\"input\":[\"a\",\"b\"],"
        + "\"task_type\":\"RETRIEVAL_QUERY\"}");
    assertThat(JSON.readTree(ex.request().body()).toString()).isEqualTo("{\"instances\":["
        + "{\"content\":\"a\",\"task_type\":\"RETRIEVAL_QUERY\"},{\"content\":\"b\",\"task_type\":\"RETRIEVAL_QUERY\"}]}");
    assertThatThrownBy(() -> embeddings("{\"model\":\"text-embedding-005\",\"input\":\"a\",\"task_type\":3}"))
        .hasMessageContaining("task_type");
  }

  @Test
  void base64EmbeddingsAreLittleEndianFloats() throws Exception {
    Translator.Exchange ex = embeddings("{\"model\":\"text-embedding-005\",\"input\":\"Hi\",\"encoding_format\":\"base64\"}");
    ex.onResponseHeaders(200, Headers.of("content-type", "application/json"));
    JsonNode out = JSON.readTree(ex.onResponseBody("""
        {"predictions":[{"embeddings":{"statistics":{"token_count":1},"values":[0.5,-0.25]}}]}"""
        .getBytes(StandardCharsets.UTF_8), true));
    ByteBuffer floats = ByteBuffer.wrap(Base64.getDecoder().decode(out.path("data").get(0).path("embedding").asText()))
        .order(ByteOrder.LITTLE_ENDIAN);
    assertThat(floats.getFloat()).isEqualTo(0.5f);
    assertThat(floats.getFloat()).isEqualTo(-0.25f);
    assertThat(floats.hasRemaining()).isFalse();
  }

  @Test
  void tokenIdsAndBrokenAnswersAreRefused() throws Exception {
    assertThatThrownBy(() -> embeddings("{\"model\":\"text-embedding-005\",\"input\":[[1,2,3]]}"))
        .isInstanceOf(GatewayException.class).hasMessageContaining("input[0] must be a string");
    assertThatThrownBy(() -> embeddings("{\"model\":\"text-embedding-005\",\"input\":[1,2,3]}"))
        .isInstanceOf(GatewayException.class).hasMessageContaining("token ids");
    Translator.Exchange ex = embeddings("{\"model\":\"text-embedding-005\",\"input\":[\"a\",\"b\"]}");
    ex.onResponseHeaders(200, Headers.of("content-type", "application/json"));
    assertThatThrownBy(() -> ex.onResponseBody("""
        {"predictions":[{"embeddings":{"values":[0.5]}}]}""".getBytes(StandardCharsets.UTF_8), true))
        .isInstanceOf(GatewayException.class).extracting(e -> ((GatewayException) e).status()).isEqualTo(502);
  }
}
