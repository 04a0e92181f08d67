package dev.tollgate.core.pipeline;

/**
 * The names the two placements of a rule of {@link dev.tollgate.core.config.GatewayConfig.Placement#UPSTREAM}
 * agree on: what the controller writes into Envoy's config and what the server reads. The
 * router-phase stream parses and routes and hands the exchange over in dynamic metadata; Envoy
 * then runs one upstream-phase stream per attempt, each naming its backend through the
 * endpoint's metadata. No state is shared between the streams, so they may reach different
 * Tollgate replicas.
 */
public final class UpstreamPlacement {
  /** The filter-metadata namespace on each endpoint of a rule's cluster. */
  public static final String ENDPOINT_METADATA = "tollgate";
  /** Key of the backend's name in {@link #ENDPOINT_METADATA}. */
  public static final String BACKEND_KEY = "backend";
  /** Key of the Host the backend wants (its endpoint host, or the host a signature covers). */
  public static final String HOST_KEY = "host";
  /** The CEL attribute the upstream filter asks Envoy for: this attempt's backend. */
  public static final String BACKEND_ATTRIBUTE =
      "xds.upstream_host_metadata.filter_metadata['" + ENDPOINT_METADATA + "']['" + BACKEND_KEY + "']";
  /** The CEL attribute of this attempt's Host. */
  public static final String HOST_ATTRIBUTE =
      "xds.upstream_host_metadata.filter_metadata['" + ENDPOINT_METADATA + "']['" + HOST_KEY + "']";
  /** The CEL attribute of the attempt's number, 1 for the first. */
  public static final String ATTEMPT_ATTRIBUTE = "upstream.request_attempt_count";
  /**
   * The dynamic-metadata namespace the router-phase stream writes the hand-over to; the router
   * filter receives it and the upstream filter forwards it to each attempt.
   */
  public static final String HANDOFF_NAMESPACE = "dev.tollgate.exchange";
  /**
   * The response header an attempt's stream adds to the answer it processed (its value: the
   * backend); the router-phase stream removes it and leaves that answer as it is. An answer
   * without it is Envoy's own (no healthy upstream, connect failures, a timeout).
   */
  public static final String ATTEMPT_HEADER = "x-tollgate-attempt";

  private UpstreamPlacement() {
  }
}
