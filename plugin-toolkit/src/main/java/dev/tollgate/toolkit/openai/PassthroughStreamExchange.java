package dev.tollgate.toolkit.openai;

import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.ResponseHead;
import dev.tollgate.toolkit.AbstractExchange;
import dev.tollgate.toolkit.SseDecoder;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * What the passthrough exchanges of OpenAI's streaming APIs share: headers and bytes unchanged,
 * each SSE event read as it completes ({@link #read}), and its bytes held back until it is whole,
 * so that a stream the upstream cuts short ends with the API's own error event
 * ({@link #cutShort}) instead of half an event. Once the upstream said its answer is complete
 * ({@link #completed}), whatever follows goes as it comes.
 */
abstract class PassthroughStreamExchange extends AbstractExchange {
  private SseDecoder decoder;
  /** Bytes of an event not yet whole: they go out with the rest of it. */
  private final ByteArrayOutputStream held = new ByteArrayOutputStream();
  private boolean complete;

  PassthroughStreamExchange(UpstreamRequest request, String model) {
    super(request, model);
  }

  /** One whole upstream event: read its model and usage, and call {@link #completed} if it ends the answer. */
  abstract void read(SseDecoder.Event event);

  /** The error event that ends a stream cut short, in the API's own format. */
  abstract byte[] cutShort();

  /** The upstream said its answer is complete. */
  final void completed() {
    complete = true;
  }

  @Override
  protected final ResponseHead streamHead() {
    return ResponseHead.unchanged(true);
  }

  @Override
  protected final ResponseHead wholeHead() {
    return ResponseHead.unchanged(false);
  }

  @Override
  protected final byte[] onStreamPiece(byte[] chunk, boolean endOfStream) {
    if (decoder == null) {
      decoder = new SseDecoder();
    }
    boolean wasComplete = complete;
    for (SseDecoder.Event e : decoder.feed(chunk)) {
      read(e);
    }
    if (wasComplete) {
      return chunk; // the upstream said the answer is complete: whatever follows goes as it comes
    }
    byte[] all = chunk;
    if (held.size() > 0) {
      held.writeBytes(chunk);
      all = held.toByteArray();
      held.reset();
    }
    if (complete) {
      return all;
    }
    int pending = decoder.pendingBytes();
    int whole = all.length - pending;
    if (!endOfStream) {
      held.write(all, whole, pending);
      return pending == 0 ? all : Arrays.copyOf(all, whole);
    }
    // cut short: an event cut in half is dropped (as a client drops it at the end of a stream)
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(all, 0, whole);
    out.writeBytes(cutShort());
    return out.toByteArray();
  }
}
