package dev.tollgate.toolkit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Incremental decoder for server-sent events. Feed it body chunks split at any byte; it returns
 * each event once its terminating blank line has arrived. Not thread-safe: one per stream.
 */
public final class SseDecoder {
  /** One event: its {@code event:} name (may be empty) and joined {@code data:} lines. */
  public record Event(String event, String data) {
  }

  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

  public List<Event> feed(byte[] chunk) {
    pending.writeBytes(chunk);
    byte[] buf = pending.toByteArray();
    List<Event> events = new ArrayList<>();
    int start = 0;
    int i = 0;
    while (i < buf.length) {
      int end = blankLineEnd(buf, i);
      if (end > 0) {
        Event e = parse(new String(buf, start, i - start, StandardCharsets.UTF_8));
        if (e != null) {
          events.add(e);
        }
        start = end;
        i = end;
      } else {
        i++;
      }
    }
    pending.reset();
    pending.write(buf, start, buf.length - start);
    return events;
  }

  /** Bytes received but not yet part of a complete event. */
  public int pendingBytes() {
    return pending.size();
  }

  /** Index just past a blank line starting at {@code i} ("\n\n", "\r\n\r\n", "\r\r"), or -1. */
  private static int blankLineEnd(byte[] b, int i) {
    if (b[i] == '\n' && i + 1 < b.length && b[i + 1] == '\n') {
      return i + 2;
    }
    if (b[i] == '\r' && i + 3 < b.length && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
      return i + 4;
    }
    if (b[i] == '\r' && i + 1 < b.length && b[i + 1] == '\r') {
      return i + 2;
    }
    return -1;
  }

  private static Event parse(String block) {
    String event = "";
    StringBuilder data = new StringBuilder();
    boolean hasData = false;
    for (String line : block.split("\r\n|\r|\n")) {
      if (line.isEmpty() || line.startsWith(":")) {
        continue;
      }
      int colon = line.indexOf(':');
      String name = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + 1);
      if (value.startsWith(" ")) {
        value = value.substring(1);
      }
      if (name.equals("event")) {
        event = value;
      } else if (name.equals("data")) {
        if (hasData) {
          data.append('\n');
        }
        data.append(value);
        hasData = true;
      }
    }
    if (!hasData && event.isEmpty()) {
      return null;
    }
    return new Event(event, data.toString());
  }

  /** Encodes one event as SSE bytes. */
  public static byte[] encode(String event, String data) {
    StringBuilder sb = new StringBuilder();
    if (event != null && !event.isEmpty()) {
      sb.append("event: ").append(event).append('\n');
    }
    for (String line : data.split("\n", -1)) {
      sb.append("data: ").append(line).append('\n');
    }
    sb.append('\n');
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }
}
