package dev.tollgate.plugins.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.Headers;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.conformance.ConformancePlatform;
import dev.tollgate.testkit.FakeBedrock;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A Responses API client served by the Converse chat translator: Converse's reasoning comes back
 * as a reasoning item whose encrypted_content, sent back as input, reaches Converse signed.
 */
class ResponsesPivotReasoningTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0";

  private static Translator.Exchange start(String request) throws Exception {
    Translator t = new BedrockResponses(ConformancePlatform.fixed()).create(BedrockConformanceTest.BACKEND, "backends[0]");
    ObjectNode parsed = (ObjectNode) JSON.readTree(request);
    return t.start(new ClientRequest(Endpoint.RESPONSES, Headers.of(), request.getBytes(StandardCharsets.UTF_8), parsed,
        MODEL, parsed.path("stream").asBoolean(false)));
  }

  @Test
  void converseReasoningIsAReasoningItemThatGoesBackToConverseSigned() throws Exception {
    Translator.Exchange ex = start("{\"model\":\"m\",\"reasoning\":{\"effort\":\"high\"},\"input\":\"Six times seven?\"}");
    ex.onResponseHeaders(200, Headers.of("content-type", "application/json"));
    byte[] answer = FakeBedrock.converseReasoning("Six times seven is 42.", "42", 12, 30, 0, 0).pieces().get(0);
    JsonNode r = JSON.readTree(ex.onResponseBody(answer, true));
    JsonNode rs = r.path("output").get(0);
    assertThat(rs.path("type").asText()).isEqualTo("reasoning");
    assertThat(rs.path("summary").get(0).path("text").asText()).isEqualTo("Six times seven is 42.");
    assertThat(r.path("output").get(1).path("content").get(0).path("text").asText()).isEqualTo("42");

    ObjectNode next = (ObjectNode) JSON.readTree("{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":\"Six times seven?\"}]}");
    ArrayNode input = (ArrayNode) next.get("input");
    r.path("output").forEach(input::add);
    input.addObject().put("role", "user").put("content", "And eight?");
    JsonNode sent = JSON.readTree(start(JSON.writeValueAsString(next)).request().body());
    JsonNode assistant = sent.path("messages").get(1);
    assertThat(assistant.path("role").asText()).isEqualTo("assistant");
    assertThat(assistant.path("content").get(0).toString()).isEqualTo("{\"reasoningContent\":{\"reasoningText\":"
        + "{\"text\":\"Six times seven is 42.\",\"signature\":\"ErcBCkgIBRABGAIiQFakeSignature\"}}}");
    assertThat(assistant.path("content").get(1).path("text").asText()).isEqualTo("42");
  }

  @Test
  void streamedConverseReasoningIsAReasoningItemBeforeTheMessage() throws Exception {
    Translator.Exchange ex = start("{\"model\":\"m\",\"input\":\"Six times seven?\",\"stream\":true}");
    assertThat(ex.onResponseHeaders(200, Headers.of("content-type", FakeBedrock.EVENT_STREAM)).streaming()).isTrue();
    byte[] frames = FakeBedrock.concat(FakeBedrock.reasoningStream(List.of("Six times", " seven."), List.of("42"), 9, 20));
    String sse = new String(ex.onResponseBody(frames, true), StandardCharsets.UTF_8);
    assertThat(sse).contains("event: response.reasoning_summary_text.delta")
        .contains("\"text\":\"Six times seven.\"")
        .contains("event: response.completed");
    assertThat(sse.indexOf("reasoning_summary_text.done")).isLessThan(sse.indexOf("output_text.delta"));
    String completed = sse.substring(sse.indexOf("event: response.completed"));
    JsonNode done = JSON.readTree(completed.substring(completed.indexOf("data: ") + 6).trim());
    assertThat(done.path("response").path("output").get(0).path("encrypted_content").asText()).startsWith("tollgate.");
    assertThat(done.path("response").path("output").get(1).path("type").asText()).isEqualTo("message");
  }
}
