package dev.tollgate.controller.sink;

import com.google.rpc.Status;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * java-control-plane's stream callbacks: an Envoy NACK is reported like invalid resources, as one
 * ERROR line naming the resource type, the refused version and Envoy's message. The version is
 * found from the nonce of the refused response, which this server sent on the same stream.
 */
final class RejectionCallbacks implements DiscoveryServerCallbacks {
  private static final Logger LOG = LoggerFactory.getLogger(XdsServer.class);

  /** Per stream: the version each response not yet answered was sent with, by nonce. */
  private final Map<Long, Map<String, String>> sent = new ConcurrentHashMap<>();
  private final Consumer<EnvoyRejection> listener;

  RejectionCallbacks(Consumer<EnvoyRejection> listener) {
    this.listener = listener;
  }

  @Override
  public void onV3StreamRequest(long stream, DiscoveryRequest request) {
    String version = answered(stream, request.getResponseNonce());
    if (request.hasErrorDetail()) {
      report(request.getNode(), request.getTypeUrl(), version, request.getVersionInfo(), request.getErrorDetail());
    }
  }

  @Override
  public void onV3StreamDeltaRequest(long stream, DeltaDiscoveryRequest request) {
    String version = answered(stream, request.getResponseNonce());
    if (request.hasErrorDetail()) {
      report(request.getNode(), request.getTypeUrl(), version, "", request.getErrorDetail());
    }
  }

  @Override
  public void onV3StreamResponse(long stream, DiscoveryRequest request, DiscoveryResponse response) {
    sent.computeIfAbsent(stream, s -> new ConcurrentHashMap<>()).put(response.getNonce(), response.getVersionInfo());
  }

  @Override
  public void onV3StreamDeltaResponse(long stream, DeltaDiscoveryRequest request, DeltaDiscoveryResponse response) {
    sent.computeIfAbsent(stream, s -> new ConcurrentHashMap<>()).put(response.getNonce(),
        response.getSystemVersionInfo());
  }

  @Override
  public void onStreamClose(long stream, String typeUrl) {
    sent.remove(stream);
  }

  @Override
  public void onStreamCloseWithError(long stream, String typeUrl, Throwable error) {
    sent.remove(stream);
  }

  /** The version of the response {@code nonce} answers (now answered), or null. */
  private String answered(long stream, String nonce) {
    Map<String, String> versions = sent.get(stream);
    return versions == null || nonce.isEmpty() ? null : versions.remove(nonce);
  }

  private void report(Node node, String typeUrl, String version, String kept, Status error) {
    EnvoyRejection r = new EnvoyRejection(node.getId().isEmpty() ? "(no node id)" : node.getId(), typeUrl,
        version == null || version.isEmpty() ? "unknown" : version, kept.isEmpty() ? "none" : kept,
        error.getMessage().strip().replaceAll("\\s*\\R\\s*", " "));
    LOG.error("{}; fix the resources or the controller's Envoy options, Envoy keeps its last good config", r);
    listener.accept(r);
  }
}
