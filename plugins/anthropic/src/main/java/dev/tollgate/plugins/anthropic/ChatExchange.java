package dev.tollgate.plugins.anthropic;

import dev.tollgate.api.JsonSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.ProviderTranslator;
import dev.tollgate.api.spi.ResponseHead;
import java.io.ByteArrayOutputStream;
import java.util.Set;

/** An OpenAI chat completions client talking to an Anthropic-family backend: the answer comes back as OpenAI's. */
final class ChatExchange implements ProviderTranslator.Exchange {
  private enum Mode { WHOLE, ERROR, STREAM }

  private final UpstreamRequest request;
  private final long created;
  private final boolean includeUsage;
  private final UsageCounter usage = new UsageCounter();
  private final ByteArrayOutputStream whole = new ByteArrayOutputStream();
  private String model;
  private Mode mode;
  private int status;
  private UpstreamEvents events;
  private MessagesToChat.Stream stream;

  ChatExchange(UpstreamRequest request, String model, long created, boolean includeUsage) {
    this.request = request;
    this.model = model;
    this.created = created;
    this.includeUsage = includeUsage;
  }

  @Override
  public UpstreamRequest request() {
    return request;
  }

  @Override
  public ResponseHead onResponseHeaders(int status, Headers headers) {
    this.status = status;
    String ct = headers.get("content-type").orElse("");
    Set<String> remove = Set.of("content-length", "content-encoding");
    if (status >= 400) {
      mode = Mode.ERROR;
      return new ResponseHead(Headers.of("content-type", "application/json"), remove, false);
    }
    if (ct.startsWith("text/event-stream") || UpstreamEvents.isEventStream(ct)) {
      mode = Mode.STREAM;
      events = UpstreamEvents.forContentType(ct);
      stream = new MessagesToChat.Stream(model, created, includeUsage, usage);
      return new ResponseHead(Headers.of("content-type", "text/event-stream"), remove, true);
    }
    mode = Mode.WHOLE;
    return new ResponseHead(Headers.of("content-type", "application/json"), remove, false);
  }

  @Override
  public byte[] onResponseBody(byte[] chunk, boolean endOfStream) throws GatewayException {
    if (mode == Mode.STREAM) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (ObjectNode e : events.feed(chunk)) {
        out.writeBytes(stream.onEvent(e));
      }
      if (endOfStream) {
        out.writeBytes(stream.finish());
      }
      model = stream.model();
      return out.toByteArray();
    }
    whole.writeBytes(chunk);
    if (!endOfStream) {
      return new byte[0];
    }
    byte[] all = whole.toByteArray();
    if (mode == Mode.ERROR) {
      return MessagesToChat.error(status, all);
    }
    JsonNode message = JsonSupport.tryParse(all);
    if (message == null || !message.isObject() || !message.has("content")) {
      throw new GatewayException(502, "server_error", "the upstream's answer is not an Anthropic message");
    }
    usage.add(message.get("usage"));
    model = message.path("model").asText(model);
    return JsonSupport.bytes(MessagesToChat.completion(message, model, created, usage.usage()));
  }

  @Override
  public TokenUsage usage() {
    return usage.usage();
  }

  @Override
  public String responseModel() {
    return model;
  }
}
