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
   * @param sni  SNI and TLS name to present instead of the host
   */
  public record Endpoint(@Required String host, Integer port, Boolean tls, String sni) {
  }
}
