package dev.tollgate.plugins.bedrock;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.Settings;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.spi.TranslatorFactory;
import dev.tollgate.conformance.ConformancePlatform;
import dev.tollgate.conformance.Sample;
import dev.tollgate.conformance.TranslatorConformance;
import dev.tollgate.conformance.UpstreamAnswer;
import dev.tollgate.testkit.FakeBedrock;
import dev.tollgate.toolkit.JsonSupport;
import java.util.List;
import org.junit.jupiter.api.Nested;

/**
 * The AWSBedrock schema's translators under the conformance kit, with answers as Bedrock Runtime
 * sends them: Converse JSON, ConverseStream binary event-stream frames (each payload padded with
 * Bedrock's {@code p} field), and Titan text embeddings JSON from InvokeModel.
 */
class BedrockConformanceTest {
  /** The region and host are the AWSCredentials auth's: the schema takes no provider settings. */
  static final BackendTarget BACKEND = new BackendTarget("bedrock", "AWSBedrock", "", "",
      Settings.empty("backends[0].provider"));

  static final String CONVERSE = """
      {"metrics":{"latencyMs":612},"output":{"message":{"content":[{"text":"Hello! How can I help you today?"}],
       "role":"assistant"}},"stopReason":"end_turn","usage":{"inputTokens":12,"outputTokens":10,"totalTokens":22}}""";

  static final String CONVERSE_TOOL_USE = """
      {"metrics":{"latencyMs":1290},"output":{"message":{"content":[{"text":"I'll look up the weather."},
       {"toolUse":{"input":{"city":"Paris","unit":"celsius"},"name":"get_weather","toolUseId":"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q"}}],
       "role":"assistant"}},"stopReason":"tool_use","usage":{"inputTokens":380,"outputTokens":64,"totalTokens":1468,
       "cacheReadInputTokens":1024,"cacheWriteInputTokens":0}}""";

  static final String TITAN = """
      {"embedding":[0.017578125,-0.0390625,0.0595703125,-0.0011749268],"embeddingsByType":{"float":[0.017578125,
       -0.0390625,0.0595703125,-0.0011749268]},"inputTextTokenCount":5}""";

