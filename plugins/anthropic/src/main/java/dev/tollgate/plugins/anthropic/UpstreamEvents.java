package dev.tollgate.plugins.anthropic;

import dev.tollgate.api.JsonSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ErrorFormats;
import dev.tollgate.api.SseDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;
import software.amazon.awssdk.eventstream.MessageDecoder;

/**
 * Anthropic stream events out of a streamed upstream body, fed in pieces split at any byte.
 * Each event is the JSON object Anthropic documents ({@code {"type":"message_start",...}}).
 */
interface UpstreamEvents {
  List<ObjectNode> feed(byte[] chunk);

  /** The reader for an upstream answer of this content type. */
  static UpstreamEvents forContentType(String contentType) {
    return isEventStream(contentType) ? new AwsEventStream() : new Sse();
  }

  static boolean isEventStream(String contentType) {
    return contentType.toLowerCase(Locale.ROOT).startsWith("application/vnd.amazon.eventstream");
  }

  /** Server-sent events, as Anthropic and Vertex AI send them. */
  final class Sse implements UpstreamEvents {
    private final SseDecoder decoder = new SseDecoder();

    @Override
    public List<ObjectNode> feed(byte[] chunk) {
      List<ObjectNode> out = new ArrayList<>();
      for (SseDecoder.Event e : decoder.feed(chunk)) {
        JsonNode data = e.data().isEmpty() ? null : JsonSupport.tryParse(e.data());
        if (data instanceof ObjectNode o) {
          if (!o.has("type") && !e.event().isEmpty()) {
            o.put("type", e.event());
          }
          out.add(o);
        }
      }
      return out;
    }
  }

  /**
   * AWS event-stream frames, as Bedrock's InvokeModelWithResponseStream sends them: {@code chunk}
   * events whose payload is {@code {"bytes":"<base64 of an Anthropic event>"}}, and exception
   * frames, which become Anthropic {@code error} events. A frame that fails its checksum ends the
   * stream with an error event.
   */
  final class AwsEventStream implements UpstreamEvents {
    private final List<Message> frames = new ArrayList<>();
    private final MessageDecoder decoder = new MessageDecoder(frames::add);
    private boolean broken;

    @Override
    public List<ObjectNode> feed(byte[] chunk) {
      List<ObjectNode> out = new ArrayList<>();
      if (broken) {
        return out;
      }
      try {
        decoder.feed(chunk);
      } catch (RuntimeException e) {
        broken = true;
        out.add(error("api_error", "the upstream sent a malformed event-stream frame"));
        return out;
      }
      for (Message m : frames) {
        ObjectNode event = event(m);
        if (event != null) {
          out.add(event);
        }
      }
      frames.clear();
      return out;
    }

    private static ObjectNode event(Message m) {
      Map<String, HeaderValue> h = m.getHeaders();
      String messageType = header(h, ":message-type");
      if ("exception".equals(messageType) || "error".equals(messageType)) {
        String kind = header(h, ":exception-type");
        if (kind == null) {
          kind = header(h, ":error-code");
        }
        String message = ErrorFormats.upstreamMessage(500, m.getPayload());
        return error(errorType(kind), (kind == null ? "" : kind + ": ") + message);
      }
      if (!"chunk".equals(header(h, ":event-type"))) {
        return null;
      }
      JsonNode payload = JsonSupport.tryParse(m.getPayload());
      if (payload == null || !payload.path("bytes").isTextual()) {
        return null;
      }
      byte[] inner;
      try {
        inner = Base64.getDecoder().decode(payload.get("bytes").asText());
      } catch (IllegalArgumentException e) {
        return error("api_error", "the upstream sent a chunk that is not base64");
      }
      JsonNode event = JsonSupport.tryParse(inner);
      return event instanceof ObjectNode o ? o : null;
    }

    private static String header(Map<String, HeaderValue> h, String name) {
      HeaderValue v = h.get(name);
      return v == null ? null : v.getString();
    }

    /** Anthropic's error type for a Bedrock exception name. */
    private static String errorType(String kind) {
      if (kind == null) {
        return "api_error";
      }
      return switch (kind) {
        case "throttlingException" -> "rate_limit_error";
        case "serviceUnavailableException", "modelNotReadyException" -> "overloaded_error";
        case "validationException" -> "invalid_request_error";
        case "modelTimeoutException" -> "timeout_error";
        default -> ErrorFormats.anthropicType(500);
      };
    }

    static ObjectNode error(String type, String message) {
      ObjectNode e = JsonSupport.object().put("type", "error");
      e.putObject("error").put("type", type).put("message", message);
      return e;
    }
  }

  /** One event as Anthropic SSE bytes. */
  static byte[] sse(ObjectNode event) {
    return SseDecoder.encode(event.path("type").asText(), JsonSupport.string(event));
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
