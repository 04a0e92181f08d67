package dev.tollgate.core.pipeline;

import dev.tollgate.api.ClientApi;
import java.nio.charset.StandardCharsets;

/**
 * Where a client's stream ends as the client sees it: OpenAI's {@code data: [DONE]}, Anthropic's
 * {@code message_stop} event. Clients stop reading there and often close the connection at once
 * (the official OpenAI Python SDK does), before the upstream's own end of stream reaches the
 * proxy; so the costs must go out with the answer that carries this marker, not only with the last
 * body message.
 */
final class StreamEnd {
  private static final byte[] OPENAI = "data: [DONE]".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ANTHROPIC = "data: {\"type\":\"message_stop\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ANTHROPIC_EVENT = "event: message_stop".getBytes(StandardCharsets.US_ASCII);

  private StreamEnd() {
  }

  /** Whether these bytes, going to the client, hold the end of its stream (a line starting with the marker). */
  static boolean isIn(ClientApi api, byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      return false;
    }
    if (api == ClientApi.ANTHROPIC) {
      return indexOf(bytes, ANTHROPIC_EVENT) >= 0 || indexOf(bytes, ANTHROPIC) >= 0;
    }
    return indexOf(bytes, OPENAI) >= 0;
  }

  /** Where {@code needle} starts a line of {@code haystack}, or -1. */
  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      if (i > 0 && haystack[i - 1] != '\n') {
        continue;
      }
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
