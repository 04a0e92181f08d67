package dev.tollgate.plugins.anthropic;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tollgate.conformance.AnswerFuzzing;

/**
 * Coverage-guided fuzzing (Jazzer) of the Claude translators' answers on their three hosts (Anthropic's Messages API, Bedrock InvokeModel and InvokeModelWithResponseStream event streams, Vertex rawPredict and streamRawPredict), for chat, Messages and Responses (the toolkit's via-chat bridge) clients: each input answers one of the
 * conformance samples with arbitrary or mutated bytes split anywhere (see {@link AnswerFuzzing}).
 * Only a {@link dev.tollgate.api.GatewayException} may escape; no hang; bounded output.
 */
class AnthropicAnswersFuzzTest {
  private static final AnswerFuzzing FUZZ = kits();

  private static AnswerFuzzing kits() {
    AnthropicConformanceTest t = new AnthropicConformanceTest();
    return new AnswerFuzzing(t.new AnthropicChat(), t.new AnthropicMessages(), t.new BedrockChat(), t.new BedrockMessages(),
        t.new VertexChat(), t.new VertexMessages(), t.new AnthropicResponses(), t.new BedrockResponses(),
        t.new VertexResponses());
  }

  @FuzzTest(maxDuration = "8s")
  void answersSplitAnywhere(FuzzedDataProvider data) {
    FUZZ.fuzz(data);
  }
}
