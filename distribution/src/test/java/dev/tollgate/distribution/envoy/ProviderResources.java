package dev.tollgate.distribution.envoy;

import dev.tollgate.testkit.FakeUpstream;
import java.nio.file.Path;

/** The resources that put a test-kit fake behind Envoy as a provider, for the real-Envoy tests. */
final class ProviderResources {
  private ProviderResources() {
  }

  /**
   * An AIServiceBackend on {@code fake}, behind TLS for the provider's real host name {@code sni},
   * verified against {@code caFile}; {@code provider} (a YAML flow map) may be null.
   */
  static String backend(String name, String schema, FakeUpstream fake, String sni, Path caFile, String policy,
                        String provider) {
    return """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: %s}
        spec:
          schema: %s
          endpoint: {host: 127.0.0.1, port: %d, tls: true, sni: %s, caFile: "%s"}
          backendSecurityPolicyRef: {name: %s}
        """.formatted(name, schema, fake.port(), sni, caFile, policy)
        + (provider == null ? "" : "  provider: " + provider + "\n");
  }

  /** A BackendSecurityPolicy of {@code type} whose settings are the YAML line {@code block}. */
  static String policy(String name, String type, String block) {
    return """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: %s}
        spec:
          type: %s
          %s
        """.formatted(name, type, block);
  }
}
