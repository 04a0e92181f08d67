package dev.tollgate.core.pipeline;

import dev.tollgate.api.Headers;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a client sends its gateway key: the first present of {@code authorization: Bearer <key>}
 * (the scheme in any case), {@code x-api-key: <key>} (Anthropic's SDKs) and {@code api-key: <key>}
 * (Azure OpenAI's). The SDKs of every client API send one of them.
 */
public final class ClientKeyHeaders {
  /** The headers that may carry a client key; all of them are removed from a request once it is checked. */
  public static final List<String> NAMES = List.of("authorization", "x-api-key", "api-key");
  /** Tells a client without a key where to put it. */
  public static final String HOW_TO_SEND = "send it as authorization: Bearer <key>, x-api-key: <key> or api-key: <key>";

  private static final Pattern BEARER = Pattern.compile("(?i)bearer[ \t]+(.*)");

  private ClientKeyHeaders() {
  }

  /** The key {@code headers} carry, or null when none does (an {@code authorization} of another scheme carries none). */
  public static String find(Headers headers) {
    String authorization = headers.value("authorization");
    if (authorization != null) {
      Matcher m = BEARER.matcher(authorization.strip());
      if (m.matches() && !m.group(1).isBlank()) {
        return m.group(1).strip();
      }
    }
    for (String name : NAMES.subList(1, NAMES.size())) {
      String v = headers.value(name);
      if (v != null && !v.isBlank()) {
        return v.strip();
      }
    }
    return null;
  }
}
