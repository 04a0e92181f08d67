package dev.tollgate.plugins.gcpvertex;

import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.Settings;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.spi.TranslatorFactory;
import dev.tollgate.conformance.ConformancePlatform;
import dev.tollgate.conformance.Sample;
import dev.tollgate.conformance.TranslatorConformance;
import dev.tollgate.conformance.UpstreamAnswer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;

/**
 * The GCPVertexAI schema's translator under the conformance kit, with answers as Vertex AI sends
 * them: {@code generateContent} JSON and {@code streamGenerateContent?alt=sse} events (each
 * {@code data: <GenerateContentResponse>} and a CRLF blank line, usage counts on the last).
 */
class GcpVertexConformanceTest extends TranslatorConformance {
  static final BackendTarget BACKEND = new BackendTarget("gemini", "GCPVertexAI", "", "",
      Settings.of("backends[0].provider", Map.of("project", "my-project", "region", "us-central1")));

  static final String WHOLE = """
      {"candidates":[{"content":{"role":"model","parts":[{"text":"Hello! How can I help you today? ✓"}]},
       "finishReason":"STOP","avgLogprobs":-0.0519}],"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":10,
       "totalTokenCount":18,"trafficType":"ON_DEMAND","promptTokensDetails":[{"modality":"TEXT","tokenCount":8}],
       "candidatesTokensDetails":[{"modality":"TEXT","tokenCount":10}]},"modelVersion":"gemini-2.0-flash-001",
       "createTime":"2025-05-02T09:12:41.184322Z","responseId":"6YsUaPnUC5ax2PgPuJ3S8QE"}""";

  /** A function call from a thinking model: thoughts counted apart, the prompt partly cached. */
  static final String WHOLE_CALL = """
      {"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"get_weather",
       "args":{"location":"Boston, MA"}},"thoughtSignature":"CiQBVKhc7oFHWbgV0MZ0tXk2k7cq"}]},"finishReason":"STOP",
       "avgLogprobs":-0.41}],"usageMetadata":{"promptTokenCount":2100,"candidatesTokenCount":8,"totalTokenCount":2160,
       "cachedContentTokenCount":2048,"thoughtsTokenCount":52,"trafficType":"ON_DEMAND",
       "promptTokensDetails":[{"modality":"TEXT","tokenCount":2100}],"cacheTokensDetails":[{"modality":"TEXT",
       "tokenCount":2048}],"candidatesTokensDetails":[{"modality":"TEXT","tokenCount":8}]},
       "modelVersion":"gemini-2.5-flash","createTime":"2025-05-02T09:13:02.551120Z","responseId":"DowUaJ7BIuWm2PgP3-yHsAk"}""";

  /** A prompt the safety filters blocked: no candidates, only the prompt's feedback and counts. */
  static final String BLOCKED = """
      {"promptFeedback":{"blockReason":"PROHIBITED_CONTENT","blockReasonMessage":"The prompt was blocked due to
       prohibited content."},"usageMetadata":{"promptTokenCount":7,"totalTokenCount":7,"trafficType":"ON_DEMAND",
       "promptTokensDetails":[{"modality":"TEXT","tokenCount":7}]},"modelVersion":"gemini-2.0-flash-001",
       "createTime":"2025-05-02T09:16:00.100200Z","responseId":"4I0UaIm8BqSm2PgPpoaA6Ac"}""".replace("to\n ", "to ");

