package dev.tollgate.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.controller.envoy.EnvoyConfigBuilder;
import dev.tollgate.controller.envoy.EnvoyYaml;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import org.junit.jupiter.api.Test;

/** {@code --extproc-tls-*}: Envoy reaches Tollgate over TLS or mTLS (Tollgate's {@code --tls-cert/--tls-client-ca}). */
class ExtprocTlsTest {
  private static Cluster extprocCluster(String out) throws Exception {
    String bootstrap = out.split("(?m)^---$\n", 2)[1];
    return EnvoyYaml.parseBootstrap(bootstrap).getStaticResources().getClustersList().stream()
        .filter(c -> c.getName().equals(EnvoyConfigBuilder.EXTPROC_CLUSTER)).findFirst().orElseThrow();
  }

  @Test
  void mutualTlsToTollgateVerifiesItsNameAndShowsEnvoysCertificate() throws Exception {
    TranslateCommandTest.Run run = TranslateCommandTest.run("translate", TestFiles.EXAMPLES.toString(),
        "--extproc-host", "tollgate.ai.svc", "--extproc-tls-ca", "/etc/tollgate/tls/ca.crt",
        "--extproc-tls-cert", "/etc/tollgate/tls/tls.crt", "--extproc-tls-key", "/etc/tollgate/tls/tls.key");
    assertThat(run.exit()).as(run.err()).isZero();
    Cluster c = extprocCluster(run.out());
    assertThat(c.getTransportSocket().getName()).isEqualTo("envoy.transport_sockets.tls");
    UpstreamTlsContext tls = c.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
    assertThat(tls.getSni()).as("defaults to --extproc-host").isEqualTo("tollgate.ai.svc");
    assertThat(tls.getCommonTlsContext().getAlpnProtocolsList()).as("gRPC servers require ALPN h2").containsExactly("h2");
    assertThat(tls.getCommonTlsContext().getValidationContext().getTrustedCa().getFilename())
        .isEqualTo("/etc/tollgate/tls/ca.crt");
    assertThat(tls.getCommonTlsContext().getValidationContext().getMatchTypedSubjectAltNames(0).getMatcher().getExact())
        .isEqualTo("tollgate.ai.svc");
    assertThat(tls.getCommonTlsContext().getTlsCertificates(0).getCertificateChain().getFilename())
        .isEqualTo("/etc/tollgate/tls/tls.crt");
    assertThat(tls.getCommonTlsContext().getTlsCertificates(0).getPrivateKey().getFilename())
        .isEqualTo("/etc/tollgate/tls/tls.key");
    // the health check goes over the same socket; the backends' clusters are untouched
    assertThat(c.getHealthChecks(0).hasGrpcHealthCheck()).isTrue();
  }

  @Test
  void serverTlsOnlyWithAnSniOfItsOwn() throws Exception {
    TranslateCommandTest.Run run = TranslateCommandTest.run("translate", TestFiles.EXAMPLES.toString(),
        "--extproc-host", "10.0.0.7", "--extproc-tls-ca", "/ca.pem", "--extproc-tls-sni", "tollgate.example");
    assertThat(run.exit()).as(run.err()).isZero();
    UpstreamTlsContext tls = extprocCluster(run.out()).getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
    assertThat(tls.getSni()).isEqualTo("tollgate.example");
    assertThat(tls.getCommonTlsContext().getTlsCertificatesList()).isEmpty();
  }

  @Test
  void withoutTheOptionsTheExtprocClusterIsPlaintext() throws Exception {
    TranslateCommandTest.Run run = TranslateCommandTest.run("translate", TestFiles.EXAMPLES.toString());
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(extprocCluster(run.out()).hasTransportSocket()).isFalse();
  }

  @Test
  void wrongCombinationsAreUsageErrors() {
    TranslateCommandTest.Run noCa = TranslateCommandTest.run("translate", TestFiles.EXAMPLES.toString(),
        "--extproc-tls-cert", "/c.pem", "--extproc-tls-key", "/k.pem");
    assertThat(noCa.exit()).isEqualTo(2);
    assertThat(noCa.err()).contains("need --extproc-tls-ca");
    TranslateCommandTest.Run noKey = TranslateCommandTest.run("translate", TestFiles.EXAMPLES.toString(),
        "--extproc-tls-ca", "/ca.pem", "--extproc-tls-cert", "/c.pem");
    assertThat(noKey.exit()).isEqualTo(2);
    assertThat(noKey.err()).contains("a client certificate needs its key");
    TranslateCommandTest.Run unix = TranslateCommandTest.run("translate", TestFiles.EXAMPLES.toString(),
        "--extproc-host", "unix:/run/tollgate/ext_proc.sock", "--extproc-tls-ca", "/ca.pem");
    assertThat(unix.exit()).isEqualTo(2);
    assertThat(unix.err()).contains("unix socket is always plaintext");
  }
}
