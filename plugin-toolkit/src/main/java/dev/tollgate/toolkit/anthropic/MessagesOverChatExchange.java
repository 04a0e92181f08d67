package dev.tollgate.toolkit.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.toolkit.AbstractExchange;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.SseDecoder;

/** See {@link AnthropicChatBridge#exchange}. */
final class MessagesOverChatExchange extends AbstractExchange {
  private final ChatStreamConverter stream;

  MessagesOverChatExchange(UpstreamRequest request, String model) {
    super(request, model);
    this.stream = new ChatStreamConverter(model);
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
    if (completion == null || !completion.isObject() || !completion.has("choices")) {
      throw new GatewayException(502, "api_error", "the upstream's answer is not a chat completion");
    }
    answeredBy(completion.path("model").asText(null));
    if (completion.path("usage").isObject()) {
      count(AnthropicChatBridge.tokenUsage(completion.get("usage")));
    }
    return JsonSupport.bytes(AnthropicChatBridge.toMessage(completion, model()));
  }
}
