package dev.tollgate.plugins.anthropic;

import dev.tollgate.api.JsonSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.ErrorFormats;
import dev.tollgate.api.Headers;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.ProviderTranslator;
import dev.tollgate.api.spi.ResponseHead;
import java.io.ByteArrayOutputStream;
import java.util.Set;

/**
 * An Anthropic Messages client talking to an Anthropic-family backend. The answer is already in
 * the client's format: whole answers and SSE streams pass through while their usage is read; an
 * AWS event-stream is decoded back into Anthropic SSE events; errors that are not Anthropic error
 * objects (Google's, AWS's, plain text) are wrapped into one with the upstream status.
 */
final class MessagesExchange implements ProviderTranslator.Exchange {
  private enum Mode { WHOLE, ERROR, SSE_PASSTHROUGH, EVENT_STREAM }

  private final UpstreamRequest request;
  private final UsageCounter usage = new UsageCounter();
  private final ByteArrayOutputStream whole = new ByteArrayOutputStream();
  private String model;
  private Mode mode;
  private int status;
  private UpstreamEvents events;
  private boolean ended;

  MessagesExchange(UpstreamRequest request, String model) {
    this.request = request;
    this.model = model;
  }

  @Override
  public UpstreamRequest request() {
    return request;
  }

  @Override
  public ResponseHead onResponseHeaders(int status, Headers headers) {
    this.status = status;
    String ct = headers.get("content-type").orElse("");
    if (status >= 400) {
      mode = Mode.ERROR;
      return new ResponseHead(Headers.of("content-type", "application/json"), Set.of("content-length"), false);
    }
    if (UpstreamEvents.isEventStream(ct)) {
      mode = Mode.EVENT_STREAM;
      events = new UpstreamEvents.AwsEventStream();
      return new ResponseHead(Headers.of("content-type", "text/event-stream"), Set.of("content-length"), true);
    }
    if (ct.startsWith("text/event-stream")) {
      mode = Mode.SSE_PASSTHROUGH;
      events = new UpstreamEvents.Sse();
      return ResponseHead.unchanged(true);
    }
    mode = Mode.WHOLE;
    return ResponseHead.unchanged(false);
  }

  @Override
  public byte[] onResponseBody(byte[] chunk, boolean endOfStream) {
    switch (mode) {
      case SSE_PASSTHROUGH -> {
        events.feed(chunk).forEach(this::read);
        return chunk;
      }
      case EVENT_STREAM -> {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ObjectNode e : events.feed(chunk)) {
          if (ended) {
            break;
          }
          read(e);
          out.writeBytes(UpstreamEvents.sse(e));
        }
        if (endOfStream && !ended) {
          out.writeBytes(UpstreamEvents.sse(UpstreamEvents.AwsEventStream.error("api_error",
              "the upstream ended the stream before the answer was complete")));
          ended = true;
        }
        return out.toByteArray();
      }
      default -> {
        whole.writeBytes(chunk);
        if (!endOfStream) {
          return mode == Mode.ERROR ? new byte[0] : chunk;
        }
        byte[] all = whole.toByteArray();
        if (mode == Mode.ERROR) {
          if (ErrorText.isAnthropicError(all)) {
            return all;
          }
          return ErrorFormats.render(ClientApi.ANTHROPIC, status, ErrorFormats.anthropicType(status),
              ErrorFormats.upstreamMessage(status, all));
        }
        JsonNode root = JsonSupport.tryParse(all);
        if (root != null) {
          usage.add(root.get("usage"));
          model = root.path("model").asText(model);
        }
        return chunk;
      }
    }
  }

  private void read(ObjectNode event) {
    switch (event.path("type").asText()) {
      case "message_start" -> {
        JsonNode m = event.path("message");
        usage.add(m.get("usage"));
        model = m.path("model").asText(model);
      }
      case "message_delta" -> usage.add(event.get("usage"));
      case "message_stop", "error" -> ended = true;
      default -> {
      }
    }
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
