package dev.tollgate.plugins.anthropic;

import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.Settings;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.spi.TranslatorFactory;
import dev.tollgate.conformance.ConformancePlatform;
import dev.tollgate.conformance.Sample;
import dev.tollgate.conformance.TranslatorConformance;
import dev.tollgate.conformance.UpstreamAnswer;
import dev.tollgate.testkit.FakeAnthropic;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;

/**
 * The three Claude schemas' translators (Anthropic, AWSAnthropic, GCPAnthropic; each for OpenAI chat
 * and Anthropic Messages clients) under the conformance kit, with answers as each host sends them:
 * Messages JSON and SSE from Anthropic and from Vertex AI's rawPredict/streamRawPredict, and on
 * Bedrock InvokeModel JSON and InvokeModelWithResponseStream event-stream frames, each a
 * {@code chunk} event whose payload is {@code {"bytes":"<base64 of the Anthropic event>","p":"..."}}
 * (the last event carrying Bedrock's invocation metrics).
 */
class AnthropicConformanceTest {
  static final BackendTarget ANTHROPIC = new BackendTarget("claude", "Anthropic", "", "",
      Settings.empty("backends[0].provider"));
  static final BackendTarget BEDROCK = new BackendTarget("claude-bedrock", "AWSAnthropic", "", "",
      Settings.empty("backends[0].provider"));
  static final BackendTarget VERTEX = new BackendTarget("claude-vertex", "GCPAnthropic", "", "",
      Settings.of("backends[0].provider", Map.of("project", "my-project", "region", "us-east5")));

  /** A whole text answer, with prompt-cache reads, as the Messages API sends it. */
  static String message(String id, String model) {
    return """
        {"id":"%s","type":"message","role":"assistant","model":"%s","content":[{"type":"text",
         "text":"Hello! It's nice to meet you — how can I help?"}],"stop_reason":"end_turn","stop_sequence":null,
         "usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":1200,
         "cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"output_tokens":15,
         "service_tier":"standard"}}""".formatted(id, model);
  }

  /** The text answer of {@link #message} or {@link #textEvents}, this time writing its prompt to the cache. */
  static String writingTheCache(String answer) {
    return answer.replace("\"input_tokens\":25,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":1200",
            "\"input_tokens\":12,\"cache_creation_input_tokens\":2048,\"cache_read_input_tokens\":0")
        .replace("\"ephemeral_5m_input_tokens\":0", "\"ephemeral_5m_input_tokens\":2048");
  }

  /** A whole tool call after some thinking and text. */
  static String toolMessage(String id, String model) {
    return """
        {"id":"%s","type":"message","role":"assistant","model":"%s","content":[{"type":"thinking",
         "thinking":"The user wants the weather.","signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"},
         {"type":"text","text":"I'll check the weather in Paris."},{"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9",
         "name":"get_weather","input":{"location":"Paris, France","unit":"celsius"}}],"stop_reason":"tool_use",
         "stop_sequence":null,"usage":{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,
         "output_tokens":91}}""".formatted(id, model);
  }

  /** A streamed text answer's events: as in Anthropic's streaming example, with a ping and a multi-byte text. */
  static List<String> textEvents(String id, String model) {
    return List.of(
        "{\"type\":\"message_start\",\"message\":{\"id\":\"" + id + "\",\"type\":\"message\",\"role\":\"assistant\","
            + "\"model\":\"" + model + "\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":"
            + "{\"input_tokens\":25,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":1200,"
            + "\"output_tokens\":1,\"service_tier\":\"standard\"}}}",
        "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
        "{\"type\":\"ping\"}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello! It's nice\"}}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" to meet you — ✓\"}}",
        "{\"type\":\"content_block_stop\",\"index\":0}",
        "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":"
            + "{\"input_tokens\":25,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":1200,"
            + "\"output_tokens\":15}}",
        "{\"type\":\"message_stop\"}");
  }

