package dev.tollgate.testkit;

import dev.tollgate.testkit.FakeUpstream.Answer;
import dev.tollgate.testkit.FakeUpstream.Received;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.zip.GZIPOutputStream;

/**
 * A provider that compresses its answers whatever the request asked for: wraps a fake's answers
 * in {@code content-encoding: gzip}. A streamed answer is flushed after each piece, as a server
 * compressing an event stream does, so each piece can be decoded as it arrives; the gzip trailer
 * goes with the last piece.
 */
public final class CompressedAnswers {
  private CompressedAnswers() {
  }

  /** Every answer of {@code handler}, gzip-compressed. */
  public static Function<Received, Answer> gzip(Function<Received, Answer> handler) {
    return r -> gzip(handler.apply(r));
  }

  public static Answer gzip(Answer plain) {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    List<byte[]> pieces = new ArrayList<>();
    try (GZIPOutputStream gz = new GZIPOutputStream(wire, true)) {
      for (byte[] p : plain.pieces()) {
        gz.write(p);
        gz.flush();
        pieces.add(wire.toByteArray());
        wire.reset();
      }
      gz.finish();
      byte[] trailer = wire.toByteArray();
      if (pieces.isEmpty()) {
        pieces.add(trailer);
      } else {
        byte[] lastPiece = pieces.remove(pieces.size() - 1);
        byte[] joined = new byte[lastPiece.length + trailer.length];
        System.arraycopy(lastPiece, 0, joined, 0, lastPiece.length);
        System.arraycopy(trailer, 0, joined, lastPiece.length, trailer.length);
        pieces.add(joined);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return encoded(plain, "gzip", pieces);
  }

  /** An answer whose body is already encoded with {@code encoding} (e.g. {@code br} bytes made elsewhere). */
  public static Answer encoded(Answer plain, String encoding, List<byte[]> encodedPieces) {
    Map<String, String> headers = new LinkedHashMap<>(plain.headers());
    headers.put("content-encoding", encoding);
    return new Answer(plain.status(), Map.copyOf(headers), List.copyOf(encodedPieces));
  }
}
