package dev.tollgate.core.encoding;

import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * {@code gzip} and {@code deflate} with {@link Inflater}, which takes input as it arrives, so a
 * compressed event stream is decoded chunk by chunk. gzip members are checked against their CRC
 * and length; members one after another are decoded in turn. {@code deflate} is zlib-wrapped per
 * the HTTP spec, but some servers send raw deflate: the first two bytes tell which.
 */
final class InflatingDecoder implements ContentDecoder {
  private static final int MAX_GZIP_HEADER = 64 * 1024;
  private static final int FHCRC = 2;
  private static final int FEXTRA = 4;
  private static final int FNAME = 8;
  private static final int FCOMMENT = 16;

  private enum Phase { HEADER, BODY, TRAILER, AFTER_MEMBER, DONE }

  private final boolean gzip;
  private final String name;
  private final DecodedOutput out;
  private final byte[] buf = new byte[16 * 1024];
  private final CRC32 crc = new CRC32();
  private Phase phase = Phase.HEADER;
  private Inflater inflater;
  private long memberSize;
  /** Input not consumed yet: a header or trailer that is still incomplete. */
  private byte[] held = new byte[0];

  private InflatingDecoder(boolean gzip, long limit) {
    this.gzip = gzip;
    this.name = gzip ? "gzip" : "deflate";
    this.out = new DecodedOutput(limit);
  }

  static InflatingDecoder gzip(long limit) {
    return new InflatingDecoder(true, limit);
  }

  static InflatingDecoder deflate(long limit) {
    return new InflatingDecoder(false, limit);
  }

  @Override
  public byte[] decode(byte[] piece, boolean last) throws ContentDecodingException {
    try {
      feed(held.length == 0 ? piece : concat(held, piece));
      if (last) {
        checkComplete();
        release();
      }
      return out.take();
    } catch (ContentDecodingException e) {
      release();
      phase = Phase.DONE;
      throw e;
    }
  }

  private void feed(byte[] input) throws ContentDecodingException {
    held = new byte[0];
    int pos = 0;
    while (pos < input.length) {
      switch (phase) {
        case HEADER -> {
          int length = gzip ? gzipHeaderLength(input, pos) : deflateStart(input, pos);
          if (length < 0) {
            hold(input, pos);
            return;
          }
          pos += length;
          phase = Phase.BODY;
        }
        case BODY -> {
          pos += inflate(input, pos);
          if (!inflater.finished()) {
            return; // all taken, more needed
          }
          release();
          phase = gzip ? Phase.TRAILER : Phase.DONE;
        }
        case TRAILER -> {
          if (input.length - pos < 8) {
            hold(input, pos);
            return;
          }
          checkTrailer(input, pos);
          pos += 8;
          phase = Phase.AFTER_MEMBER;
        }
        case AFTER_MEMBER ->
          // another member may follow; anything else after a member is ignored, as by GZIPInputStream
          phase = (input[pos] & 0xff) == 0x1f ? Phase.HEADER : Phase.DONE;
        case DONE -> {
          return;
        }
      }
    }
  }

  private void hold(byte[] input, int pos) throws ContentDecodingException {
    held = Arrays.copyOfRange(input, pos, input.length);
    if (held.length > MAX_GZIP_HEADER) {
      throw invalid();
    }
  }

  /** The length of the gzip member header at {@code pos}, or -1 when it is not all there yet. */
  private int gzipHeaderLength(byte[] in, int pos) throws ContentDecodingException {
    int avail = in.length - pos;
    if (avail >= 1 && (in[pos] & 0xff) != 0x1f || avail >= 2 && (in[pos + 1] & 0xff) != 0x8b
        || avail >= 3 && in[pos + 2] != 8) {
      throw invalid();
    }
    if (avail < 10) {
      return -1;
    }
    int flags = in[pos + 3] & 0xff;
    int p = pos + 10;
    if ((flags & FEXTRA) != 0) {
      if (in.length - p < 2) {
        return -1;
      }
      p += 2 + ((in[p] & 0xff) | (in[p + 1] & 0xff) << 8);
    }
    for (int field : new int[] {FNAME, FCOMMENT}) {
      if ((flags & field) != 0) {
        while (p < in.length && in[p] != 0) {
          p++;
        }
        if (p >= in.length) {
          return -1;
        }
        p++;
      }
    }
    if ((flags & FHCRC) != 0) {
      p += 2;
    }
    if (p > in.length) {
      return -1;
    }
    inflater = new Inflater(true);
    crc.reset();
    memberSize = 0;
    return p - pos;
  }

  /** Picks zlib or raw deflate from the first two bytes (consumed by the inflater, not here); -1 until both came. */
  private int deflateStart(byte[] in, int pos) {
    if (in.length - pos < 2) {
      return -1;
    }
    int cmf = in[pos] & 0xff;
    int flg = in[pos + 1] & 0xff;
    boolean zlib = (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
    inflater = new Inflater(!zlib);
    return 0;
  }

  /** Inflates from {@code pos}; returns how many input bytes were used. */
  private int inflate(byte[] in, int pos) throws ContentDecodingException {
    int length = in.length - pos;
    inflater.setInput(in, pos, length);
    while (true) {
      int n;
      try {
        n = inflater.inflate(buf);
      } catch (DataFormatException e) {
        throw invalid();
      }
      if (n > 0) {
        out.write(buf, 0, n);
        if (gzip) {
          crc.update(buf, 0, n);
          memberSize += n;
        }
        continue;
      }
      if (inflater.needsDictionary()) {
        throw invalid();
      }
      break; // finished, or all input taken
    }
    return length - inflater.getRemaining();
  }

  private void checkTrailer(byte[] in, int p) throws ContentDecodingException {
    long crcValue = le32(in, p);
    long size = le32(in, p + 4);
    if (crcValue != crc.getValue() || size != (memberSize & 0xffffffffL)) {
      throw new ContentDecodingException("the upstream's gzip answer is corrupt (checksum mismatch)");
    }
  }

  private void checkComplete() throws ContentDecodingException {
    boolean complete = switch (phase) {
      case DONE, AFTER_MEMBER -> true;
      case HEADER -> held.length == 0; // an empty body is nothing to decode
      case BODY, TRAILER -> false;
    };
    if (!complete) {
      throw new ContentDecodingException("the upstream's " + name + " answer is cut short");
    }
  }

  private void release() {
    if (inflater != null) {
      inflater.end();
      inflater = null;
    }
  }

  private ContentDecodingException invalid() {
    return new ContentDecodingException("the upstream's answer is not valid " + name + " (content-encoding " + name
        + ")");
  }

  private static long le32(byte[] b, int p) {
    return (b[p] & 0xffL) | (b[p + 1] & 0xffL) << 8 | (b[p + 2] & 0xffL) << 16 | (b[p + 3] & 0xffL) << 24;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
