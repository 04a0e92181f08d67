package dev.tollgate.core.encoding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class ContentDecodersTest {
  private static final long LIMIT = 1024 * 1024;
  private static final byte[] TEXT = ("data: {\"choices\":[{\"delta\":{\"content\":\"Hello\"}}]}\n\n".repeat(40))
      .getBytes(StandardCharsets.UTF_8);
  /** brotli of "hello, brotli" (made with Google's brotli encoder). */
  private static final byte[] BR_HELLO = Base64.getDecoder().decode("CwaAaGVsbG8sIGJyb3RsaQM=");
  /** brotli of 64 MiB of zero bytes: 106 bytes. */
  private static final byte[] BR_BOMB = Base64.getDecoder().decode("y///P/gnAOKxQCD3/o///3/wTwDEYRGA7v0f////4J8AiMMC"
      + "AN37P/7//8E/ARCHBQC693/8//+DfwIgDgsAdO//+P//B/8EQBwWAOje//H//w/+CYA4LADQvf/j//8f/BMAcVgAoHv/Nw==");

  static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(b);
    }
    return out.toByteArray();
  }

  private static byte[] zlib(byte[] b, boolean raw) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DeflaterOutputStream d = new DeflaterOutputStream(out, new Deflater(Deflater.DEFAULT_COMPRESSION, raw))) {
      d.write(b);
    }
    return out.toByteArray();
  }

  private static ContentDecoder decoder(String encoding) throws ContentDecodingException {
    return ContentDecoders.forEncoding(encoding, LIMIT).orElseThrow();
  }

  /** Feeds {@code encoded} in pieces of {@code size} bytes, the last with {@code last}. */
  private static byte[] decodeInPieces(ContentDecoder d, byte[] encoded, int size) throws ContentDecodingException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < encoded.length; i += size) {
      int end = Math.min(encoded.length, i + size);
      out.writeBytes(d.decode(Arrays.copyOfRange(encoded, i, end), false));
    }
    out.writeBytes(d.decode(new byte[0], true));
    return out.toByteArray();
  }

  @Test
  void gzipIsDecodedWholeAndSplitAtAnyByte() throws Exception {
    byte[] gz = gzip(TEXT);
    assertThat(decoder("gzip").decode(gz, true)).isEqualTo(TEXT);
    for (int size : new int[] {1, 3, 9, 11, 100}) {
      assertThat(decodeInPieces(decoder("gzip"), gz, size)).as("pieces of " + size).isEqualTo(TEXT);
    }
  }

  @Test
  void eachStreamedPieceDecodesAsSoonAsItArrives() throws Exception {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    GZIPOutputStream gz = new GZIPOutputStream(wire, true);
    ContentDecoder d = decoder("gzip");
    for (String event : new String[] {"data: one\n\n", "data: two\n\n"}) {
      gz.write(event.getBytes(StandardCharsets.UTF_8));
      gz.flush();
      byte[] piece = wire.toByteArray();
      wire.reset();
      assertThat(new String(d.decode(piece, false), StandardCharsets.UTF_8)).isEqualTo(event);
    }
    gz.close();
    assertThat(d.decode(wire.toByteArray(), true)).isEmpty();
  }

  @Test
  void gzipHeaderFieldsAndMembersOneAfterAnother() throws Exception {
    byte[] gz = gzip(TEXT);
    // the same member with a file name in its header (FNAME)
    ByteArrayOutputStream named = new ByteArrayOutputStream();
    named.write(gz, 0, 10);
    named.writeBytes("answer.json\0".getBytes(StandardCharsets.US_ASCII));
    named.write(gz, 10, gz.length - 10);
    byte[] withName = named.toByteArray();
    withName[3] = 8;
    assertThat(decodeInPieces(decoder("x-gzip"), withName, 5)).isEqualTo(TEXT);

    byte[] two = new byte[gz.length * 2];
    System.arraycopy(gz, 0, two, 0, gz.length);
    System.arraycopy(gz, 0, two, gz.length, gz.length);
    byte[] twice = new byte[TEXT.length * 2];
    System.arraycopy(TEXT, 0, twice, 0, TEXT.length);
    System.arraycopy(TEXT, 0, twice, TEXT.length, TEXT.length);
    assertThat(decodeInPieces(decoder("gzip"), two, 7)).isEqualTo(twice);
  }

  @Test
  void deflateIsZlibOrRaw() throws Exception {
    assertThat(decodeInPieces(decoder("deflate"), zlib(TEXT, false), 4)).isEqualTo(TEXT);
    assertThat(decodeInPieces(decoder("deflate"), zlib(TEXT, true), 4)).isEqualTo(TEXT);
  }

  @Test
  void brotliIsDecodedAtTheEnd() throws Exception {
    ContentDecoder d = decoder("br");
    assertThat(d.decode(Arrays.copyOfRange(BR_HELLO, 0, 5), false)).isEmpty();
    assertThat(new String(d.decode(Arrays.copyOfRange(BR_HELLO, 5, BR_HELLO.length), true), StandardCharsets.UTF_8))
        .isEqualTo("hello, brotli");
  }

  @Test
  void severalEncodingsAreUndoneInReverseOrder() throws Exception {
    byte[] encoded = gzip(zlib(TEXT, false)); // content-encoding: deflate, gzip
    assertThat(decodeInPieces(decoder("deflate, gzip"), encoded, 13)).isEqualTo(TEXT);
  }

  @Test
  void identityAndNoHeaderNeedNoDecoder() throws Exception {
    assertThat(ContentDecoders.forEncoding(null, LIMIT)).isEmpty();
    assertThat(ContentDecoders.forEncoding("identity", LIMIT)).isEmpty();
  }

  @Test
  void anUnknownEncodingIsRefusedByName() {
    assertThatThrownBy(() -> ContentDecoders.forEncoding("zstd", LIMIT))
        .isInstanceOf(ContentDecodingException.class).hasMessageContaining("'zstd'").hasMessageContaining("gzip");
  }

  @Test
  void bombsStopAtTheLimit() throws Exception {
    byte[] gzBomb = gzip(new byte[64 * 1024 * 1024]);
    assertThat(gzBomb.length).isLessThan(100_000);
    assertThatThrownBy(() -> decoder("gzip").decode(gzBomb, true))
        .isInstanceOf(ContentDecodingException.class).hasMessageContaining("more than " + LIMIT);
    assertThatThrownBy(() -> decoder("deflate").decode(zlib(new byte[64 * 1024 * 1024], false), true))
        .isInstanceOf(ContentDecodingException.class).hasMessageContaining("more than " + LIMIT);
    assertThatThrownBy(() -> decoder("br").decode(BR_BOMB, true))
        .isInstanceOf(ContentDecodingException.class).hasMessageContaining("more than " + LIMIT);
    // the limit counts the whole answer, not one piece
    ContentDecoder d = ContentDecoders.forEncoding("gzip", TEXT.length * 3L).orElseThrow();
    byte[] gz = gzip(TEXT);
    d.decode(gz, false);
    d.decode(gz, false);
    d.decode(gz, false);
    assertThatThrownBy(() -> d.decode(gz, false)).isInstanceOf(ContentDecodingException.class);
  }

  @Test
  void corruptAndCutShortBodiesAreRefused() throws Exception {
    byte[] gz = gzip(TEXT);
    byte[] badCrc = gz.clone();
    badCrc[gz.length - 6] ^= 0x55;
    assertThatThrownBy(() -> decoder("gzip").decode(badCrc, true)).hasMessageContaining("corrupt");
    assertThatThrownBy(() -> decoder("gzip").decode(Arrays.copyOf(gz, gz.length - 3), true))
        .hasMessageContaining("cut short");
    assertThatThrownBy(() -> decoder("gzip").decode(TEXT, true)).hasMessageContaining("not valid gzip");
    assertThatThrownBy(() -> decoder("deflate").decode(TEXT, true)).hasMessageContaining("not valid deflate");
    assertThatThrownBy(() -> decoder("br").decode(TEXT, true)).hasMessageContaining("not valid brotli");
    assertThatThrownBy(() -> decoder("br").decode(Arrays.copyOf(BR_HELLO, 6), true))
        .hasMessageContaining("not valid brotli");
  }
}
