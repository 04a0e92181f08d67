package dev.tollgate.toolkit.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.SseDecoder;

/**
 * The event that ends an OpenAI Responses API stream with an error ({@code ResponseErrorEvent}):
 * {@code event: error} with data {@code {"type":"error","code":..,"message":..,"param":null,
 * "sequence_number":..}}. Unlike chat completions, a Responses stream has no {@code data: [DONE]}
 * after it: the client stops reading at {@code error}, as it does at {@code response.completed}.
 */
public final class ResponsesStreamError {
  /** The type and SSE event name of the error event. */
  public static final String TYPE = "error";

  private ResponsesStreamError() {
  }

  /**
   * @param code           the error's code (e.g. {@code stream_cut_short}), or null
   * @param message        what went wrong, for the client
   * @param sequenceNumber the event's place in its stream: one past the last event the client got
   */
  public static byte[] event(String code, String message, long sequenceNumber) {
    ObjectNode e = JsonSupport.object();
    e.put("type", TYPE);
    if (code == null) {
      e.putNull("code");
    } else {
      e.put("code", code);
    }
    e.put("message", message);
    e.putNull("param");
    e.put("sequence_number", sequenceNumber);
    return SseDecoder.encode(TYPE, JsonSupport.string(e));
  }
}
