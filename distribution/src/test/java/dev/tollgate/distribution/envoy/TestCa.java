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
public final class TestCa {
  private static final String PASSWORD = "changeit";
  private final Path dir;

  private TestCa(Path dir) {
    this.dir = dir;
  }

  public static TestCa create(Path dir) throws Exception {
    keytool(dir, "-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-validity", "7",
        "-dname", "CN=Tollgate Test CA", "-ext", "bc:c", "-keystore", "ca.p12");
    keytool(dir, "-exportcert", "-alias", "ca", "-rfc", "-keystore", "ca.p12", "-file", "ca.pem");
    TestCa ca = new TestCa(dir);
    ca.issue("server", "dns:api.openai.com", "dns:localhost", "ip:127.0.0.1");
    return ca;
  }

  /**
   * Signs a server certificate for {@code names} ({@code dns:HOST} or {@code ip:ADDRESS}; the first
   * one's value is the CN) into {@code ALIAS.p12}.
   */
  private void issue(String alias, String... names) throws Exception {
    String store = alias + ".p12";
    keytool(dir, "-genkeypair", "-alias", alias, "-keyalg", "RSA", "-keysize", "2048", "-validity", "7",
        "-dname", "CN=" + names[0].substring(names[0].indexOf(':') + 1), "-keystore", store);
    keytool(dir, "-certreq", "-alias", alias, "-keystore", store, "-file", alias + ".csr");
    keytool(dir, "-gencert", "-alias", "ca", "-keystore", "ca.p12", "-infile", alias + ".csr", "-outfile",
        alias + ".pem", "-rfc", "-validity", "7", "-ext", "san=" + String.join(",", names));
    keytool(dir, "-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", store);
    keytool(dir, "-importcert", "-alias", alias, "-file", alias + ".pem", "-keystore", store);
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
  public Path caPem() {
    return dir.resolve("ca.pem");
  }

  /** The server certificate for api.openai.com, localhost and 127.0.0.1 (PEM). */
  public Path serverPem() {
    return dir.resolve("server.pem");
  }

  /** The server certificate's private key, written as PKCS#8 PEM ({@code server.key}). */
  public Path serverKeyPem() throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(dir.resolve("server.p12"))) {
      ks.load(in, PASSWORD.toCharArray());
    }
    byte[] der = ks.getKey("server", PASSWORD.toCharArray()).getEncoded();
    return Files.writeString(dir.resolve("server.key"), "-----BEGIN PRIVATE KEY-----\n"
        + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der) + "\n-----END PRIVATE KEY-----\n");
  }

  /** The server side: the certificate for api.openai.com, localhost and 127.0.0.1. */
  SSLContext serverContext() throws Exception {
    return context("server");
  }

  /** The server side of a new certificate this CA signs for these host names. */
  SSLContext serverContext(String... hosts) throws Exception {
    String[] names = java.util.Arrays.stream(hosts).map(h -> "dns:" + h).toArray(String[]::new);
    issue("hosts", names);
    return context("hosts");
  }

  private SSLContext context(String alias) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(dir.resolve(alias + ".p12"))) {
      ks.load(in, PASSWORD.toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, PASSWORD.toCharArray());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    return ctx;
  }
}
