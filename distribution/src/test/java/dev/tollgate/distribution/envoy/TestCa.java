package dev.tollgate.distribution.envoy;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A certificate authority made for one test run with the JDK's keytool, and a server certificate
 * it signed for {@code api.openai.com}, {@code localhost} and 127.0.0.1: fake providers serve it,
 * and Envoy must verify it against {@link #caPem()}.
 */
final class TestCa {
  static final String PASSWORD = "changeit";
  private final Path dir;

  private TestCa(Path dir) {
    this.dir = dir;
  }

  static TestCa create(Path dir) throws Exception {
    keytool(dir, "-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-validity", "7",
        "-dname", "CN=Tollgate Test CA", "-ext", "bc:c", "-keystore", "ca.p12");
    keytool(dir, "-exportcert", "-alias", "ca", "-rfc", "-keystore", "ca.p12", "-file", "ca.pem");
    keytool(dir, "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-validity", "7",
        "-dname", "CN=api.openai.com", "-keystore", "server.p12");
    keytool(dir, "-certreq", "-alias", "server", "-keystore", "server.p12", "-file", "server.csr");
    keytool(dir, "-gencert", "-alias", "ca", "-keystore", "ca.p12", "-infile", "server.csr", "-outfile", "server.pem",
        "-rfc", "-validity", "7", "-ext", "san=dns:api.openai.com,dns:localhost,ip:127.0.0.1");
    keytool(dir, "-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", "server.p12");
    keytool(dir, "-importcert", "-alias", "server", "-file", "server.pem", "-keystore", "server.p12");
    return new TestCa(dir);
  }

  private static void keytool(Path dir, String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool")
        .toString()));
    command.addAll(List.of(args));
    command.addAll(List.of("-storepass", PASSWORD, "-storetype", "PKCS12"));
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException("keytool " + String.join(" ", args) + ": " + out);
    }
  }

  /** The CA certificate (PEM), for Envoy's {@code trusted_ca}. */
  Path caPem() {
    return dir.resolve("ca.pem");
  }

  /** The server side: the certificate signed by this CA. */
  SSLContext serverContext() throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(dir.resolve("server.p12"))) {
      ks.load(in, PASSWORD.toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, PASSWORD.toCharArray());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    return ctx;
  }

}