  /** A streamed tool call: thinking (with its signature), text, then the tool's input JSON in pieces. */
  static List<String> toolEvents(String id, String model) {
    return List.of(
        "{\"type\":\"message_start\",\"message\":{\"id\":\"" + id + "\",\"type\":\"message\",\"role\":\"assistant\","
            + "\"model\":\"" + model + "\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":"
            + "{\"input_tokens\":472,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":2}}}",
        "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"The user wants the weather.\"}}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds\"}}",
        "{\"type\":\"content_block_stop\",\"index\":0}",
        "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
        "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"I'll check the weather in Paris.\"}}",
        "{\"type\":\"content_block_stop\",\"index\":1}",
        "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\","
            + "\"name\":\"get_weather\",\"input\":{}}}",
        "{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}",
        "{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"location\\\": \\\"Par\"}}",
        "{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"is, France\\\"}\"}}",
        "{\"type\":\"content_block_stop\",\"index\":2}",
        "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":89}}",
        "{\"type\":\"message_stop\"}");
  }

  static final TokenUsage TEXT_USAGE = new TokenUsage(1225, 15, 1240, 1200, 0);
  /** Input = 12 uncached + 2048 written to the cache. */
  static final TokenUsage CACHE_WRITE_USAGE = new TokenUsage(2060, 15, 2075, 0, 0, 2048);
  static final TokenUsage TOOL_USAGE = TokenUsage.of(472, 91);
  static final TokenUsage STREAMED_TOOL_USAGE = TokenUsage.of(472, 89);

  /** Events as Anthropic (and Vertex) stream them: {@code event:} and {@code data:} lines, a blank line after each. */
  static UpstreamAnswer sse(List<String> events) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    FakeAnthropic.sse(events).forEach(out::writeBytes);
    return UpstreamAnswer.sse(out.toString(StandardCharsets.UTF_8));
  }

  /**
   * Events as Bedrock's InvokeModelWithResponseStream sends them: one {@code chunk} frame each, its
   * payload padded with {@code p}; the {@code message_stop} event carries the invocation metrics.
   */
  static UpstreamAnswer bedrockStream(List<String> events, int inputTokens, int outputTokens) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < events.size() - 1; i++) {
      out.writeBytes(chunk(events.get(i), i));
    }
    out.writeBytes(chunk("{\"type\":\"message_stop\",\"amazon-bedrock-invocationMetrics\":{\"inputTokenCount\":"
        + inputTokens + ",\"outputTokenCount\":" + outputTokens + ",\"invocationLatency\":1532,\"firstByteLatency\":412}}",
        events.size() - 1));
    return UpstreamAnswer.of("application/vnd.amazon.eventstream", out.toByteArray());
  }

  /** One {@code chunk} frame: {@code {"bytes":"<base64 of the event>","p":"<padding>"}}. */
  static byte[] chunk(String event, int i) {
    String pad = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    String payload = "{\"bytes\":\"" + Base64.getEncoder().encodeToString(event.getBytes(StandardCharsets.UTF_8))
        + "\",\"p\":\"" + pad.substring(0, 1 + (i * 7) % pad.length()) + "\"}";
    return FakeAnthropic.frame(Map.of(":event-type", "chunk", ":content-type", "application/json",
        ":message-type", "event"), payload.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A Bedrock stream that breaks off: the message starts and some text comes, then Bedrock sends a
   * {@code modelTimeoutException} frame (one of InvokeModelWithResponseStream's stream exceptions)
   * and no more. The client's stream ends with an error; the usage is what message_start said.
   */
  static UpstreamAnswer bedrockTimeout(String id, String model) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<String> events = textEvents(id, model).subList(0, 4);
    for (int i = 0; i < events.size(); i++) {
      out.writeBytes(chunk(events.get(i), i));
    }
    out.writeBytes(FakeAnthropic.exceptionFrame("modelTimeoutException",
        "Model has timed out in processing the request. Try your request again."));
    return UpstreamAnswer.of("application/vnd.amazon.eventstream", out.toByteArray());
  }

  static final TokenUsage STARTED_USAGE = new TokenUsage(1225, 1, 1226, 1200, 0);

  static final String CHAT = "{\"model\":\"%s\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
      + "{\"role\":\"user\",\"content\":\"Hi\"}]%s}";
  static final String CHAT_TOOLS = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
      + "\"parameters\":{\"type\":\"object\",\"properties\":{\"location\":{\"type\":\"string\"},"
      + "\"unit\":{\"type\":\"string\",\"enum\":[\"celsius\",\"fahrenheit\"]}},\"required\":[\"location\"]}}}]";
  static final String MESSAGES = "{\"model\":\"%s\",\"max_tokens\":1024,\"system\":\"Be brief.\","
      + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]%s}";
  static final String MESSAGES_TOOLS = ",\"tools\":[{\"name\":\"get_weather\",\"input_schema\":{\"type\":\"object\","
      + "\"properties\":{\"location\":{\"type\":\"string\"}},\"required\":[\"location\"]}}]";

  /** How a host answers: whole answers as JSON, streams in its framing. */
  interface Host {
    UpstreamAnswer stream(List<String> events, int inputTokens, int outputTokens);
  }

  static final Host SSE = (events, in, out) -> sse(events);
  static final Host AWS = AnthropicConformanceTest::bedrockStream;

  static List<Sample> chatSamples(String model, String id, Host host) {
    String streamed = ",\"stream\":true,\"stream_options\":{\"include_usage\":true}";
    return List.of(
        Sample.of("whole text", Endpoint.CHAT_COMPLETIONS, CHAT.formatted(model, ""),
            UpstreamAnswer.json(message(id, model))).withUsage(TEXT_USAGE),
        Sample.of("whole tool call", Endpoint.CHAT_COMPLETIONS, CHAT.formatted(model, CHAT_TOOLS),
            UpstreamAnswer.json(toolMessage(id, model))).withUsage(TOOL_USAGE),
        Sample.of("streamed text", Endpoint.CHAT_COMPLETIONS, CHAT.formatted(model, streamed),
            host.stream(textEvents(id, model), 25, 15)).withUsage(TEXT_USAGE),
        Sample.of("streamed tool call", Endpoint.CHAT_COMPLETIONS, CHAT.formatted(model, CHAT_TOOLS + ",\"stream\":true"),
            host.stream(toolEvents(id, model), 472, 89)).withUsage(STREAMED_TOOL_USAGE),
        Sample.of("whole text writing the prompt cache", Endpoint.CHAT_COMPLETIONS, CHAT.formatted(model, ""),
            UpstreamAnswer.json(writingTheCache(message(id, model)))).withUsage(CACHE_WRITE_USAGE),
        Sample.of("streamed text writing the prompt cache", Endpoint.CHAT_COMPLETIONS, CHAT.formatted(model, streamed),
            host.stream(textEvents(id, model).stream().map(AnthropicConformanceTest::writingTheCache).toList(), 12, 15))
            .withUsage(CACHE_WRITE_USAGE));
  }

  static List<Sample> messagesSamples(String model, String id, Host host) {
    return List.of(
        Sample.of("whole text", Endpoint.MESSAGES, MESSAGES.formatted(model, ""),
            UpstreamAnswer.json(message(id, model))).withUsage(TEXT_USAGE),
        Sample.of("whole tool call", Endpoint.MESSAGES, MESSAGES.formatted(model, MESSAGES_TOOLS),
            UpstreamAnswer.json(toolMessage(id, model))).withUsage(TOOL_USAGE),
        Sample.of("streamed text", Endpoint.MESSAGES, MESSAGES.formatted(model, ",\"stream\":true"),
            host.stream(textEvents(id, model), 25, 15)).withUsage(TEXT_USAGE),
        Sample.of("streamed tool call", Endpoint.MESSAGES, MESSAGES.formatted(model, MESSAGES_TOOLS + ",\"stream\":true"),
            host.stream(toolEvents(id, model), 472, 89)).withUsage(STREAMED_TOOL_USAGE),
        Sample.of("whole text writing the prompt cache", Endpoint.MESSAGES, MESSAGES.formatted(model, ""),
            UpstreamAnswer.json(writingTheCache(message(id, model)))).withUsage(CACHE_WRITE_USAGE),
        Sample.of("streamed text writing the prompt cache", Endpoint.MESSAGES, MESSAGES.formatted(model, ",\"stream\":true"),
            host.stream(textEvents(id, model).stream().map(AnthropicConformanceTest::writingTheCache).toList(), 12, 15))
            .withUsage(CACHE_WRITE_USAGE));
  }

  /** A Responses API request: instructions and a string input, function tools flat as the Responses API has them. */
  static final String RESPONSES = "{\"model\":\"%s\",\"instructions\":\"Be brief.\",\"input\":\"Hi\"%s}";
  static final String RESPONSES_TOOLS = ",\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\","
      + "\"parameters\":{\"type\":\"object\",\"properties\":{\"location\":{\"type\":\"string\"}},"
      + "\"required\":[\"location\"]}}],\"tool_choice\":\"auto\"";

  /** Responses API clients, through the chat translator: the same answers as chat clients get. */
  static List<Sample> responsesSamples(String model, String id, Host host) {
    return List.of(
        Sample.of("whole text", Endpoint.RESPONSES, RESPONSES.formatted(model, ""),
            UpstreamAnswer.json(message(id, model))).withUsage(TEXT_USAGE),
        Sample.of("whole tool call", Endpoint.RESPONSES, RESPONSES.formatted(model, RESPONSES_TOOLS),
            UpstreamAnswer.json(toolMessage(id, model))).withUsage(TOOL_USAGE),
        Sample.of("streamed text", Endpoint.RESPONSES, RESPONSES.formatted(model, ",\"stream\":true"),
            host.stream(textEvents(id, model), 25, 15)).withUsage(TEXT_USAGE),
        Sample.of("streamed tool call", Endpoint.RESPONSES, RESPONSES.formatted(model, RESPONSES_TOOLS
            + ",\"stream\":true"), host.stream(toolEvents(id, model), 472, 89)).withUsage(STREAMED_TOOL_USAGE));
  }

  static final String ANTHROPIC_MODEL = "claude-sonnet-4-20250514";
  static final String BEDROCK_MODEL = "us.anthropic.claude-sonnet-4-20250514-v1:0";
  static final String BEDROCK_ID = "msg_bdrk_01Hq5bKzT7nPpd4c3ZqN7b8W";
  static final String VERTEX_MODEL = "claude-sonnet-4@20250514";

  @Nested
  class AnthropicChat extends TranslatorConformance {
    @Override
    protected TranslatorFactory factory() {
      return new AnthropicTranslators.AnthropicChat(ConformancePlatform.fixed());
    }

    @Override
    protected BackendTarget backend() {
      return ANTHROPIC;
    }

    @Override
    protected List<Sample> samples() {
      return chatSamples(ANTHROPIC_MODEL, "msg_01XFDUDYJgAACzvnptvVoYEL", SSE);
    }
  }

  @Nested
  class AnthropicMessages extends TranslatorConformance {
    @Override
    protected TranslatorFactory factory() {
      return new AnthropicTranslators.AnthropicMessages();
    }

    @Override
    protected BackendTarget backend() {
      return ANTHROPIC;
    }

    @Override
    protected List<Sample> samples() {
      return messagesSamples(ANTHROPIC_MODEL, "msg_01XFDUDYJgAACzvnptvVoYEL", SSE);
    }
  }

  @Nested
  class BedrockChat extends TranslatorConformance {
    @Override
    protected TranslatorFactory factory() {
      return new AnthropicTranslators.BedrockChat(ConformancePlatform.fixed());
    }

    @Override
    protected BackendTarget backend() {
      return BEDROCK;
    }

    @Override
    protected List<Sample> samples() {
      List<Sample> samples = new ArrayList<>(chatSamples(BEDROCK_MODEL, BEDROCK_ID, AWS));
      samples.add(Sample.of("stream ended by a modelTimeoutException", Endpoint.CHAT_COMPLETIONS,
          CHAT.formatted(BEDROCK_MODEL, ",\"stream\":true"), bedrockTimeout(BEDROCK_ID, BEDROCK_MODEL))
          .withUsage(STARTED_USAGE));
      return samples;
    }
  }

  @Nested
  class BedrockMessages extends TranslatorConformance {
    @Override
    protected TranslatorFactory factory() {
      return new AnthropicTranslators.BedrockMessages();
    }

    @Override
    protected BackendTarget backend() {
      return BEDROCK;
    }

    @Override
    protected List<Sample> samples() {
      List<Sample> samples = new ArrayList<>(messagesSamples(BEDROCK_MODEL, BEDROCK_ID, AWS));
      samples.add(Sample.of("stream ended by a modelTimeoutException", Endpoint.MESSAGES,
          MESSAGES.formatted(BEDROCK_MODEL, ",\"stream\":true"), bedrockTimeout(BEDROCK_ID, BEDROCK_MODEL))
          .withUsage(STARTED_USAGE));
      return samples;
    }
  }

  @Nested
  class VertexChat extends TranslatorConformance {
    @Override
    protected TranslatorFactory factory() {
      return new AnthropicTranslators.VertexChat(ConformancePlatform.fixed());
    }

    @Override
    protected BackendTarget backend() {
      return VERTEX;
    }

    @Override
    protected List<Sample> samples() {
      return chatSamples(VERTEX_MODEL, "msg_vrtx_01NnBCKkbW1sTp7Q6zVm2Hd3", SSE);
    }
  }

  @Nested
  class VertexMessages extends TranslatorConformance {
    @Override
    protected TranslatorFactory factory() {
      return new AnthropicTranslators.VertexMessages();
    }

    @Override
    protected BackendTarget backend() {
      return VERTEX;
    }

    @Override
    protected List<Sample> samples() {
      return messagesSamples(VERTEX_MODEL, "msg_vrtx_01NnBCKkbW1sTp7Q6zVm2Hd3", SSE);
    }
  }

  @Nested
  class AnthropicResponses extends TranslatorConformance {
    @Override
    protected TranslatorFactory factory() {
      return new ClaudeResponses.AnthropicResponses(ConformancePlatform.fixed());
    }

    @Override
    protected BackendTarget backend() {
      return ANTHROPIC;
    }

    @Override
    protected List<Sample> samples() {
      return responsesSamples(ANTHROPIC_MODEL, "msg_01XFDUDYJgAACzvnptvVoYEL", SSE);
    }
  }

  @Nested
  class BedrockResponses extends TranslatorConformance {
    @Override
    protected TranslatorFactory factory() {
      return new ClaudeResponses.BedrockResponses(ConformancePlatform.fixed());
    }

    @Override
    protected BackendTarget backend() {
      return BEDROCK;
    }

    @Override
    protected List<Sample> samples() {
      List<Sample> samples = new ArrayList<>(responsesSamples(BEDROCK_MODEL, BEDROCK_ID, AWS));
      samples.add(Sample.of("stream ended by a modelTimeoutException", Endpoint.RESPONSES,
          RESPONSES.formatted(BEDROCK_MODEL, ",\"stream\":true"), bedrockTimeout(BEDROCK_ID, BEDROCK_MODEL))
          .withUsage(STARTED_USAGE));
      return samples;
    }
  }

  @Nested
  class VertexResponses extends TranslatorConformance {
    @Override
    protected TranslatorFactory factory() {
      return new ClaudeResponses.VertexResponses(ConformancePlatform.fixed());
    }

    @Override
    protected BackendTarget backend() {
      return VERTEX;
    }

    @Override
    protected List<Sample> samples() {
      return responsesSamples(VERTEX_MODEL, "msg_vrtx_01NnBCKkbW1sTp7Q6zVm2Hd3", SSE);
    }
  }
}
