package dev.tollgate.plugins.gcpauth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.api.InvalidConfigException;
import java.io.IOException;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * The parts of a Google service account JSON key that the JWT bearer grant needs. Its
 * {@link #toString()} never shows the private key.
 */
final class ServiceAccountKey {
  static final String GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token";
  private static final ObjectMapper JSON = JsonSupport.MAPPER;

  private final String clientEmail;
  private final String privateKeyId;
  private final PrivateKey privateKey;
  private final URI tokenUri;

  ServiceAccountKey(String clientEmail, String privateKeyId, PrivateKey privateKey, URI tokenUri) {
    this.clientEmail = clientEmail;
    this.privateKeyId = privateKeyId;
    this.privateKey = privateKey;
    this.tokenUri = tokenUri;
  }

  /**
   * Reads a key file's text.
   *
   * @param field the config field that named the file, for messages (which never quote the key)
   */
  static ServiceAccountKey parse(String text, String field) throws InvalidConfigException {
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (IOException e) {
      throw new InvalidConfigException(field, "the service account key file is not JSON");
    }
    if (root == null || !root.isObject()) {
      throw new InvalidConfigException(field, "the service account key file must hold a JSON object");
    }
    String type = root.path("type").asText("service_account");
    if (!type.equals("service_account")) {
      throw new InvalidConfigException(field, "the key file's type is '" + type
          + "'; a service account key (type service_account) is needed");
    }
    String email = root.path("client_email").asText("");
    if (email.isBlank()) {
      throw new InvalidConfigException(field, "the service account key file has no client_email");
    }
    String pem = root.path("private_key").asText("");
    if (pem.isBlank()) {
      throw new InvalidConfigException(field, "the service account key file has no private_key");
    }
    URI tokenUri;
    try {
      tokenUri = URI.create(root.path("token_uri").asText(GOOGLE_TOKEN_URI));
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(field, "the service account key file's token_uri is not a URI");
    }
    return new ServiceAccountKey(email, root.path("private_key_id").asText(""), privateKey(pem, field), tokenUri);
  }

  /** An RSA key in PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}), as Google issues them. */
  static PrivateKey privateKey(String pem, String field) throws InvalidConfigException {
    if (pem.contains("BEGIN RSA PRIVATE KEY")) {
      throw new InvalidConfigException(field, "private_key is in PKCS#1 form; service account keys are PKCS#8 "
          + "(-----BEGIN PRIVATE KEY-----)");
    }
    String base64 = pem.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "")
        .replaceAll("\\s", "");
    try {
      return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw new InvalidConfigException(field, "private_key is not a PEM-encoded RSA private key");
    }
  }

  String clientEmail() {
    return clientEmail;
  }

  String privateKeyId() {
    return privateKeyId;
  }

  PrivateKey privateKey() {
    return privateKey;
  }

  /** The key's own token URI: the JWT's audience. */
  URI tokenUri() {
    return tokenUri;
  }

  @Override
  public String toString() {
    return "ServiceAccountKey[" + clientEmail + ", key id " + privateKeyId + "]";
  }
}
