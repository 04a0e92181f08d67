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
 * @param localReply      true when no upstream answered: ext_proc's immediate_response, or Envoy's own
 *                        local reply (no route, a body over the buffer limit, an ext_proc failure)
 * @param cluster         the upstream cluster the request was routed to; null when none was
 * @param upstreamPath    the :path sent upstream
 * @param upstreamHeaders the headers sent upstream (after mutations)
 * @param upstreamBody    the body sent upstream (after mutations)
 * @param dynamicMetadata dynamic metadata emitted across the exchange, merged by namespace
 * @param routeCacheCleared whether the route was picked again ({@code clear_route_cache} with a
 *                        header mutation in the same answer)
 * @param details         Envoy's {@code %RESPONSE_CODE_DETAILS%}: {@code via_upstream}, an Envoy
 *                        local reply's reason ({@code route_not_found}, {@code request_payload_too_large},
 *                        {@code ext_proc_error_per-message_timeout_exceeded}, ...), or the
 *                        immediate_response's {@code details}
 * @param rejectedHeaderMutations header mutations ignored because the mutation rules refuse them
 * @param streamed        for a STREAMED response body, each body message in the order it went to
 *                        ext_proc, with what Envoy passed to the client for it; empty otherwise
 */
public record ProxyResponse(int status, Map<String, String> headers, byte[] body, List<byte[]> chunks,
                            boolean localReply, String cluster, String upstreamPath,
                            Map<String, String> upstreamHeaders, byte[] upstreamBody, Struct dynamicMetadata,
                            boolean routeCacheCleared, String details, int rejectedHeaderMutations,
                            List<StreamedMessage> streamed) {
  /**
   * One streamed response body message: the bytes sent to ext_proc, and the bytes that went to
   * the client in their place (the answer's body mutation; empty when it held them back). The
   * answer to message {@code i} is computed before message {@code i + 1} is processed, so what
   * it passes on cannot depend on anything that came later.
   */
  public record StreamedMessage(byte[] sent, byte[] passed, boolean endOfStream) {
    public String sentText() {
      return new String(sent, StandardCharsets.UTF_8);
    }

    public String passedText() {
      return new String(passed, StandardCharsets.UTF_8);
    }
  }

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
