package dev.tollgate.api;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The request as it will leave for the backend, expressed as changes to the client's request:
 * the new {@code :path}, headers to set (replacing), headers to remove, and the new body.
 * Auth handlers receive it after translation and return it with their credentials added, so a
 * signer sees the final path and body.
 *
 * @param method     HTTP method sent upstream
 * @param path       the new {@code :path}, query included
 * @param setHeaders headers to set on the upstream request (lower-case names)
 * @param removeHeaders headers to remove from the client's request
 * @param body       the exact bytes sent upstream
 */
public record UpstreamRequest(String method, String path, Headers setHeaders, Set<String> removeHeaders, byte[] body) {
  public UpstreamRequest {
    removeHeaders = Set.copyOf(removeHeaders);
    body = body == null ? new byte[0] : body;
  }

  public static UpstreamRequest post(String path, Headers setHeaders, byte[] body) {
    return new UpstreamRequest("POST", path, setHeaders, Set.of(), body);
  }

  public UpstreamRequest withHeader(String name, String value) {
    String key = name.toLowerCase(java.util.Locale.ROOT);
    Set<String> rm = removeHeaders;
    if (rm.contains(key)) {
      rm = new LinkedHashSet<>(removeHeaders);
      rm.remove(key);
    }
    return new UpstreamRequest(method, path, setHeaders.with(name, value), rm, body);
  }

  public UpstreamRequest withoutHeader(String name) {
    String key = name.toLowerCase(java.util.Locale.ROOT);
    if (removeHeaders.contains(key) && !setHeaders.contains(key)) {
      return this; // already removed: no copies
    }
    Set<String> rm = new LinkedHashSet<>(removeHeaders);
    rm.add(key);
    return new UpstreamRequest(method, path, setHeaders.without(name), rm, body);
  }

  public UpstreamRequest withBody(byte[] newBody) {
    return new UpstreamRequest(method, path, setHeaders, removeHeaders, newBody);
  }

  public UpstreamRequest withPath(String newPath) {
    return new UpstreamRequest(method, newPath, setHeaders, removeHeaders, body);
  }
}
