package dev.tollgate.plugins.azureopenai;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tollgate.conformance.AnswerFuzzing;

/**
 * Coverage-guided fuzzing (Jazzer) of the Azure OpenAI translators' answers: passthrough and Anthropic Messages clients (the toolkit's Messages-over-chat bridge): each input answers one of the
 * conformance samples with arbitrary or mutated bytes split anywhere (see {@link AnswerFuzzing}).
 * Only a {@link dev.tollgate.api.GatewayException} may escape; no hang; bounded output.
 */
class AzureOpenAiAnswersFuzzTest {
  private static final AnswerFuzzing FUZZ = kits();

  private static AnswerFuzzing kits() {
    AzureOpenAiConformanceTest t = new AzureOpenAiConformanceTest();
    return new AnswerFuzzing(t.new Passthrough(), t.new AnthropicClients());
  }

  @FuzzTest(maxDuration = "8s")
  void answersSplitAnywhere(FuzzedDataProvider data) {
    FUZZ.fuzz(data);
  }
}
