package dev.tollgate.plugins.gcpvertex;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tollgate.conformance.AnswerFuzzing;

/**
 * Coverage-guided fuzzing (Jazzer) of the GCP Vertex AI (Gemini) translators' answers: generateContent and streamGenerateContent for chat and Responses (the toolkit's via-chat bridge) clients, and embeddings: each input answers one of the
 * conformance samples with arbitrary or mutated bytes split anywhere (see {@link AnswerFuzzing}).
 * Only a {@link dev.tollgate.api.GatewayException} may escape; no hang; bounded output.
 */
class GcpVertexAnswersFuzzTest {
  private static final AnswerFuzzing FUZZ = kits();

  private static AnswerFuzzing kits() {
    GcpVertexConformanceTest chat = new GcpVertexConformanceTest();
    return new AnswerFuzzing(chat, chat.new Responses(), new GeminiEmbeddingsConformanceTest());
  }

  @FuzzTest(maxDuration = "8s")
  void answersSplitAnywhere(FuzzedDataProvider data) {
    FUZZ.fuzz(data);
  }
}
