package dev.tollgate.core.clientapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Endpoint;

/**
 * OpenAI chat completions: prompts in {@code messages}, answers in each choice's message, streamed
 * text in {@code delta.content}.
 */
final class ChatCompletionsSpec extends ChoicesSpec {
  ChatCompletionsSpec() {
    super(Endpoint.CHAT_COMPLETIONS, "delta", "content");
  }

  @Override
  public PromptTexts requestTexts(ObjectNode body) {
    return new PromptTexts().messageContents(body);
  }

  @Override
  public PromptTexts answerTexts(ObjectNode body) {
    PromptTexts t = new PromptTexts();
    for (JsonNode c : body.path("choices")) {
      t.content(c.path("message"), "content", "text");
    }
    return t;
  }
}
