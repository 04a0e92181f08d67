package dev.tollgate.core.clientapi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Endpoint;

/** OpenAI embeddings: prompts in {@code input}; the answer (vectors) has no text. */
final class EmbeddingsSpec extends OpenAiSpec {
  EmbeddingsSpec() {
    super(Endpoint.EMBEDDINGS);
  }

  @Override
  public PromptTexts requestTexts(ObjectNode body) {
    return new PromptTexts().stringOrStrings(body, "input");
  }

  @Override
  public PromptTexts answerTexts(ObjectNode body) {
    return new PromptTexts();
  }
}
