package dev.tollgate.plugins.promptenrichment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.Settings;
import dev.tollgate.api.spi.RequestEnricher;
import dev.tollgate.toolkit.JsonSupport;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Defaults and overrides go only where the request accepts them. */
class PromptEnrichmentDefaultsTest {
  private static final Map<String, Object> USAGE = Map.of("include_usage", true);

  private static ObjectNode enrich(Map<String, ?> settings, Endpoint endpoint, String body) throws Exception {
    RequestEnricher e = new PromptEnrichmentFactory().create(Settings.of("policies[0].enrichment[0]", settings));
    return e.enrich(endpoint, (ObjectNode) JsonSupport.MAPPER.readTree(body));
  }

  @Test
  void streamOptionsGoOnlyToStreamedOpenAiRequests() throws Exception {
    Map<String, Object> s = Map.of("defaults", Map.of("temperature", 0.2, "stream_options", USAGE));
    ObjectNode streamed = enrich(s, Endpoint.CHAT_COMPLETIONS, "{\"model\":\"m\",\"stream\":true,\"messages\":[]}");
    assertThat(streamed.path("stream_options").path("include_usage").asBoolean()).isTrue();
    assertThat(streamed.path("temperature").asDouble()).isEqualTo(0.2);

    ObjectNode whole = enrich(s, Endpoint.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[]}");
    assertThat(whole.has("stream_options")).as("OpenAI rejects stream_options without stream: true").isFalse();
    assertThat(whole.path("temperature").asDouble()).isEqualTo(0.2);

    ObjectNode notStreamed = enrich(s, Endpoint.COMPLETIONS, "{\"model\":\"m\",\"stream\":false,\"prompt\":\"x\"}");
    assertThat(notStreamed.has("stream_options")).isFalse();
    ObjectNode completions = enrich(s, Endpoint.COMPLETIONS, "{\"model\":\"m\",\"stream\":true,\"prompt\":\"x\"}");
    assertThat(completions.has("stream_options")).isTrue();

    ObjectNode anthropic = enrich(s, Endpoint.MESSAGES, "{\"model\":\"m\",\"stream\":true,\"max_tokens\":5,\"messages\":[]}");
    assertThat(anthropic.has("stream_options")).as("Anthropic's Messages API has no stream_options").isFalse();
    assertThat(anthropic.path("temperature").asDouble()).isEqualTo(0.2);
  }

  @Test
  void fieldsOfOneApiGoOnlyToItsRequestsAndNoneToEmbeddings() throws Exception {
    Map<String, Object> s = Map.of("defaults", Map.of("seed", 7, "top_k", 40, "max_tokens", 100));
    ObjectNode openAi = enrich(s, Endpoint.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[]}");
    assertThat(openAi.has("seed")).isTrue();
    assertThat(openAi.has("top_k")).isFalse();
    assertThat(openAi.path("max_tokens").asInt()).isEqualTo(100);

    ObjectNode anthropic = enrich(s, Endpoint.MESSAGES, "{\"model\":\"m\",\"messages\":[]}");
    assertThat(anthropic.has("seed")).isFalse();
    assertThat(anthropic.path("top_k").asInt()).isEqualTo(40);

    ObjectNode embeddings = enrich(Map.of("defaults", Map.of("temperature", 0.2), "overrides", Map.of("max_tokens", 9)),
        Endpoint.EMBEDDINGS, "{\"model\":\"m\",\"input\":\"x\"}");
    assertThat(embeddings.fieldNames()).toIterable().containsExactlyInAnyOrder("model", "input");
  }

  @Test
  void overridesFitTheRequestAsDefaultsDoAndClientsOwnValuesStay() throws Exception {
    Map<String, Object> s = Map.of("overrides", Map.of("stream_options", USAGE, "max_tokens", 512),
        "defaults", Map.of("temperature", 0.2));
    ObjectNode whole = enrich(s, Endpoint.CHAT_COMPLETIONS, "{\"model\":\"m\",\"temperature\":0.9,\"messages\":[]}");
    assertThat(whole.has("stream_options")).isFalse();
    assertThat(whole.path("max_tokens").asInt()).isEqualTo(512);
    assertThat(whole.path("temperature").asDouble()).as("the client's own value").isEqualTo(0.9);

    ObjectNode streamed = enrich(Map.of("defaults", Map.of("stream_options", USAGE)), Endpoint.CHAT_COMPLETIONS,
        "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":false},\"messages\":[]}");
    assertThat(streamed.path("stream_options").path("include_usage").asBoolean()).as("the client's own value").isFalse();
  }

  @Test
  void aResponsesRequestGetsOnlyTheResponsesApisFieldsAndItsMessagesInInstructionsAndInput() throws Exception {
    Map<String, Object> s = Map.of(
        "prepend", java.util.List.of(Map.of("role", "system", "content", "Answer in French."),
            Map.of("role", "user", "content", "Context: a ferry timetable.")),
        "append", java.util.List.of(Map.of("role", "developer", "content", "Be brief.")),
        "defaults", Map.of("temperature", 0.2, "max_tokens", 100, "stream_options", USAGE, "max_output_tokens", 64,
            "seed", 7));
    ObjectNode r = enrich(s, Endpoint.RESPONSES,
        "{\"model\":\"m\",\"stream\":true,\"instructions\":\"You are a clerk.\",\"input\":\"When is the last boat?\"}");
    assertThat(r.path("instructions").asText()).isEqualTo("Answer in French.\n\nYou are a clerk.\n\nBe brief.");
    assertThat(r.path("input").toString()).isEqualTo("[{\"role\":\"user\",\"content\":\"Context: a ferry timetable.\"},"
        + "{\"role\":\"user\",\"content\":\"When is the last boat?\"}]");
    assertThat(r.path("temperature").asDouble()).isEqualTo(0.2);
    assertThat(r.path("max_output_tokens").asInt()).isEqualTo(64);
    assertThat(r.has("max_tokens")).as("the Responses API rejects max_tokens").isFalse();
    assertThat(r.has("stream_options")).isFalse();
    assertThat(r.has("seed")).isFalse();

    ObjectNode chat = enrich(s, Endpoint.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[]}");
    assertThat(chat.has("max_output_tokens")).isFalse();
    assertThat(chat.path("max_tokens").asInt()).isEqualTo(100);
  }
}
