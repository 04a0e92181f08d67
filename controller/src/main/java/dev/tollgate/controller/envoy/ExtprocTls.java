package dev.tollgate.controller.envoy;

/**
 * TLS from Envoy to Tollgate's ext_proc port (Tollgate's {@code --tls-cert}/{@code --tls-key}):
 * Envoy verifies Tollgate's certificate against {@code caFile} and checks that it names {@code sni};
 * with {@code certFile} and {@code keyFile} Envoy also shows a client certificate (mTLS, for a
 * Tollgate started with {@code --tls-client-ca}). The files are paths where Envoy runs.
 *
 * @param caFile   PEM CA certificates Tollgate's certificate is verified against
 * @param sni      the name sent as SNI and required in Tollgate's certificate (a DNS subject alt name)
 * @param certFile Envoy's client certificate chain (PEM), or null for none
 * @param keyFile  its private key (PEM), or null for none
 */
public record ExtprocTls(String caFile, String sni, String certFile, String keyFile) {
  public ExtprocTls {
    if (caFile == null || caFile.isBlank()) {
      throw new IllegalArgumentException("a CA file to verify Tollgate's certificate against is needed");
    }
    if (sni == null || sni.isBlank()) {
      throw new IllegalArgumentException("the name Tollgate's certificate carries (SNI) is needed");
    }
    if ((certFile == null) != (keyFile == null)) {
      throw new IllegalArgumentException("a client certificate needs its key and the other way round");
    }
  }

  /** Whether Envoy shows a client certificate (mTLS). */
  public boolean mutual() {
    return certFile != null;
  }
}
