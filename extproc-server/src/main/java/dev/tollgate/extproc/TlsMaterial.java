package dev.tollgate.extproc;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PEM files of {@code --tls-cert}, {@code --tls-key} and {@code --tls-client-ca}, checked
 * before the server uses them, so that a wrong file stops start-up with one line instead of
 * failing every handshake: each file must be readable PEM of the expected kind, and the key must
 * be the certificate's (checked by signing with it and verifying with the certificate's public
 * key; for PKCS#8 and PKCS#1 RSA keys, while an encrypted or SEC1 EC key is left to the TLS
 * library). A certificate outside its validity is only a warning.
 */
final class TlsMaterial {
  private static final Pattern PEM = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
  private static final byte[] CHALLENGE = "tollgate: is this the certificate's key?".getBytes(StandardCharsets.UTF_8);

  /** TLS files that cannot serve: the message is one line for the operator. */
  static final class InvalidTlsMaterial extends IOException {
    InvalidTlsMaterial(String message) {
      super(message);
    }
  }

  private record Block(String label, byte[] der) {
  }

  private TlsMaterial() {
  }

  /**
   * Checks the files; returns warnings (a certificate that is expired or not yet valid).
   *
   * @throws InvalidTlsMaterial naming the file and what is wrong with it
   */
  static List<String> check(Path cert, Path key, Path clientCa, Instant now) throws InvalidTlsMaterial {
    List<X509Certificate> chain = certificates("--tls-cert", cert);
    Block keyBlock = privateKey(key, cert);
    if (clientCa != null) {
      certificates("--tls-client-ca", clientCa);
    }
    X509Certificate leaf = chain.get(0);
    boolean readable = keyBlock.label().equals("PRIVATE KEY") || keyBlock.label().equals("RSA PRIVATE KEY");
    // a key of another algorithm than the certificate's does not parse as one of its algorithm
    if (readable && !parse(keyBlock, leaf.getPublicKey().getAlgorithm())
        .map(k -> matches(k, leaf.getPublicKey())).orElse(false)) {
      throw new InvalidTlsMaterial("--tls-key " + key + " does not match the certificate in --tls-cert " + cert
          + " (its public key differs); give the key the certificate was issued for");
    }
    List<String> warnings = new ArrayList<>();
    if (now.isBefore(leaf.getNotBefore().toInstant()) || now.isAfter(leaf.getNotAfter().toInstant())) {
      warnings.add("--tls-cert " + cert + ": the certificate for " + leaf.getSubjectX500Principal().getName()
          + (now.isBefore(leaf.getNotBefore().toInstant()) ? " is not valid yet" : " has expired")
          + " (valid from " + leaf.getNotBefore().toInstant() + " to " + leaf.getNotAfter().toInstant()
          + "); clients that check it will refuse the handshake; renew it");
    }
    return warnings;
  }

