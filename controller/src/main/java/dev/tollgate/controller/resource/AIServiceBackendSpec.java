package dev.tollgate.controller.resource;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
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
@JsonClassDescription("A provider backend: the API it speaks, where it is (an Envoy cluster) and the"
    + " BackendSecurityPolicy with its credentials")
public record AIServiceBackendSpec(
    @Required @JsonPropertyDescription("The API the backend speaks, which picks the translator")
    SchemaRef schema,
    @Required @JsonPropertyDescription("Where the backend is: host, port and TLS of the Envoy cluster for it")
    Endpoint endpoint,
    @JsonPropertyDescription("The model name sent upstream instead of the client's")
    String modelNameOverride,
    @PreserveUnknownFields
    @JsonPropertyDescription("The schema's own settings, e.g. project and region for GCPVertexAI and GCPAnthropic")
    Map<String, Object> provider,
    @JsonPropertyDescription("The BackendSecurityPolicy holding the credentials (none: requests go without)")
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
  public record Endpoint(
      @Required @JsonPropertyDescription("A DNS name or IP address")
      String host,
      @JsonPropertyDescription("The TCP port (default 443 with TLS, else 80)")
      Integer port,
      @JsonPropertyDescription("Whether Envoy connects with TLS (default true), verifying the certificate")
      Boolean tls,
      @JsonPropertyDescription("The SNI to send, and the name the certificate must carry, instead of host")
      String sni,
      @JsonPropertyDescription("A CA bundle (PEM) on Envoy's machine to verify this upstream's certificate"
          + " against, instead of the system trust store")
      String caFile) {
    public Endpoint(String host, Integer port, Boolean tls, String sni) {
      this(host, port, tls, sni, null);
    }
  }
}
