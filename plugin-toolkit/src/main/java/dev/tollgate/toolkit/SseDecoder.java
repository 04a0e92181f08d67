package dev.tollgate.toolkit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Incremental decoder for server-sent events. Feed it body chunks split at any byte; it returns
 * each event once its terminating blank line has arrived. Not thread-safe: one per stream.
 *
 * <p>Memory is bounded: an event longer than {@link #maxEventBytes()} (its bytes before the blank
 * line that ends it; {@link #DEFAULT_MAX_EVENT_BYTES} unless given) is dropped, whole, however it
 * is split: the decoder stops keeping its bytes as soon as it has seen that many, skips to the
 * next blank line and counts it in {@link #droppedEvents()}. So an upstream that never sends a
 * blank line holds at most that many bytes here, and each byte fed is looked at a bounded number
 * of times (feeding a long event in small pieces costs time linear in its length).
 */
public final class SseDecoder {
  /** The longest event kept by default: 16 MiB, far above any provider's event (an image in base64 included). */
  public static final int DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024;

  /** One event: its {@code event:} name (may be empty) and joined {@code data:} lines. */
  public record Event(String event, String data) {
  }

  private final int maxEventBytes;
  /** Bytes held: {@code buf[0, len)}, the start of an event not yet complete. */
  private byte[] buf = new byte[256];
  private int len;
  /** No blank line starts before this index of {@code buf} (bytes from it on are yet to be looked at). */
  private int scanned;
  /** Whether the event being received is too long: its bytes are dropped until its blank line. */
  private boolean skipping;
  private long dropped;

  /** A decoder that keeps events up to {@link #DEFAULT_MAX_EVENT_BYTES}. */
  public SseDecoder() {
    this(DEFAULT_MAX_EVENT_BYTES);
  }

  /** A decoder that drops events longer than {@code maxEventBytes}. */
  public SseDecoder(int maxEventBytes) {
    if (maxEventBytes < 1) {
      throw new IllegalArgumentException("maxEventBytes must be positive: " + maxEventBytes);
    }
    this.maxEventBytes = maxEventBytes;
  }

  public List<Event> feed(byte[] chunk) {
    append(chunk);
    List<Event> events = new ArrayList<>();
    int start = 0;
    int i = scanned;
    while (i < len) {
      int end = blankLineEnd(buf, i, len);
      if (end == UNDECIDED) {
        break; // maybe a blank line: wait for its next bytes
      }
      if (end > 0) {
        if (skipping || i - start > maxEventBytes) {
          dropped++;
        } else {
          Event e = parse(new String(buf, start, i - start, StandardCharsets.UTF_8));
          if (e != null) {
            events.add(e);
          }
        }
        skipping = false;
        start = end;
        i = end;
      } else {
        i++;
      }
    }
    if (!skipping && i - start > maxEventBytes) {
      skipping = true; // longer than kept whatever follows: stop holding its bytes
    }
    if (skipping) {
      start = i; // only the bytes not yet looked at (at most 3) are kept
    }
    System.arraycopy(buf, start, buf, 0, len - start);
    len -= start;
    scanned = i - start;
    if (buf.length > 4096 && len < buf.length / 4) {
      buf = Arrays.copyOf(buf, Math.max(256, len * 2));
    }
    return events;
  }

  private void append(byte[] chunk) {
    if (len + chunk.length > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + chunk.length));
    }
    System.arraycopy(chunk, 0, buf, len, chunk.length);
    len += chunk.length;
  }

  /** Bytes received but not yet part of a complete event (at most {@link #maxEventBytes()} + 3). */
  public int pendingBytes() {
    return len;
  }

  /** The longest event this decoder keeps, in bytes. */
  public int maxEventBytes() {
    return maxEventBytes;
  }

  /** How many events were dropped for being longer than {@link #maxEventBytes()}. */
  public long droppedEvents() {
    return dropped;
  }

  private static final int UNDECIDED = -2;

  /**
   * Index just past a blank line starting at {@code i} ("\n\n", "\r\n\r\n", "\r\r"), -1 when
   * none starts there, or {@link #UNDECIDED} when the bytes up to {@code len} could still become one.
   */
  private static int blankLineEnd(byte[] b, int i, int len) {
    if (b[i] == '\n') {
      if (i + 1 == len) {
        return UNDECIDED;
      }
      return b[i + 1] == '\n' ? i + 2 : -1;
    }
    if (b[i] != '\r') {
      return -1;
    }
    if (i + 1 == len) {
      return UNDECIDED;
    }
    if (b[i + 1] == '\r') {
      return i + 2;
    }
    if (b[i + 1] != '\n') {
      return -1;
    }
    if (i + 2 == len) {
      return UNDECIDED;
    }
    if (b[i + 2] != '\r') {
      return -1;
    }
    if (i + 3 == len) {
      return UNDECIDED;
    }
    return b[i + 3] == '\n' ? i + 4 : -1;
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
