package dev.tollgate.extproc;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Hides credentials before anything is logged or shown: values of credential headers, the
 * signature of an AWS SigV4 {@code authorization} header, and {@code key: value} pairs with a
 * secret-sounding key in free text (config errors).
 */
public final class Redaction {
  /** What a hidden value is replaced with. */
  public static final String REDACTED = "<redacted>";

  private static final Set<String> SECRET_HEADERS = Set.of("authorization", "proxy-authorization", "api-key",
      "x-api-key", "x-goog-api-key", "x-amz-security-token", "cookie", "set-cookie");
  private static final Pattern SIGV4 = Pattern.compile("(?i)^(AWS4-HMAC-SHA256\\s.*?Signature=)[0-9a-f]+");
  private static final Pattern SECRET_PAIR = Pattern.compile(
      "(?i)(\"?\\b(?:api[-_]?key|key|secret|secret[-_]?access[-_]?key|token|password|authorization)\"?\\s*[:=]\\s*)(\"?)[^\\s\",}]+");

  private Redaction() {
  }

  /** Whether the header's value is a credential. */
  public static boolean isSecretHeader(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return SECRET_HEADERS.contains(n) || n.endsWith("-api-key") || n.endsWith("-token") || n.endsWith("-secret");
  }

  /** The header value as it may be shown. A SigV4 authorization keeps its scope and signed headers. */
  public static String headerValue(String name, String value) {
    if (!isSecretHeader(name)) {
      return value;
    }
    if (name.equalsIgnoreCase("authorization") && value != null) {
      var m = SIGV4.matcher(value);
      if (m.find()) {
        return m.group(1) + REDACTED;
      }
    }
    return REDACTED;
  }

  /** Headers as they may be shown. */
  public static Map<String, String> headers(Map<String, String> headers) {
    Map<String, String> out = new LinkedHashMap<>();
    headers.forEach((k, v) -> out.put(k, headerValue(k, v)));
    return out;
  }

  /** Free text with {@code key: value} style secrets hidden; null stays null. */
  public static String text(String text) {
    return text == null ? null : SECRET_PAIR.matcher(text).replaceAll("$1$2" + REDACTED);
  }
}
