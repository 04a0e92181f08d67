package dev.tollgate.core.clientapi;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Where a client's stream ends as the client sees it: a line that starts with one of its
 * markers (OpenAI's {@code data: [DONE]}, Anthropic's {@code message_stop} event). Clients stop
 * reading there and often close the connection at once (the official OpenAI Python SDK does),
 * before the upstream's own end of stream reaches the proxy; so the costs must go out with the
 * answer that carries this marker, not only with the last body message.
 */
public final class StreamEnd {
  private final List<byte[]> markers;

  StreamEnd(String... lineStarts) {
    this.markers = java.util.Arrays.stream(lineStarts).map(s -> s.getBytes(StandardCharsets.US_ASCII)).toList();
  }

  /** Whether these bytes, going to the client, hold the end of its stream (a line starting with a marker). */
  public boolean isIn(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      return false;
    }
    for (byte[] marker : markers) {
      if (indexOf(bytes, marker) >= 0) {
        return true;
      }
    }
    return false;
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
