package dev.tollgate.core.encoding;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.brotli.dec.BrotliInputStream;

/**
 * {@code br} with Google's pure-Java decoder. That decoder pulls its input from a stream and
 * cannot pause for input that has not arrived yet, so the encoded body is held and decoded whole
 * with the last piece: a streamed brotli answer reaches the translator at its end.
 */
final class BrotliDecoder implements ContentDecoder {
  private final long limit;
  private final ByteArrayOutputStream encoded = new ByteArrayOutputStream();

  BrotliDecoder(long limit) {
    this.limit = limit;
  }

  @Override
  public byte[] decode(byte[] piece, boolean last) throws ContentDecodingException {
    if ((long) encoded.size() + piece.length > limit) {
      throw new ContentDecodingException("the upstream's compressed answer is larger than " + limit
          + " bytes (maxDecodedResponseBytes)");
    }
    encoded.writeBytes(piece);
    if (!last) {
      return new byte[0];
    }
    DecodedOutput out = new DecodedOutput(limit);
    byte[] buf = new byte[16 * 1024];
    try (BrotliInputStream in = new BrotliInputStream(new ByteArrayInputStream(encoded.toByteArray()))) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
      }
    } catch (IOException | RuntimeException e) {
      // the decoder reports a broken or cut-short stream as IOException or BrotliRuntimeException
      throw new ContentDecodingException("the upstream's answer is not valid brotli (content-encoding br)");
    }
    return out.take();
  }
}
