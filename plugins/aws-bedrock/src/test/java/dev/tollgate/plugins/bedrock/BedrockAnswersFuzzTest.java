package dev.tollgate.plugins.bedrock;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tollgate.conformance.AnswerFuzzing;

/**
 * Coverage-guided fuzzing (Jazzer) of the AWS Bedrock translators' answers: Converse JSON, ConverseStream event streams, Titan embeddings, for chat and Responses (the toolkit's via-chat bridge) clients: each input answers one of the
 * conformance samples with arbitrary or mutated bytes split anywhere (see {@link AnswerFuzzing}).
 * Only a {@link dev.tollgate.api.GatewayException} may escape; no hang; bounded output.
 */
class BedrockAnswersFuzzTest {
  private static final AnswerFuzzing FUZZ = kits();

  private static AnswerFuzzing kits() {
    BedrockConformanceTest t = new BedrockConformanceTest();
    return new AnswerFuzzing(t.new Chat(), t.new Responses(), t.new Embeddings());
  }

  @FuzzTest(maxDuration = "8s")
  void answersSplitAnywhere(FuzzedDataProvider data) {
    FUZZ.fuzz(data);
  }
}
