package dev.tollgate.extproc;

import static dev.tollgate.extproc.HardeningServerTest.openssl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TLS files are checked at start-up: each failure is one line naming the file. */
class TlsMaterialTest {
  @TempDir
  Path d;
  /** After the certificates' start of validity (openssl sets it to the moment they are made). */
  Instant now;

  @BeforeEach
  void keys() throws Exception {
    openssl(d, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "a.key", "-out", "a.pem", "-days", "2",
        "-subj", "/CN=a");
    openssl(d, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "b.key", "-out", "b.pem", "-days", "2",
        "-subj", "/CN=b");
    now = Instant.now().plusSeconds(60);
  }

  @Test
  void theCertificatesOwnKeyPassesInPkcs8AndPkcs1() throws Exception {
    assertThat(TlsMaterial.check(d.resolve("a.pem"), d.resolve("a.key"), d.resolve("b.pem"), now)).isEmpty();
    openssl(d, "rsa", "-in", "a.key", "-traditional", "-out", "a-pkcs1.key");
    assertThat(Files.readString(d.resolve("a-pkcs1.key"))).contains("BEGIN RSA PRIVATE KEY");
    assertThat(TlsMaterial.check(d.resolve("a.pem"), d.resolve("a-pkcs1.key"), null, now)).isEmpty();
  }

  @Test
  void anotherKeyStopsStartUpNamingBothFiles() throws Exception {
    Path cert = d.resolve("a.pem");
    Path key = d.resolve("b.key");
    assertThatThrownBy(() -> TlsMaterial.check(cert, key, null, now)).hasMessage("--tls-key " + key
        + " does not match the certificate in --tls-cert " + cert
        + " (its public key differs); give the key the certificate was issued for");
    openssl(d, "rsa", "-in", "b.key", "-traditional", "-out", "b-pkcs1.key");
    assertThatThrownBy(() -> TlsMaterial.check(cert, d.resolve("b-pkcs1.key"), null, now))
        .hasMessageContaining("does not match the certificate");
    openssl(d, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.key");
    assertThatThrownBy(() -> TlsMaterial.check(cert, d.resolve("ec.key"), null, now))
        .as("a key of another algorithm").hasMessageContaining("does not match the certificate");
  }

  @Test
  void filesThatAreNotPemOrMissingNameTheFileAndWhatWasExpected() throws Exception {
    openssl(d, "x509", "-in", "a.pem", "-outform", "der", "-out", "a.der");
    Path der = d.resolve("a.der");
    assertThatThrownBy(() -> TlsMaterial.check(der, d.resolve("a.key"), null, now))
        .hasMessageStartingWith("--tls-cert " + der + " is not PEM");
    assertThatThrownBy(() -> TlsMaterial.check(d.resolve("a.pem"), d.resolve("a.pem"), null, now))
        .hasMessageStartingWith("--tls-key " + d.resolve("a.pem") + " holds no PEM private key")
        .hasMessageContaining("swapped");
    assertThatThrownBy(() -> TlsMaterial.check(d.resolve("a.pem"), d.resolve("a.key"), d.resolve("a.key"), now))
        .hasMessageStartingWith("--tls-client-ca " + d.resolve("a.key") + " holds no PEM certificate");
    assertThatThrownBy(() -> TlsMaterial.check(d.resolve("nope.pem"), d.resolve("a.key"), null, now))
        .hasMessage("--tls-cert " + d.resolve("nope.pem") + " does not exist");
  }

  @Test
  void aCertificateOutsideItsValidityIsAWarningWithItsDates() throws Exception {
    assertThat(TlsMaterial.check(d.resolve("a.pem"), d.resolve("a.key"), null, now.plusSeconds(10 * 86400)))
        .singleElement().asString().startsWith("--tls-cert " + d.resolve("a.pem") + ": the certificate for CN=a has expired")
        .containsPattern("valid from \\d{4}-\\d\\d-\\d\\dT.* to \\d{4}-");
    assertThat(TlsMaterial.check(d.resolve("a.pem"), d.resolve("a.key"), null, now.minusSeconds(86400)))
        .singleElement().asString().contains("is not valid yet");
  }
}
