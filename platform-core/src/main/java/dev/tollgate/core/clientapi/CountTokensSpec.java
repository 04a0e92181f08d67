package dev.tollgate.core.clientapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;

/**
 * Anthropic's token count ({@code POST /v1/messages/count_tokens}): a Messages request without
 * {@code max_tokens}, whose prompt texts are where a Messages request has them (guards see them as
 * they would the request itself); the answer, {@code {"input_tokens": N}}, has no text and never
 * streams. Counting is free at every provider that offers it, so the translators report no usage:
 * token costs come out as zero.
 */
final class CountTokensSpec implements EndpointSpec {
  /** Never matched: a count is a whole JSON answer. */
  private static final StreamEnd NO_STREAM = new StreamEnd();

  @Override
  public Endpoint endpoint() {
    return Endpoint.MESSAGES_COUNT_TOKENS;
  }

  @Override
  public ClientApi clientApi() {
    return ClientApi.ANTHROPIC;
  }

  @Override
  public boolean usesNoTokens() {
    return true;
  }

  /** As any request, with a model; {@code stream} is refused, since a count is one number. */
  @Override
  public ParsedRequest parse(byte[] body) throws GatewayException {
    ParsedRequest parsed = ParsedRequest.parse(body);
    if (parsed.json().has("stream")) {
      throw GatewayException.badRequest("stream: Extra inputs are not permitted (a token count is never streamed;"
          + " remove \"stream\")");
    }
    return parsed;
  }

  @Override
  public PromptTexts requestTexts(ObjectNode body) {
    return new PromptTexts().content(body, "system", "text").messageContents(body);
  }

  @Override
  public PromptTexts answerTexts(ObjectNode body) {
    return new PromptTexts();
  }

  @Override
  public StreamEnd streamEnd() {
    return NO_STREAM;
  }

  @Override
  public boolean endsStream(String data, JsonNode event) {
    return false;
  }
}