  private static List<X509Certificate> certificates(String option, Path file) throws InvalidTlsMaterial {
    List<Block> blocks = blocks(option, file);
    List<X509Certificate> certs = new ArrayList<>();
    for (Block b : blocks) {
      if (!b.label().equals("CERTIFICATE")) {
        continue;
      }
      try {
        certs.add((X509Certificate) CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(b.der())));
      } catch (GeneralSecurityException | ClassCastException e) {
        throw new InvalidTlsMaterial(option + " " + file + ": certificate " + (certs.size() + 1)
            + " cannot be read (" + e.getMessage() + "); expected PEM X.509 certificates");
      }
    }
    if (certs.isEmpty()) {
      boolean key = blocks.stream().anyMatch(b -> b.label().endsWith("PRIVATE KEY"));
      throw new InvalidTlsMaterial(option + " " + file + " holds no PEM certificate (expected -----BEGIN CERTIFICATE-----"
          + " blocks)" + (key ? "; it holds a private key: are --tls-cert and --tls-key swapped?" : ""));
    }
    return certs;
  }

  private static Block privateKey(Path file, Path cert) throws InvalidTlsMaterial {
    List<Block> blocks = blocks("--tls-key", file);
    return blocks.stream().filter(b -> b.label().endsWith("PRIVATE KEY")).findFirst().orElseThrow(() ->
        new InvalidTlsMaterial("--tls-key " + file + " holds no PEM private key (expected -----BEGIN PRIVATE KEY-----,"
            + " PKCS#8, or -----BEGIN RSA PRIVATE KEY-----, PKCS#1)"
            + (blocks.stream().anyMatch(b -> b.label().equals("CERTIFICATE"))
                ? "; it holds a certificate: are --tls-cert and --tls-key swapped?" : "")));
  }

  private static List<Block> blocks(String option, Path file) throws InvalidTlsMaterial {
    String text;
    try {
      text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
    } catch (NoSuchFileException e) {
      throw new InvalidTlsMaterial(option + " " + file + " does not exist");
    } catch (AccessDeniedException e) {
      throw new InvalidTlsMaterial(option + " " + file + " cannot be read: permission denied");
    } catch (IOException e) {
      throw new InvalidTlsMaterial(option + " " + file + " cannot be read: " + e.getMessage());
    }
    List<Block> blocks = new ArrayList<>();
    Matcher m = PEM.matcher(text);
    while (m.find()) {
      try {
        blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
      } catch (IllegalArgumentException e) {
        throw new InvalidTlsMaterial(option + " " + file + ": its " + m.group(1) + " block is not valid base64");
      }
    }
    if (blocks.isEmpty()) {
      throw new InvalidTlsMaterial(option + " " + file + " is not PEM (no -----BEGIN ...----- block); "
          + "convert it, e.g. openssl x509 -inform der / openssl pkcs8 -topk8 -nocrypt");
    }
    return blocks;
  }

  /** The PKCS#8 or PKCS#1 RSA key as a key of {@code algorithm}; empty when it is not one. */
  private static Optional<PrivateKey> parse(Block key, String algorithm) {
    byte[] pkcs8 = switch (key.label()) {
      case "PRIVATE KEY" -> key.der();
      case "RSA PRIVATE KEY" -> algorithm.equals("RSA") ? rsaPkcs1ToPkcs8(key.der()) : null;
      default -> null;
    };
    if (pkcs8 == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8)));
    } catch (GeneralSecurityException e) {
      return Optional.empty();
    }
  }

  private static boolean matches(PrivateKey key, PublicKey certificateKey) {
    String algorithm = switch (certificateKey.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "DSA" -> "SHA256withDSA";
      default -> certificateKey.getAlgorithm(); // Ed25519, Ed448, EdDSA
    };
    try {
      Signature sign = Signature.getInstance(algorithm);
      sign.initSign(key);
      sign.update(CHALLENGE);
      byte[] signature = sign.sign();
      Signature verify = Signature.getInstance(algorithm);
      verify.initVerify(certificateKey);
      verify.update(CHALLENGE);
      return verify.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo (version 0, rsaEncryption, no parameters). */
  private static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
    byte[] algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01,
        0x01, 0x05, 0x00};
    byte[] version = {0x02, 0x01, 0x00};
    byte[] octets = der(0x04, pkcs1);
    byte[] content = new byte[version.length + algorithm.length + octets.length];
    System.arraycopy(version, 0, content, 0, version.length);
    System.arraycopy(algorithm, 0, content, version.length, algorithm.length);
    System.arraycopy(octets, 0, content, version.length + algorithm.length, octets.length);
    return der(0x30, content);
  }

  private static byte[] der(int tag, byte[] content) {
    int n = content.length;
    byte[] length = n < 0x80 ? new byte[] {(byte) n}
        : n < 0x100 ? new byte[] {(byte) 0x81, (byte) n}
        : n < 0x10000 ? new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n}
        : new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
    byte[] out = new byte[1 + length.length + n];
    out[0] = (byte) tag;
    System.arraycopy(length, 0, out, 1, length.length);
    System.arraycopy(content, 0, out, 1 + length.length, n);
    return out;
  }
}
