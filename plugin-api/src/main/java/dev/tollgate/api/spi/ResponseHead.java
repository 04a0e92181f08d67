package dev.tollgate.api.spi;

import dev.tollgate.api.Headers;
import java.util.Set;

/**
 * What a translator makes of the upstream's response headers.
 *
 * @param setHeaders    headers to set on the response to the client
 * @param removeHeaders headers to remove (e.g. {@code content-length} when the body will change)
 * @param streaming     true to receive the body chunk by chunk as it arrives (SSE, event-stream);
 *                      false to receive it whole
 */
public record ResponseHead(Headers setHeaders, Set<String> removeHeaders, boolean streaming) {
  public ResponseHead {
    removeHeaders = Set.copyOf(removeHeaders);
  }

  public static ResponseHead unchanged(boolean streaming) {
    return new ResponseHead(Headers.empty(), Set.of(), streaming);
  }
}
