package dev.tollgate.plugins.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.toolkit.AbstractExchange;
import dev.tollgate.toolkit.JsonSupport;

/**
 * A Converse exchange: the whole answer becomes an OpenAI {@code chat.completion}. One that is not
 * a Converse answer (not JSON, cut short, without {@code output.message}) is a 502.
 */
final class ConverseExchange extends AbstractExchange {
  private final String id;
  private final long created;

  ConverseExchange(UpstreamRequest request, String model, String id, long created) {
    super(request, model);
    this.id = id;
    this.created = created;
  }

  @Override
  protected byte[] onWhole(byte[] body) throws GatewayException {
    JsonNode answer = BedrockTranslators.answerObject(body);
    if (!answer.path("output").path("message").isObject()) {
      throw new GatewayException(502, "server_error", "AWS Bedrock's Converse answer has no output.message");
    }
    count(ConverseResponseMapper.usage(answer.get("usage")));
    return JsonSupport.bytes(ConverseResponseMapper.toChatCompletion(answer, id, created, model()));
  }
}
