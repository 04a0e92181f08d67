package dev.tollgate.core.pipeline;

import dev.tollgate.api.Headers;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the router-phase stream hands to each upstream attempt of a rule of placement
 * {@code UPSTREAM}, in dynamic metadata ({@link UpstreamPlacement#HANDOFF_NAMESPACE}): the rule
 * it matched, the client's path and the request headers as the router phase left them. Each
 * attempt starts from these, not from the headers it is shown: Envoy does not reset the headers
 * between attempts, so an attempt sees the previous attempt's path, host and credentials. The
 * body needs no hand-over: Envoy replays the router phase's body to every attempt.
 *
 * @param headers the request headers without pseudo-headers, as the router phase left them: when
 *                the config has consumers, without the client's key headers (the router phase
 *                removes them); otherwise they may hold the client's own credentials, which is why
 *                the namespace is never logged or sent upstream
 */
public record Handoff(String rule, String path, Headers headers) {
  /** As dynamic metadata values. */
  public Map<String, Object> toMetadata() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("rule", rule);
    m.put("path", path);
    m.put("headers", headers.asMap());
    return m;
  }

  /** Read back from the metadata an attempt is given; null when it holds no hand-over. */
  public static Handoff fromMetadata(Map<String, Object> m) {
    if (m == null || !(m.get("rule") instanceof String rule) || !(m.get("path") instanceof String path)
        || !(m.get("headers") instanceof Map<?, ?> hs)) {
      return null;
    }
    Map<String, String> headers = new LinkedHashMap<>();
    hs.forEach((k, v) -> headers.put(String.valueOf(k), String.valueOf(v)));
    return new Handoff(rule, path, Headers.of(headers));
  }
}
