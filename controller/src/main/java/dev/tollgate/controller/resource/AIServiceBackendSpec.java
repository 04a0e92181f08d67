package dev.tollgate.controller.resource;

import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Required;
import java.util.Map;

/**
 * What an {@code AIServiceBackend} says: the provider API it speaks, where it is, and how to
 * authenticate to it.
 *
 * @param schema                   the backend's API, e.g. {@code OpenAI}, {@code AWSBedrock}
 * @param endpoint                 host, port and TLS of the upstream (becomes an Envoy cluster)
 * @param modelNameOverride        model name sent upstream instead of the client's
 * @param provider                 schema-specific settings handed to the translator (region, project, …)
 * @param backendSecurityPolicyRef the {@code BackendSecurityPolicy} holding the credentials
 */
public record AIServiceBackendSpec(@Required SchemaRef schema, @Required Endpoint endpoint, String modelNameOverride,
                                   @PreserveUnknownFields Map<String, Object> provider,
                                   LocalRef backendSecurityPolicyRef) {

  /**
   * Where the upstream is.
   *
   * @param host DNS name or IP address
   * @param port TCP port (default 443 with TLS, else 80)
   * @param tls  whether to use TLS (default true); SNI is the host
   * @param sni    SNI to send, and the name the upstream's certificate must carry, instead of the host
   * @param caFile CA bundle (PEM) Envoy verifies this upstream's certificate against, instead of the
   *               system trust store (a private CA, a self-hosted model server)
   */
  public record Endpoint(@Required String host, Integer port, Boolean tls, String sni, String caFile) {
    public Endpoint(String host, Integer port, Boolean tls, String sni) {
      this(host, port, tls, sni, null);
    }
  }
}
