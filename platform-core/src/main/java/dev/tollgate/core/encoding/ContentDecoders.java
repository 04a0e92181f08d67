package dev.tollgate.core.encoding;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Decoders for the {@code content-encoding} values upstreams use: {@code gzip} (and
 * {@code x-gzip}), {@code deflate} (zlib-wrapped or raw, as servers differ) and {@code br}.
 * Several encodings ({@code gzip, br}) are undone in reverse order. {@code identity} is no
 * encoding.
 */
public final class ContentDecoders {
  private ContentDecoders() {
  }

  /**
   * The decoder for an answer with this {@code content-encoding} header, or empty when the body
   * is not encoded.
   *
   * @param limit the most bytes the whole answer may decode to
   * @throws ContentDecodingException for an encoding the gateway cannot decode
   */
  public static Optional<ContentDecoder> forEncoding(String contentEncoding, long limit)
      throws ContentDecodingException {
    if (contentEncoding == null) {
      return Optional.empty();
    }
    List<ContentDecoder> chain = new ArrayList<>();
    String[] codings = contentEncoding.split(",");
    for (int i = codings.length - 1; i >= 0; i--) {
      String coding = codings[i].trim().toLowerCase(Locale.ROOT);
      switch (coding) {
        case "", "identity" -> { }
        case "gzip", "x-gzip" -> chain.add(InflatingDecoder.gzip(limit));
        case "deflate" -> chain.add(InflatingDecoder.deflate(limit));
        case "br" -> chain.add(new BrotliDecoder(limit));
        default -> throw new ContentDecodingException("the upstream answered with content-encoding '"
            + printable(coding) + "', which the gateway cannot decode (it decodes gzip, deflate and br)");
      }
    }
    if (chain.isEmpty()) {
      return Optional.empty();
    }
    if (chain.size() == 1) {
      return Optional.of(chain.get(0));
    }
    return Optional.of((piece, last) -> {
      byte[] out = piece;
      for (ContentDecoder d : chain) {
        out = d.decode(out, last);
      }
      return out;
    });
  }

  private static String printable(String s) {
    String p = s.length() > 40 ? s.substring(0, 40) + "…" : s;
    return p.replaceAll("[^\\x20-\\x7e]", "?");
  }
}
