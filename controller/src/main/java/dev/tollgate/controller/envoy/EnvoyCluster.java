package dev.tollgate.controller.envoy;

/**
 * An upstream the controller needs a cluster for.
 *
 * @param backend the backend name (the selected-backend header's value)
 * @param host    upstream host
 * @param port    upstream port
 * @param tls     whether to speak TLS
 * @param sni     SNI to send with TLS
 */
public record EnvoyCluster(String backend, String host, int port, boolean tls, String sni) {
}
