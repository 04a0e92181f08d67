package dev.tollgate.plugins.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.Headers;
import dev.tollgate.toolkit.EventStreamLengthGuard;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.UpstreamErrors;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.eventstream.HeaderType;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;
import software.amazon.awssdk.eventstream.MessageDecoder;

/**
 * Anthropic stream events out of AWS event-stream frames, as Bedrock's
 * InvokeModelWithResponseStream sends them, fed in pieces split at any byte: {@code chunk} events
 * whose payload is {@code {"bytes":"<base64 of an Anthropic event>"}}, and exception frames, which
 * become Anthropic {@code error} events. A frame that fails its checksum ends the stream with an
 * error event, and so does a frame announcing more than
 * {@link EventStreamLengthGuard#DEFAULT_MAX_FRAME_BYTES} (refused before the decoder allocates it).
 * Not thread-safe: one per stream.
 */
final class BedrockEventStream {
  static final String CONTENT_TYPE = "application/vnd.amazon.eventstream";

  private final List<Message> frames = new ArrayList<>();
  private final MessageDecoder decoder = new MessageDecoder(frames::add);
  private final EventStreamLengthGuard guard = new EventStreamLengthGuard();
  private boolean broken;

  /** Whether an answer with these headers is an AWS event stream. */
  static boolean isEventStream(Headers headers) {
    return headers.get("content-type").orElse("").toLowerCase(Locale.ROOT).startsWith(CONTENT_TYPE);
  }

  /** The Anthropic events completed by {@code chunk}. */
  List<ObjectNode> feed(byte[] chunk) {
    List<ObjectNode> out = new ArrayList<>();
    if (broken) {
      return out;
    }
    int accepted = guard.accept(chunk);
    try {
      decoder.feed(chunk, 0, accepted);
    } catch (RuntimeException e) {
      broken = true;
    }
    if (guard.refusal() != null) {
      broken = true; // a frame announcing an impossible length: refused before the decoder allocates it
    }
    // the frames whole before a malformed one still count, as they would in an earlier piece
    for (Message m : frames) {
      ObjectNode event = event(m);
      if (event != null) {
        out.add(event);
      }
    }
    frames.clear();
    if (broken) {
      out.add(error("api_error", "the upstream sent a malformed event-stream frame"));
    }
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
      String message = UpstreamErrors.read(ClientApi.ANTHROPIC, 500, Headers.empty(), m.getPayload()).message();
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
    return JsonSupport.tryParse(inner) instanceof ObjectNode event ? event : null;
  }

  private static String header(Map<String, HeaderValue> h, String name) {
    HeaderValue v = h.get(name);
    // a header of another type (a malformed frame) is as good as none: getString() would throw
    return v == null || v.getType() != HeaderType.STRING ? null : v.getString();
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
      default -> "api_error"; // internalServerException, modelStreamErrorException, ...
    };
  }

  /** An Anthropic {@code error} event. */
  private static ObjectNode error(String type, String message) {
    ObjectNode e = JsonSupport.object().put("type", "error");
    e.putObject("error").put("type", type).put("message", message);
    return e;
  }
}
