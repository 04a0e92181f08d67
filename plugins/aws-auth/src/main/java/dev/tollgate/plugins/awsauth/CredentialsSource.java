package dev.tollgate.plugins.awsauth;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PlatformServices;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/** Where a backend's AWS credentials come from. Implementations are thread-safe. */
@FunctionalInterface
interface CredentialsSource {
  /** The current credentials. */
  AwsCredentialsIdentity get() throws InvalidConfigException;

  static CredentialsSource fixed(String accessKeyId, String secretAccessKey, String sessionToken) {
    AwsCredentialsIdentity id = identity(accessKeyId, secretAccessKey, sessionToken);
    return () -> id;
  }

  /** {@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY}, optional {@code AWS_SESSION_TOKEN}, read once. */
  static CredentialsSource fromEnvironment(Map<String, String> env, String field) throws InvalidConfigException {
    String ak = env.get("AWS_ACCESS_KEY_ID");
    String sk = env.get("AWS_SECRET_ACCESS_KEY");
    if (ak == null || ak.isBlank() || sk == null || sk.isBlank()) {
      throw new InvalidConfigException(field,
          "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set in Tollgate's environment");
    }
    String token = env.get("AWS_SESSION_TOKEN");
    return fixed(ak.trim(), sk.trim(), token == null || token.isBlank() ? null : token.trim());
  }

  static AwsCredentialsIdentity identity(String ak, String sk, String token) {
    return token == null ? AwsCredentialsIdentity.create(ak, sk) : AwsSessionCredentialsIdentity.create(ak, sk, token);
  }

  /**
   * An AWS shared credentials file ({@code ~/.aws/credentials} format): INI sections named by
   * profile ({@code [default]}; {@code [profile name]} is accepted too) holding
   * {@code aws_access_key_id}, {@code aws_secret_access_key} and optionally
   * {@code aws_session_token}. The platform reads the file again when it changes.
   */
  final class SharedFile implements CredentialsSource {
    private final PlatformServices platform;
    private final Path file;
    private final String profile;
    private final String fileField;
    private final String profileField;

    SharedFile(PlatformServices platform, Path file, String profile, String fileField, String profileField) {
      this.platform = platform;
      this.file = file;
      this.profile = profile;
      this.fileField = fileField;
      this.profileField = profileField;
    }

    @Override
    public AwsCredentialsIdentity get() throws InvalidConfigException {
      Map<String, String> p = parse(platform.readSecretFile(file, fileField)).get(profile);
      if (p == null) {
        throw new InvalidConfigException(profileField, "profile '" + profile + "' is not in credentials file " + file);
      }
      String ak = p.get("aws_access_key_id");
      String sk = p.get("aws_secret_access_key");
      if (ak == null || ak.isEmpty() || sk == null || sk.isEmpty()) {
        throw new InvalidConfigException(fileField, "profile '" + profile + "' in " + file
            + " needs aws_access_key_id and aws_secret_access_key");
      }
      String token = p.get("aws_session_token");
      return identity(ak, sk, token == null || token.isEmpty() ? null : token);
    }

    /** Profiles of an INI credentials file; keys lower case. Never logs values. */
    static Map<String, Map<String, String>> parse(String content) {
      Map<String, Map<String, String>> out = new HashMap<>();
      Map<String, String> current = null;
      for (String raw : content.split("\r?\n")) {
        String line = raw.strip();
        if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
          continue;
        }
        if (line.startsWith("[") && line.endsWith("]")) {
          String name = line.substring(1, line.length() - 1).strip();
          if (name.startsWith("profile ")) {
            name = name.substring("profile ".length()).strip();
          }
          current = out.computeIfAbsent(name, k -> new HashMap<>());
          continue;
        }
        int eq = line.indexOf('=');
        if (current != null && eq > 0) {
          current.put(line.substring(0, eq).strip().toLowerCase(java.util.Locale.ROOT), line.substring(eq + 1).strip());
        }
      }
      return out;
    }
  }
}
