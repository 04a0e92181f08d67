package dev.tollgate.testkit;

import dev.tollgate.testkit.FakeUpstream.Received;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS's side of SigV4, written from the public description of the algorithm with the JDK only (so
 * no AWS library sits on a test's class path, where it could hide a plugin's class-loader problem):
 * the canonical request over what was received (path encoded once more, as for every service but
 * S3; the signed headers; the body's SHA-256), the string to sign, the derived key, and the
 * signature compared with the one in {@code authorization}.
 */
public final class SigV4Check implements FakeBedrock.RequestCheck {
  private static final Pattern AUTH = Pattern.compile("AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)"
      + "/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})");
  private final String accessKeyId;
  private final String secretKey;
  private final String region;
  private final String service;
  private final String host;

  /**
   * @param host the Host the signature must cover; null to take the Host as received (behind a real
   *             proxy that rewrites it), else the one the signer was told (the test kit's client
   *             does not send it on)
   */
  public SigV4Check(String accessKeyId, String secretKey, String region, String service, String host) {
    this.accessKeyId = accessKeyId;
    this.secretKey = secretKey;
    this.region = region;
    this.service = service;
    this.host = host;
  }

  @Override
  public String problem(Received r) {
    try {
      Matcher m = AUTH.matcher(r.header("authorization") == null ? "" : r.header("authorization"));
      if (!m.matches()) {
        return "missing or malformed authorization";
      }
      String amzDate = r.header("x-amz-date");
      if (!m.group(1).equals(accessKeyId) || amzDate == null || !amzDate.startsWith(m.group(2))
          || !m.group(3).equals(region) || !m.group(4).equals(service)) {
        return "wrong credential scope";
      }
      String payloadHash = hex(MessageDigest.getInstance("SHA-256").digest(r.body()));
      if (r.header("x-amz-content-sha256") != null && !payloadHash.equals(r.header("x-amz-content-sha256"))) {
        return "x-amz-content-sha256 does not match the body";
      }
      String path = r.path();
      String query = "";
      int q = path.indexOf('?');
      if (q >= 0) {
        query = canonicalQuery(path.substring(q + 1));
        path = path.substring(0, q);
      }
      StringBuilder headers = new StringBuilder();
      for (String name : m.group(5).split(";")) {
        String v = name.equals("host") && host != null ? host : r.header(name);
        if (v == null) {
          return "signed header " + name + " was not received";
        }
        headers.append(name).append(':').append(v.trim().replaceAll(" +", " ")).append('\n');
      }
      String canonical = r.method() + "\n" + encode(path) + "\n" + query + "\n" + headers + "\n" + m.group(5)
          + "\n" + payloadHash;
      String scope = m.group(2) + "/" + region + "/" + service + "/aws4_request";
      String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
          + hex(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
      byte[] k = hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), m.group(2));
      k = hmac(hmac(hmac(k, region), service), "aws4_request");
      return hex(hmac(k, toSign)).equals(m.group(6)) ? null
          : "The request signature we calculated does not match the signature you provided";
    } catch (Exception e) {
      return "cannot check the signature: " + e;
    }
  }

  private static String canonicalQuery(String query) {
    TreeMap<String, String> sorted = new TreeMap<>();
    for (String p : query.split("&")) {
      int eq = p.indexOf('=');
      sorted.put(p.substring(0, eq < 0 ? p.length() : eq), eq < 0 ? "" : p.substring(eq + 1));
    }
    StringBuilder sb = new StringBuilder();
    sorted.forEach((k, v) -> sb.append(sb.length() > 0 ? "&" : "").append(k).append('=').append(v));
    return sb.toString();
  }

  /** RFC 3986 encoding of everything but unreserved characters and '/'. */
  private static String encode(String s) {
    StringBuilder sb = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || "-_.~/".indexOf(c) >= 0) {
        sb.append(c);
      } else {
        sb.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return sb.toString();
  }

  private static byte[] hmac(byte[] key, String data) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
