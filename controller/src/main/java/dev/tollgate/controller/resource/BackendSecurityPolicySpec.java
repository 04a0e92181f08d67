package dev.tollgate.controller.resource;

import io.fabric8.generator.annotation.Required;

/**
 * What a {@code BackendSecurityPolicy} says: how Tollgate authenticates to the backends that
 * reference it. Exactly the block matching {@code type} is set.
 *
 * @param type             {@code APIKey}, {@code AWSCredentials}, {@code AzureCredentials} or {@code GCPCredentials}
 * @param apiKey           for {@code APIKey}
 * @param awsCredentials   for {@code AWSCredentials}
 * @param azureCredentials for {@code AzureCredentials}
 * @param gcpCredentials   for {@code GCPCredentials}
 */
public record BackendSecurityPolicySpec(@Required String type, ApiKey apiKey, AwsCredentials awsCredentials,
                                        AzureCredentials azureCredentials, GcpCredentials gcpCredentials) {

  /**
   * One source of a secret value: exactly one of the fields.
   *
   * @param secretRef a Secret key (the value is copied into the gateway config, which then becomes a Secret)
   * @param file      a file readable by Tollgate (e.g. a mounted Secret)
   * @param env       an environment variable of the Tollgate process
   * @param inline    the value itself (tests only)
   */
  public record KeySource(SecretKeyRef secretRef, String file, String env, String inline) {
  }

  /**
   * An API key: one of secretRef, file, env, inline, or passthrough of the client's own header.
   *
   * @param header the upstream header (default {@code authorization}, sent as Bearer)
   */
  public record ApiKey(SecretKeyRef secretRef, String file, String env, String inline, Boolean passthrough,
                       String header) {
  }

  /**
   * AWS SigV4 credentials.
   *
   * @param region          signing region
   * @param service         signing service name (default {@code bedrock})
   * @param credentialsFile an AWS shared-credentials file
   * @param secretRef       a Secret with keys {@code accessKeyId}, {@code secretAccessKey} (and optional {@code sessionToken})
   * @param fromEnvironment take the credentials from the Tollgate process's AWS_* environment
   */
  public record AwsCredentials(@Required String region, String service, String credentialsFile,
                               SecretKeyRef secretRef, Boolean fromEnvironment) {
  }

  /**
   * Azure OpenAI credentials: an API key, or a file holding an Entra ID access token.
   */
  public record AzureCredentials(KeySource apiKey, String tokenFile) {
  }

  /**
   * GCP credentials: a file holding an access token, or a service-account key file.
   */
  public record GcpCredentials(String tokenFile, String serviceAccountKeyFile) {
  }
}
