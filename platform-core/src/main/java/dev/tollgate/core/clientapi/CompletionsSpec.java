package dev.tollgate.core.clientapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Endpoint;

/** OpenAI (legacy) completions: prompts in {@code prompt}, answers and deltas in each choice's {@code text}. */
final class CompletionsSpec extends ChoicesSpec {
  CompletionsSpec() {
    super(Endpoint.COMPLETIONS, null, "text");
  }

  @Override
  public PromptTexts requestTexts(ObjectNode body) {
    return new PromptTexts().stringOrStrings(body, "prompt");
  }

  @Override
  public PromptTexts answerTexts(ObjectNode body) {
    PromptTexts t = new PromptTexts();
    for (JsonNode c : body.path("choices")) {
      t.string(c, "text");
    }
    return t;
  }
}