  /** Vertex's stream: a response per event, the finish reason and the counts on the last. */
  static final String STREAM = ""
      + "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Hello\"}]}}],"
      + "\"usageMetadata\":{\"trafficType\":\"ON_DEMAND\"},\"modelVersion\":\"gemini-2.0-flash-001\","
      + "\"createTime\":\"2025-05-02T09:14:10.512003Z\",\"responseId\":\"Uo0UaKOWH5Wl2PgPk5T-yAQ\"}\r\n\r\n"
      + "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"! How can I help — naïvely?\"}]}}],"
      + "\"usageMetadata\":{\"trafficType\":\"ON_DEMAND\"},\"modelVersion\":\"gemini-2.0-flash-001\","
      + "\"createTime\":\"2025-05-02T09:14:10.512003Z\",\"responseId\":\"Uo0UaKOWH5Wl2PgPk5T-yAQ\"}\r\n\r\n"
      + "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"\\n\"}]},\"finishReason\":\"STOP\"}],"
      + "\"usageMetadata\":{\"promptTokenCount\":8,\"candidatesTokenCount\":12,\"totalTokenCount\":20,"
      + "\"trafficType\":\"ON_DEMAND\",\"promptTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":8}],"
      + "\"candidatesTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":12}]},\"modelVersion\":\"gemini-2.0-flash-001\","
      + "\"createTime\":\"2025-05-02T09:14:10.512003Z\",\"responseId\":\"Uo0UaKOWH5Wl2PgPk5T-yAQ\"}\r\n\r\n";

  /** A streamed function call: Gemini sends the call whole, in one event, with the finish reason and counts. */
  static final String STREAM_CALL = ""
      + "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"get_weather\","
      + "\"args\":{\"location\":\"Boston, MA\"}},\"thoughtSignature\":\"CiQBVKhc7oFHWbgV0MZ0tXk2k7cq\"}]},"
      + "\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":61,\"candidatesTokenCount\":7,"
      + "\"totalTokenCount\":110,\"thoughtsTokenCount\":42,\"trafficType\":\"ON_DEMAND\","
      + "\"promptTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":61}],"
      + "\"candidatesTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":7}]},\"modelVersion\":\"gemini-2.5-flash\","
      + "\"createTime\":\"2025-05-02T09:15:33.020411Z\",\"responseId\":\"pY0UaOqYAfWm2PgP8r7KqQc\"}\r\n\r\n";

  static final String CHAT = "{\"model\":\"%s\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
      + "{\"role\":\"user\",\"content\":\"Hi\"}]%s}";
  static final String TOOLS = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
      + "\"description\":\"The weather at a place\",\"parameters\":{\"type\":\"object\",\"properties\":"
      + "{\"location\":{\"type\":\"string\"}},\"required\":[\"location\"]}}}]";

  @Override
  protected TranslatorFactory factory() {
    return new GcpVertexTranslatorFactory(ConformancePlatform.fixed());
  }

  @Override
  protected BackendTarget backend() {
    return BACKEND;
  }

  @Override
  protected List<Sample> samples() {
    return List.of(
        Sample.of("whole text", Endpoint.CHAT_COMPLETIONS, CHAT.formatted("gemini-2.0-flash-001", ""),
            UpstreamAnswer.json(WHOLE)).withUsage(TokenUsage.of(8, 10)),
        Sample.of("whole function call, thoughts and a cached prompt", Endpoint.CHAT_COMPLETIONS,
            CHAT.formatted("gemini-2.5-flash", TOOLS), UpstreamAnswer.json(WHOLE_CALL))
            .withUsage(new TokenUsage(2100, 60, 2160, 2048, 52)),
        Sample.of("whole blocked prompt", Endpoint.CHAT_COMPLETIONS, CHAT.formatted("gemini-2.0-flash-001", ""),
            UpstreamAnswer.json(BLOCKED)).withUsage(new TokenUsage(7, 0, 7, 0, 0)),
        Sample.of("streamed text", Endpoint.CHAT_COMPLETIONS,
            CHAT.formatted("gemini-2.0-flash-001", ",\"stream\":true,\"stream_options\":{\"include_usage\":true}"),
            UpstreamAnswer.sse(STREAM)).withUsage(TokenUsage.of(8, 12)),
        Sample.of("streamed function call", Endpoint.CHAT_COMPLETIONS,
            CHAT.formatted("gemini-2.5-flash", TOOLS + ",\"stream\":true"), UpstreamAnswer.sse(STREAM_CALL))
            .withUsage(new TokenUsage(61, 49, 110, 0, 42)));
  }

  /** OpenAI Responses API clients, through the Gemini chat translator. */
  @Nested
  class Responses extends TranslatorConformance {
    static final String REQUEST = "{\"model\":\"%s\",\"instructions\":\"Be brief.\",\"input\":\"Hi\"%s}";
    static final String RESPONSES_TOOLS = ",\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\","
        + "\"description\":\"The weather at a place\",\"parameters\":{\"type\":\"object\",\"properties\":"
        + "{\"location\":{\"type\":\"string\"}},\"required\":[\"location\"]}}]";

    @Override
    protected TranslatorFactory factory() {
      return new GeminiResponses(ConformancePlatform.fixed());
    }

    @Override
    protected BackendTarget backend() {
      return BACKEND;
    }

    @Override
    protected List<Sample> samples() {
      return List.of(
          Sample.of("whole text", Endpoint.RESPONSES, REQUEST.formatted("gemini-2.0-flash-001", ""),
              UpstreamAnswer.json(WHOLE)).withUsage(TokenUsage.of(8, 10)),
          Sample.of("whole function call, thoughts and a cached prompt", Endpoint.RESPONSES,
              REQUEST.formatted("gemini-2.5-flash", RESPONSES_TOOLS), UpstreamAnswer.json(WHOLE_CALL))
              .withUsage(new TokenUsage(2100, 60, 2160, 2048, 52)),
          Sample.of("whole blocked prompt", Endpoint.RESPONSES, REQUEST.formatted("gemini-2.0-flash-001", ""),
              UpstreamAnswer.json(BLOCKED)).withUsage(new TokenUsage(7, 0, 7, 0, 0)),
          Sample.of("streamed text", Endpoint.RESPONSES, REQUEST.formatted("gemini-2.0-flash-001", ",\"stream\":true"),
              UpstreamAnswer.sse(STREAM)).withUsage(TokenUsage.of(8, 12)),
          Sample.of("streamed function call", Endpoint.RESPONSES,
              REQUEST.formatted("gemini-2.5-flash", RESPONSES_TOOLS + ",\"stream\":true"),
              UpstreamAnswer.sse(STREAM_CALL)).withUsage(new TokenUsage(61, 49, 110, 0, 42)));
    }
  }
}
