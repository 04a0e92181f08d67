package com.example.tollgate.ollama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.Headers;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.api.spi.TranslatorFactory;
import dev.tollgate.conformance.ConformancePlatform;
import dev.tollgate.conformance.Sample;
import dev.tollgate.conformance.TranslatorConformance;
import dev.tollgate.conformance.UpstreamAnswer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The plugin under Tollgate's conformance kit, with answers as Ollama sends them, and its own request mapping. */
class OllamaConformanceTest extends TranslatorConformance {
  static final BackendTarget BACKEND = new BackendTarget("local-llama", "Ollama", "", "",
      Settings.of("backends[0].provider", Map.of("keepAlive", "10m")));
  static final String WHOLE = """
      {"model":"llama3.2","created_at":"2025-01-01T00:00:01.5Z","message":{"role":"assistant","content":"Hello! How can I help?"},
       "done_reason":"stop","done":true,"total_duration":4883583458,"load_duration":1334875,"prompt_eval_count":26,
       "prompt_eval_duration":342546000,"eval_count":8,"eval_duration":4535599000}""";
  static final String STREAM = """
      {"model":"llama3.2","created_at":"2025-01-01T00:00:01Z","message":{"role":"assistant","content":"Hel"},"done":false}
      {"model":"llama3.2","created_at":"2025-01-01T00:00:01Z","message":{"role":"assistant","content":"lo ✓"},"done":false}
      {"model":"llama3.2","created_at":"2025-01-01T00:00:02Z","message":{"role":"assistant","content":""},"done_reason":"length","done":true,"prompt_eval_count":26,"eval_count":2}
      """;

  @Override
  protected TranslatorFactory factory() {
    return new OllamaTranslatorFactory(ConformancePlatform.fixed());
  }

  @Override
  protected BackendTarget backend() {
    return BACKEND;
  }

  @Override
  protected List<Sample> samples() {
    String request = "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]%s}";
    return List.of(
        Sample.of("whole", Endpoint.CHAT_COMPLETIONS, request.formatted(""), UpstreamAnswer.json(WHOLE))
            .withUsage(TokenUsage.of(26, 8)),
        Sample.of("streamed", Endpoint.CHAT_COMPLETIONS,
            request.formatted(",\"stream\":true,\"stream_options\":{\"include_usage\":true}"),
            UpstreamAnswer.of("application/x-ndjson", STREAM.getBytes(StandardCharsets.UTF_8)))
            .withUsage(TokenUsage.of(26, 2)));
  }

  @Test
  void optionsStopAndKeepAliveGoWhereOllamaReadsThem() throws Exception {
    String chat = "{\"model\":\"llama3.2\",\"temperature\":0.2,\"max_tokens\":64,\"stop\":\"END\","
        + "\"messages\":[{\"role\":\"developer\",\"content\":\"Be brief\"},{\"role\":\"user\",\"content\":"
        + "[{\"type\":\"text\",\"text\":\"What is \"},{\"type\":\"text\",\"text\":\"this?\"},"
        + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,iVBORw0KGgo=\"}}]}]}";
    ObjectMapper json = new ObjectMapper();
    ClientRequest request = new ClientRequest(Endpoint.CHAT_COMPLETIONS, Headers.empty(),
        chat.getBytes(StandardCharsets.UTF_8), (ObjectNode) json.readTree(chat), "llama3.2", false);
    JsonNode sent = json.readTree(factory().create(BACKEND, "backends[0]").start(request).request().body());
    assertEquals("/api/chat", factory().create(BACKEND, "backends[0]").start(request).request().path());
    assertEquals("10m", sent.path("keep_alive").asText());
    assertEquals(64, sent.path("options").path("num_predict").asInt());
    assertEquals("END", sent.path("options").path("stop").get(0).asText());
    assertEquals("system", sent.path("messages").get(0).path("role").asText());
    assertEquals("What is this?", sent.path("messages").get(1).path("content").asText());
    assertEquals("iVBORw0KGgo=", sent.path("messages").get(1).path("images").get(0).asText());
  }

  @Test
  void aBadKeepAliveStopsTheConfigNamingTheField() {
    BackendTarget bad = new BackendTarget("b", "Ollama", "", "", Settings.of("backends[3].provider",
        Map.of("keepAlive", "soon")));
    InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> factory().create(bad, "backends[3]"));
    assertEquals("backends[3].provider.keepAlive", e.field());
  }

  @Test
  void aStreamCutBeforeItsDoneLineEndsWithAnErrorThenDone() throws Exception {
    String firstTwo = STREAM.substring(0, STREAM.indexOf("{\"model\"", STREAM.indexOf("lo ✓")));
    String out = streamed(firstTwo);
    assertTrue(out.contains("\"content\":\"lo ✓\""), out);
    assertFalse(out.contains("finish_reason\":\"length"), out);
    assertTrue(out.endsWith("\"code\":\"stream_cut_short\"}}\n\ndata: [DONE]\n\n"), out);
    assertTrue(out.contains("Ollama's stream ended before the answer was complete"), out);
  }

  @Test
  void aStreamWhoseDoneLineHasNoNewlineIsComplete() throws Exception {
    String out = streamed(STREAM.strip());
    assertFalse(out.contains("error"), out);
    assertTrue(out.contains("\"finish_reason\":\"length\""), out);
    assertTrue(out.endsWith("data: [DONE]\n\n"), out);
  }

  /** What a streaming client gets for {@code ndjson}, the end of the stream right after it. */
  private String streamed(String ndjson) throws Exception {
    String chat = "{\"model\":\"llama3.2\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    ClientRequest request = new ClientRequest(Endpoint.CHAT_COMPLETIONS, Headers.empty(),
        chat.getBytes(StandardCharsets.UTF_8), (ObjectNode) new ObjectMapper().readTree(chat), "llama3.2", true);
    Translator.Exchange ex = factory().create(BACKEND, "backends[0]").start(request);
    ex.onResponseHeaders(200, Headers.of("content-type", "application/x-ndjson"));
    return new String(ex.onResponseBody(ndjson.getBytes(StandardCharsets.UTF_8), true), StandardCharsets.UTF_8);
  }
}
