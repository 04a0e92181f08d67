package dev.tollgate.controller.envoy;

/**
 * An upstream the controller needs a cluster and a route for.
 *
 * @param backend    the backend name (the selected-backend header's value)
 * @param host       upstream host Envoy connects to
 * @param port       upstream port
 * @param tls        whether to speak TLS
 * @param sni        SNI to send with TLS, and the name the upstream's certificate must carry
 * @param hostHeader the Host the route rewrites to: the endpoint host, or for SigV4-signed backends
 *                   the host the signature covers (the AWSCredentials plugin also sets it as
 *                   {@code :authority}; both must agree or AWS refuses the signature)
 * @param caFile     CA bundle this upstream's certificate is verified against; null for the
 *                   settings' default (the system trust store)
 */
public record EnvoyCluster(String backend, String host, int port, boolean tls, String sni, String hostHeader,
                           String caFile) {
  public EnvoyCluster(String backend, String host, int port, boolean tls, String sni, String hostHeader) {
    this(backend, host, port, tls, sni, hostHeader, null);
  }

  /** The same upstream, sending another Host. */
  public EnvoyCluster withHostHeader(String header) {
    return new EnvoyCluster(backend, host, port, tls, sni, header, caFile);
  }
}
