package dev.tollgate.toolkit.responses;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.toolkit.AbstractExchange;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.SseDecoder;
import dev.tollgate.toolkit.anthropic.AnthropicChatBridge;

/** See {@link ResponsesChatBridge#exchange}. */
final class ResponsesOverChatExchange extends AbstractExchange {
  private final ResponseShape shape;
  private final ResponsesStreamConverter stream;

  ResponsesOverChatExchange(UpstreamRequest request, String model, JsonNode responsesRequest) {
    super(request, model);
    this.shape = new ResponseShape(responsesRequest);
    this.stream = new ResponsesStreamConverter(shape, model);
  }

  @Override
  protected byte[] onEvent(SseDecoder.Event e) {
    if (e.data().isEmpty()) {
      return NOTHING;
    }
    byte[] out = stream.onData(e.data());
    answeredBy(stream.model());
    count(stream.usage());
    return out;
  }

  @Override
  protected byte[] onStreamEnd() {
    byte[] out = stream.finish();
    count(stream.usage());
    return out;
  }

  @Override
  protected byte[] onWhole(byte[] body) throws GatewayException {
    JsonNode completion = JsonSupport.tryParse(body);
    if (completion == null || !completion.isObject() || !completion.path("choices").isArray()
        || completion.path("choices").isEmpty()) {
      throw new GatewayException(502, "server_error", "the upstream's answer is not a chat completion, so it cannot"
          + " be given as a Responses API response");
    }
    answeredBy(completion.path("model").asText(null));
    if (completion.path("usage").isObject()) {
      count(AnthropicChatBridge.tokenUsage(completion.get("usage")));
    }
    return JsonSupport.bytes(ResponsesAnswers.toResponse(completion, shape, model()));
  }
}