  static final String CHAT = "{\"model\":\"anthropic.claude-3-5-haiku-20241022-v1:0\","
      + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]%s}";
  static final String TOOLS = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
      + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},"
      + "\"unit\":{\"type\":\"string\"}},\"required\":[\"city\"]}}}]";

  /** One ConverseStream event frame, as Bedrock sends it. */
  static byte[] event(String type, String payload) {
    return FakeBedrock.event(type, (ObjectNode) JsonSupport.tryParse(payload));
  }

  /** A streamed text answer: messageStart, text deltas (one with a multi-byte character), stops, metadata. */
  static byte[] textStream() {
    return FakeBedrock.concat(FakeBedrock.textStream(List.of("Hel", "lo — ", "naïve ✓ world"), "end_turn", 12, 7));
  }

  /** A streamed tool call after some text, its input JSON in pieces; the prompt partly read from the cache. */
  static byte[] toolStream() {
    return FakeBedrock.concat(List.of(
        event("messageStart", "{\"role\":\"assistant\"}"),
        event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Let me check.\"}}"),
        event("contentBlockStop", "{\"contentBlockIndex\":0}"),
        event("contentBlockStart", "{\"contentBlockIndex\":1,\"start\":{\"toolUse\":"
            + "{\"name\":\"get_weather\",\"toolUseId\":\"tooluse_3sQ8d9VJRcKq1bUuRkH0pA\"}}}"),
        event("contentBlockDelta", "{\"contentBlockIndex\":1,\"delta\":{\"toolUse\":{\"input\":\"\"}}}"),
        event("contentBlockDelta", "{\"contentBlockIndex\":1,\"delta\":{\"toolUse\":{\"input\":\"{\\\"city\\\": \\\"Pa\"}}}"),
        event("contentBlockDelta", "{\"contentBlockIndex\":1,\"delta\":{\"toolUse\":{\"input\":\"ris\\\"}\"}}}"),
        event("contentBlockStop", "{\"contentBlockIndex\":1}"),
        event("messageStop", "{\"stopReason\":\"tool_use\"}"),
        FakeBedrock.metadata(380, 41, 1024)));
  }

  /** A stream Bedrock breaks off with a {@code throttlingException} frame after the first text. */
  static byte[] throttledStream() {
    return FakeBedrock.concat(List.of(
        event("messageStart", "{\"role\":\"assistant\"}"),
        event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Once upon\"}}"),
        FakeBedrock.exception("throttlingException", "Too many tokens, please wait before trying again.")));
  }

  @Nested
  class Chat extends TranslatorConformance {
    @Override
    protected TranslatorFactory factory() {
      return new BedrockTranslators.Chat(ConformancePlatform.fixed());
    }

    @Override
    protected BackendTarget backend() {
      return BACKEND;
    }

    @Override
    protected List<Sample> samples() {
      return List.of(
          Sample.of("whole Converse answer", Endpoint.CHAT_COMPLETIONS, CHAT.formatted(""),
              UpstreamAnswer.json(CONVERSE)).withUsage(TokenUsage.of(12, 10)),
          Sample.of("whole Converse tool use, cached prompt", Endpoint.CHAT_COMPLETIONS, CHAT.formatted(TOOLS),
              UpstreamAnswer.json(CONVERSE_TOOL_USE)).withUsage(new TokenUsage(1404, 64, 1468, 1024, 0)),
          Sample.of("ConverseStream text", Endpoint.CHAT_COMPLETIONS,
              CHAT.formatted(",\"stream\":true,\"stream_options\":{\"include_usage\":true}"),
              UpstreamAnswer.of(FakeBedrock.EVENT_STREAM, textStream())).withUsage(TokenUsage.of(12, 7)),
          Sample.of("ConverseStream tool use, no usage chunk asked for", Endpoint.CHAT_COMPLETIONS,
              CHAT.formatted(TOOLS + ",\"stream\":true"),
              UpstreamAnswer.of(FakeBedrock.EVENT_STREAM, toolStream()))
              .withUsage(new TokenUsage(1404, 41, 1445, 1024, 0)),
          Sample.of("ConverseStream ended by a throttlingException", Endpoint.CHAT_COMPLETIONS,
              CHAT.formatted(",\"stream\":true"), UpstreamAnswer.of(FakeBedrock.EVENT_STREAM, throttledStream()))
              .withUsage(TokenUsage.NONE));
    }
  }

  /** OpenAI Responses API clients, through the Converse chat translator. */
  @Nested
  class Responses extends TranslatorConformance {
    static final String REQUEST = "{\"model\":\"anthropic.claude-3-5-haiku-20241022-v1:0\",\"instructions\":"
        + "\"Be brief.\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Hi\"}]}]%s}";
    static final String RESPONSES_TOOLS = ",\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\","
        + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},"
        + "\"unit\":{\"type\":\"string\"}},\"required\":[\"city\"]},\"strict\":true}]";

    @Override
    protected TranslatorFactory factory() {
      return new BedrockResponses(ConformancePlatform.fixed());
    }

    @Override
    protected BackendTarget backend() {
      return BACKEND;
    }

    @Override
    protected List<Sample> samples() {
      return List.of(
          Sample.of("whole Converse answer", Endpoint.RESPONSES, REQUEST.formatted(",\"store\":true"),
              UpstreamAnswer.json(CONVERSE)).withUsage(TokenUsage.of(12, 10)),
          Sample.of("whole Converse tool use, cached prompt", Endpoint.RESPONSES, REQUEST.formatted(RESPONSES_TOOLS),
              UpstreamAnswer.json(CONVERSE_TOOL_USE)).withUsage(new TokenUsage(1404, 64, 1468, 1024, 0)),
          Sample.of("ConverseStream text", Endpoint.RESPONSES, REQUEST.formatted(",\"stream\":true"),
              UpstreamAnswer.of(FakeBedrock.EVENT_STREAM, textStream())).withUsage(TokenUsage.of(12, 7)),
          Sample.of("ConverseStream tool use", Endpoint.RESPONSES,
              REQUEST.formatted(RESPONSES_TOOLS + ",\"stream\":true"),
              UpstreamAnswer.of(FakeBedrock.EVENT_STREAM, toolStream()))
              .withUsage(new TokenUsage(1404, 41, 1445, 1024, 0)),
          Sample.of("whole Converse reasoning answer, signed", Endpoint.RESPONSES,
              REQUEST.formatted(",\"reasoning\":{\"effort\":\"high\"}"),
              UpstreamAnswer.json(new String(FakeBedrock.converseReasoning("Six times seven is 42.", "42", 12, 30, 0, 0)
                  .pieces().get(0), java.nio.charset.StandardCharsets.UTF_8))).withUsage(TokenUsage.of(12, 30)),
          Sample.of("ConverseStream reasoning, signed", Endpoint.RESPONSES,
              REQUEST.formatted(",\"reasoning\":{\"effort\":\"high\"},\"stream\":true"),
              UpstreamAnswer.of(FakeBedrock.EVENT_STREAM, FakeBedrock.concat(FakeBedrock.reasoningStream(
                  List.of("Six times", " seven — naïve ✓."), List.of("4", "2"), 9, 20)))).withUsage(TokenUsage.of(9, 20)),
          Sample.of("ConverseStream ended by a throttlingException", Endpoint.RESPONSES,
              REQUEST.formatted(",\"stream\":true"), UpstreamAnswer.of(FakeBedrock.EVENT_STREAM, throttledStream()))
              .withUsage(TokenUsage.NONE));
    }
  }

  @Nested
  class Embeddings extends TranslatorConformance {
    @Override
    protected TranslatorFactory factory() {
      return new BedrockTranslators.Embeddings();
    }

    @Override
    protected BackendTarget backend() {
      return BACKEND;
    }

    @Override
    protected List<Sample> samples() {
      String request = "{\"model\":\"amazon.titan-embed-text-v2:0\",\"input\":\"Hello world\"%s}";
      return List.of(
          Sample.of("Titan embedding", Endpoint.EMBEDDINGS, request.formatted(""), UpstreamAnswer.json(TITAN))
              .withUsage(new TokenUsage(5, 0, 5, 0, 0)),
          Sample.of("Titan embedding as base64", Endpoint.EMBEDDINGS,
              request.formatted(",\"encoding_format\":\"base64\",\"dimensions\":256"), UpstreamAnswer.json(TITAN))
              .withUsage(new TokenUsage(5, 0, 5, 0, 0)));
    }
  }
}
