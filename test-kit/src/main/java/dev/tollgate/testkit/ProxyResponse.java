package dev.tollgate.testkit;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * What the client got back through the Envoy-like proxy, and what the upstream got.
 *
 * @param status          HTTP status seen by the client
 * @param headers         response headers seen by the client
 * @param body            the whole response body seen by the client
 * @param chunks          the body pieces in the order the client received them (streamed mode)
 * @param localReply      true when the ext_proc server answered itself (immediate_response)
 * @param cluster         the upstream cluster the request was routed to; null for local replies
 * @param upstreamPath    the :path sent upstream
 * @param upstreamHeaders the headers sent upstream (after mutations)
 * @param upstreamBody    the body sent upstream (after mutations)
 * @param dynamicMetadata dynamic metadata emitted across the exchange, merged by namespace
 * @param routeCacheCleared whether ext_proc asked for the route to be picked again
 */
public record ProxyResponse(int status, Map<String, String> headers, byte[] body, List<byte[]> chunks,
                            boolean localReply, String cluster, String upstreamPath,
                            Map<String, String> upstreamHeaders, byte[] upstreamBody, Struct dynamicMetadata,
                            boolean routeCacheCleared) {
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  public String upstreamBodyText() {
    return upstreamBody == null ? null : new String(upstreamBody, StandardCharsets.UTF_8);
  }

  /** A metadata value in {@code namespace}, or null. */
  public Value metadata(String namespace, String key) {
    Value ns = dynamicMetadata.getFieldsMap().get(namespace);
    if (ns == null || !ns.hasStructValue()) {
      return null;
    }
    return ns.getStructValue().getFieldsMap().get(key);
  }

  /** A numeric metadata value, or NaN when absent. */
  public double metadataNumber(String namespace, String key) {
    Value v = metadata(namespace, key);
    return v == null ? Double.NaN : v.getNumberValue();
  }
}
