package dev.tollgate.controller.envoy;

/**
 * An upstream the controller needs a cluster and a route for.
 *
 * @param backend    the backend name (the selected-backend header's value)
 * @param host       upstream host Envoy connects to
 * @param port       upstream port
 * @param tls        whether to speak TLS
 * @param sni        SNI to send with TLS
 * @param hostHeader the Host the route rewrites to: the endpoint host, or for SigV4-signed backends
 *                   the host the signature covers (the AWSCredentials plugin also sets it as
 *                   {@code :authority}; both must agree or AWS refuses the signature)
 */
public record EnvoyCluster(String backend, String host, int port, boolean tls, String sni, String hostHeader) {
  /** The same upstream, sending another Host. */
  public EnvoyCluster withHostHeader(String header) {
    return new EnvoyCluster(backend, host, port, tls, sni, header);
  }
}
