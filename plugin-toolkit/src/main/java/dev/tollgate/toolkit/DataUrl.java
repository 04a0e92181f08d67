package dev.tollgate.toolkit;

import dev.tollgate.api.GatewayException;
import java.util.Base64;
import java.util.Locale;

/**
 * A base64 {@code data:} URL, as clients send inline images: {@code data:image/png;base64,....}.
 *
 * @param mediaType the media type, lower case, e.g. {@code image/png}
 * @param base64    the data as sent (valid base64)
 */
public record DataUrl(String mediaType, String base64) {
  /** Whether {@code url} is a {@code data:} URL (of any kind). */
  public static boolean isDataUrl(String url) {
    return url.regionMatches(true, 0, "data:", 0, 5);
  }

  /**
   * Parses a base64 data URL.
   *
   * @param where the field, for the 400 message, e.g. {@code messages[1].content[0].image_url.url}
   */
  public static DataUrl parse(String url, String where) throws GatewayException {
    int comma = url.indexOf(',');
    String meta = isDataUrl(url) && comma >= 0 ? url.substring(5, comma) : "";
    if (!meta.toLowerCase(Locale.ROOT).endsWith(";base64")) {
      throw GatewayException.badRequest(where + " must be a base64 data URL, e.g. data:image/png;base64,...");
    }
    String data = url.substring(comma + 1);
    try {
      Base64.getDecoder().decode(data);
    } catch (IllegalArgumentException e) {
      throw GatewayException.badRequest(where + ": the data URL is not valid base64");
    }
    return new DataUrl(meta.substring(0, meta.length() - ";base64".length()).toLowerCase(Locale.ROOT), data);
  }

  /** The subtype, e.g. {@code png} for {@code image/png}. */
  public String subtype() {
    int slash = mediaType.indexOf('/');
    return slash < 0 ? mediaType : mediaType.substring(slash + 1);
  }
}
