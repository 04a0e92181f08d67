package dev.tollgate.plugins.gcpvertex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.SseDecoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The request and answer mappings on their own, for the cases the end-to-end tests do not reach. */
class GeminiTranslationTest {
  private static final ObjectMapper JSON = JsonSupport.MAPPER;

  private static JsonNode build(String openAi) throws Exception {
    return GeminiRequestBuilder.build(JSON.readTree(openAi));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "\"auto\"|AUTO|",
      "\"none\"|NONE|",
      "\"required\"|ANY|",
      "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}|ANY|get_weather"})
  void toolChoiceBecomesFunctionCallingConfig(String choice, String mode, String allowed) throws Exception {
    JsonNode g = build("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"type\":\"function\","
        + "\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":"
        + "{\"type\":\"string\"}}}}}],\"tool_choice\":" + choice + "}");
    JsonNode fcc = g.path("toolConfig").path("functionCallingConfig");
    assertThat(fcc.path("mode").asText()).isEqualTo(mode);
    if (allowed == null) {
      assertThat(fcc.has("allowedFunctionNames")).isFalse();
    } else {
      assertThat(fcc.path("allowedFunctionNames").get(0).asText()).isEqualTo(allowed);
    }
  }

  @Test
  void parallelToolResultsShareOneUserTurn() throws Exception {
    JsonNode g = build("""
        {"messages":[{"role":"user","content":"weather in Paris and Rome?"},
          {"role":"assistant","tool_calls":[
            {"id":"a","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
            {"id":"b","type":"function","function":{"name":"get_time","arguments":""}}]},
          {"role":"tool","tool_call_id":"a","content":"sunny"},
          {"role":"tool","tool_call_id":"b","content":[{"type":"text","text":"12:00"}]},
          {"role":"user","content":"thanks"}]}""");
    JsonNode contents = g.path("contents");
    assertThat(contents).hasSize(4);
    assertThat(contents.get(1).path("parts")).hasSize(2);
    assertThat(contents.get(1).path("parts").get(1).path("functionCall").path("args").isObject()).isTrue();
    JsonNode results = contents.get(2).path("parts");
    assertThat(results).hasSize(2);
    assertThat(results.get(0).path("functionResponse").path("name").asText()).isEqualTo("get_weather");
    assertThat(results.get(0).path("functionResponse").path("response").path("content").asText()).isEqualTo("sunny");
    assertThat(results.get(1).path("functionResponse").path("name").asText()).isEqualTo("get_time");
    assertThat(contents.get(3).path("parts").get(0).path("text").asText()).isEqualTo("thanks");
  }

  @Test
  void schemaConversionInlinesRefsAndMapsNullableTypes() {
    JsonNode s = GeminiSchemas.toGemini(readUnchecked("""
        {"type":"object","$defs":{"unit":{"type":"string","enum":["c","f"]}},
         "properties":{"unit":{"$ref":"#/$defs/unit"},
                       "note":{"type":["string","null"],"format":"email"},
                       "tags":{"type":"array","items":{"type":"string","const":"x"}},
                       "either":{"anyOf":[{"type":"integer"},{"type":"null"}]}},
         "patternProperties":{"^x":{}},"required":["unit"]}"""));
    assertThat(s.has("$defs")).isFalse();
    assertThat(s.has("patternProperties")).isFalse();
    assertThat(s.path("properties").path("unit").path("enum").toString()).isEqualTo("[\"c\",\"f\"]");
    assertThat(s.path("properties").path("note").path("type").asText()).isEqualTo("STRING");
    assertThat(s.path("properties").path("note").path("nullable").asBoolean()).isTrue();
    assertThat(s.path("properties").path("note").has("format")).isFalse();
    assertThat(s.path("properties").path("tags").path("items").path("enum").get(0).asText()).isEqualTo("x");
    assertThat(s.path("properties").path("either").path("type").asText()).isEqualTo("INTEGER");
    assertThat(s.path("properties").path("either").path("nullable").asBoolean()).isTrue();
  }

  @Test
  void unsupportedInputIsRefusedWith400NamingTheField() {
    assertThatThrownBy(() -> build("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"file\",\"file\":{}}]}]}"))
        .isInstanceOf(GatewayException.class).hasMessageContaining("messages[0].content[0].type")
        .extracting(e -> ((GatewayException) e).status()).isEqualTo(400);
    assertThatThrownBy(() -> build("{\"messages\":[{\"role\":\"critic\",\"content\":\"x\"}]}"))
        .hasMessageContaining("messages[0].role");
    assertThatThrownBy(() -> build("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
        + "\"tools\":[{\"type\":\"web_search\"}]}")).hasMessageContaining("tools[0].type");
    assertThatThrownBy(() -> build("{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"a\","
        + "\"function\":{\"name\":\"f\",\"arguments\":\"not json\"}}]}]}"))
        .hasMessageContaining("messages[0].tool_calls[0].function.arguments");
    assertThatThrownBy(() -> build("{\"messages\":[{\"role\":\"system\",\"content\":\"only a system prompt\"}]}"))
        .hasMessageContaining("at least one user");
  }

  @Test
  void mimeTypeIsGuessedFromTheFileName() {
    assertThat(GeminiRequestBuilder.guessMimeType("https://example.com/a/cat.PNG?x=1")).isEqualTo("image/png");
    assertThat(GeminiRequestBuilder.guessMimeType("gs://bucket/report.pdf")).isEqualTo("application/pdf");
    assertThat(GeminiRequestBuilder.guessMimeType("https://example.com/photo")).isEqualTo("image/jpeg");
  }

  @ParameterizedTest
  @CsvSource({"STOP,false,stop", "STOP,true,tool_calls", "MAX_TOKENS,false,length", "SAFETY,false,content_filter",
      "RECITATION,false,content_filter", "BLOCKLIST,false,content_filter", "PROHIBITED_CONTENT,false,content_filter",
      "SPII,false,content_filter", "OTHER,false,stop"})
  void finishReasons(String gemini, boolean tools, String openAi) {
    assertThat(GeminiExchange.finishReason(gemini, tools)).isEqualTo(openAi);
  }

  @Test
  void blockedPromptBecomesContentFilterAndMultipleCandidatesBecomeChoices() throws Exception {
    GeminiExchange ex = new GeminiExchange(null, "gemini", false, 1700000000L);
    ex.onResponseHeaders(200, Headers.of("content-type", "application/json"));
    JsonNode blocked = JSON.readTree(ex.onResponseBody(
        "{\"promptFeedback\":{\"blockReason\":\"SAFETY\"},\"usageMetadata\":{\"promptTokenCount\":8,\"totalTokenCount\":8}}"
            .getBytes(StandardCharsets.UTF_8), true));
    assertThat(blocked.path("choices").get(0).path("finish_reason").asText()).isEqualTo("content_filter");
    assertThat(ex.usage().inputTokens()).isEqualTo(8);

    GeminiExchange two = new GeminiExchange(null, "gemini", false, 1700000000L);
    two.onResponseHeaders(200, Headers.empty());
    JsonNode answer = JSON.readTree(two.onResponseBody("""
        {"candidates":[{"index":0,"content":{"role":"model","parts":[{"text":"thinking...","thought":true},{"text":"A"}]},
                        "finishReason":"STOP"},
                       {"index":1,"content":{"role":"model","parts":[{"text":"B"}]},"finishReason":"MAX_TOKENS"}]}"""
        .getBytes(StandardCharsets.UTF_8), true));
    assertThat(answer.path("choices")).hasSize(2);
    assertThat(answer.path("choices").get(0).path("message").path("content").asText()).isEqualTo("A");
    assertThat(answer.path("choices").get(1).path("finish_reason").asText()).isEqualTo("length");
    assertThat(answer.path("created").asLong()).isEqualTo(1700000000L);
  }

  @Test
  void aStreamCutShortStillEndsWithDone() throws Exception {
    GeminiExchange ex = new GeminiExchange(null, "gemini", true, 0);
    ex.onResponseHeaders(200, Headers.of("content-type", "text/event-stream"));
    byte[] first = ex.onResponseBody("data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hel"
        .getBytes(StandardCharsets.UTF_8), false);
    assertThat(first).isEmpty();
    String end = new String(ex.onResponseBody(new byte[0], true), StandardCharsets.UTF_8);
    assertThat(new SseDecoder().feed(end.getBytes(StandardCharsets.UTF_8)))
        .extracting(SseDecoder.Event::data).last().isEqualTo("[DONE]");
  }

  private static JsonNode readUnchecked(String s) {
    try {
      return JSON.readTree(s);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
