package dev.tollgate.testkit;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A client's HTTP request as it reaches Envoy. Header names are lower case. */
public record HttpExchange(String method, String path, Map<String, String> headers, byte[] body) {
  public HttpExchange {
    Map<String, String> h = new LinkedHashMap<>();
    headers.forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), v));
    headers = Map.copyOf(h);
    body = body == null ? new byte[0] : body;
  }

  /** A JSON POST, as an SDK sends it. */
  public static HttpExchange postJson(String path, String json, String... extraHeaders) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("content-type", "application/json");
    for (int i = 0; i + 1 < extraHeaders.length; i += 2) {
      h.put(extraHeaders[i], extraHeaders[i + 1]);
    }
    return new HttpExchange("POST", path, h, json.getBytes(StandardCharsets.UTF_8));
  }

  public static HttpExchange get(String path) {
    return new HttpExchange("GET", path, Map.of(), new byte[0]);
  }
}
