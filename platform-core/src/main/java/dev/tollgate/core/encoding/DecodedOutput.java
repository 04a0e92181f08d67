package dev.tollgate.core.encoding;

import java.io.ByteArrayOutputStream;

/** The decoded bytes of one answer, counted against the limit over the whole answer. */
final class DecodedOutput {
  private final long limit;
  private long total;
  private ByteArrayOutputStream pending = new ByteArrayOutputStream();

  DecodedOutput(long limit) {
    this.limit = limit;
  }

  void write(byte[] bytes, int offset, int length) throws ContentDecodingException {
    total += length;
    if (total > limit) {
      throw new ContentDecodingException("the upstream's compressed answer decodes to more than " + limit
          + " bytes (maxDecodedResponseBytes)");
    }
    pending.write(bytes, offset, length);
  }

  /** What was written since the last call. */
  byte[] take() {
    byte[] out = pending.toByteArray();
    pending = new ByteArrayOutputStream();
    return out;
  }
}
