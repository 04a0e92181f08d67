package dev.tollgate.plugins.awsauth;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PlatformServices;
import dev.tollgate.api.Settings;
import dev.tollgate.api.spi.BackendAuth;
import dev.tollgate.api.spi.BackendAuthFactory;
import dev.tollgate.api.spi.NonBlocking;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.Set;
import org.pf4j.Extension;

/**
 * Auth type {@code AWSCredentials}: signs the final upstream request with AWS Signature Version 4.
 * Settings:
 * <ul>
 *   <li>{@code region} (required), e.g. {@code us-east-1};</li>
 *   <li>{@code service}: the signing name, default {@code bedrock};</li>
 *   <li>{@code host}: the AWS host, default {@code bedrock-runtime.<region>.amazonaws.com};</li>
 *   <li>exactly one source of credentials: {@code credentialsFile} (an AWS shared credentials
 *       file, read again when it changes; {@code profile} picks the section, default
 *       {@code default}), {@code env: true} ({@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY},
 *       {@code AWS_SESSION_TOKEN}), or inline {@code accessKeyId} + {@code secretAccessKey}
 *       (+ {@code sessionToken}), meant for tests.</li>
 * </ul>
 */
@NonBlocking
@Extension
public final class AwsCredentialsAuthFactory implements BackendAuthFactory {
  private static final Set<String> FIELDS = Set.of("region", "service", "host", "credentialsFile", "profile", "env",
      "accessKeyId", "secretAccessKey", "sessionToken");

  private final PlatformServices platform;

  @Inject
  public AwsCredentialsAuthFactory(PlatformServices platform) {
    this.platform = platform;
  }

  @Override
  public String type() {
    return "AWSCredentials";
  }

  @Override
  public BackendAuth create(Settings s) throws InvalidConfigException {
    s.allowOnly(FIELDS);
    String region = s.string("region");
    if (!region.matches("[a-z0-9-]+")) {
      throw new InvalidConfigException(s.field("region"), "'" + region + "' is not an AWS region name such as us-east-1");
    }
    String service = s.string("service", "bedrock");
    String host = s.string("host", "bedrock-runtime." + region + ".amazonaws.com");
    return new SigV4Auth(credentials(s), region, service, host, platform.clock());
  }

  private CredentialsSource credentials(Settings s) throws InvalidConfigException {
    boolean file = s.has("credentialsFile");
    boolean env = s.bool("env", false);
    boolean inline = s.has("accessKeyId") || s.has("secretAccessKey") || s.has("sessionToken");
    int sources = (file ? 1 : 0) + (env ? 1 : 0) + (inline ? 1 : 0);
    if (sources != 1) {
      throw new InvalidConfigException(s.path(),
          "set exactly one source of AWS credentials: credentialsFile, env: true, or accessKeyId + secretAccessKey");
    }
    if (s.has("profile") && !file) {
      throw new InvalidConfigException(s.field("profile"), "only applies together with credentialsFile");
    }
    if (file) {
      CredentialsSource src = new CredentialsSource.SharedFile(platform, Path.of(s.string("credentialsFile")),
          s.string("profile", "default"), s.field("credentialsFile"), s.field("profile"));
      src.get(); // fail at load when the file or profile is missing
      return src;
    }
    if (env) {
      return CredentialsSource.fromEnvironment(System.getenv(), s.field("env"));
    }
    String ak = s.string("accessKeyId");
    String sk = s.string("secretAccessKey");
    return CredentialsSource.fixed(ak, sk, s.optionalString("sessionToken").orElse(null));
  }
}
