package dev.tollgate.api.anthropic;

import dev.tollgate.api.JsonSupport;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.SseDecoder;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.ProviderTranslator;
import dev.tollgate.api.spi.ResponseHead;
import java.io.ByteArrayOutputStream;
import java.util.Set;

/** See {@link AnthropicChatBridge#exchange}. */
final class MessagesOverChatExchange implements ProviderTranslator.Exchange {
  private static final byte[] NOTHING = new byte[0];

  private final UpstreamRequest request;
  private final ChatStreamConverter stream;
  private final ByteArrayOutputStream whole = new ByteArrayOutputStream();
  private String model;
  private TokenUsage usage = TokenUsage.NONE;
  private int status;
  private boolean sse;
  private SseDecoder decoder;

  MessagesOverChatExchange(UpstreamRequest request, String model) {
    this.request = request;
    this.model = model;
    this.stream = new ChatStreamConverter(model);
  }

  @Override
  public UpstreamRequest request() {
    return request;
  }

  @Override
  public ResponseHead onResponseHeaders(int status, Headers headers) {
    this.status = status;
    sse = status < 400 && headers.get("content-type").orElse("").startsWith("text/event-stream");
    if (sse) {
      decoder = new SseDecoder();
      return new ResponseHead(Headers.of("content-type", "text/event-stream"), Set.of("content-length"), true);
    }
    // the body is rewritten (message or error), so its length changes
    return new ResponseHead(Headers.of("content-type", "application/json"), Set.of("content-length"), false);
  }

  @Override
  public byte[] onResponseBody(byte[] chunk, boolean endOfStream) throws GatewayException {
    if (sse) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (SseDecoder.Event e : decoder.feed(chunk)) {
        if (!e.data().isEmpty()) {
          out.writeBytes(stream.onData(e.data()));
        }
      }
      if (endOfStream) {
        out.writeBytes(stream.finish());
      }
      model = stream.model();
      usage = usage.max(stream.usage());
      return out.toByteArray();
    }
    whole.writeBytes(chunk);
    if (!endOfStream) {
      return NOTHING;
    }
    byte[] all = whole.toByteArray();
    if (status >= 400) {
      return AnthropicChatBridge.toAnthropicError(status, all);
    }
    JsonNode completion = JsonSupport.tryParse(all);
    if (completion == null || !completion.isObject() || !completion.has("choices")) {
      throw new GatewayException(502, "api_error", "the upstream's answer is not a chat completion");
    }
    if (completion.hasNonNull("model") && !completion.get("model").asText().isEmpty()) {
      model = completion.get("model").asText();
    }
    if (completion.path("usage").isObject()) {
      usage = usage.max(AnthropicChatBridge.tokenUsage(completion.get("usage")));
    }
    return JsonSupport.bytes(AnthropicChatBridge.toMessage(completion, model));
  }

  @Override
  public TokenUsage usage() {
    return usage;
  }

  @Override
  public String responseModel() {
    return model;
  }
}
