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
   * @param header the upstream header (default {@code authorization}, sent as Bearer; {@code x-api-key} for
   *               Anthropic backends)
   */
  public record ApiKey(SecretKeyRef secretRef, String file, String env, String inline, Boolean passthrough,
                       String header) {
  }

  /**
   * AWS SigV4 credentials.
   *
   * @param region          signing region, e.g. {@code us-east-1}
   * @param service         signing service name (default {@code bedrock})
   * @param host            the host that is signed and sent as the upstream Host (default
   *                        {@code bedrock-runtime.<region>.amazonaws.com}); Envoy's route rewrites the
   *                        Host to it
   * @param credentialsFile an AWS shared-credentials file
   * @param profile         the profile (section) of {@code credentialsFile} (default {@code default})
   * @param secretRef       a Secret with keys {@code accessKeyId}, {@code secretAccessKey} (and optional {@code sessionToken})
   * @param fromEnvironment take the credentials from the Tollgate process's AWS_* environment
   */
  public record AwsCredentials(@Required String region, String service, String host, String credentialsFile,
                               String profile, SecretKeyRef secretRef, Boolean fromEnvironment) {
  }

  /**
   * Azure OpenAI credentials: an API key, or a file holding an Entra ID access token.
   */
  public record AzureCredentials(KeySource apiKey, String tokenFile) {
  }

  /**
   * GCP credentials: a file holding an access token, or a service-account key file.
   *
   * @param tokenFile             a file holding an access token kept fresh by something else
   * @param serviceAccountKeyFile a service account's JSON key; Tollgate exchanges it for access tokens
   * @param scope                 OAuth scope of those tokens (default cloud-platform); only with serviceAccountKeyFile
   * @param tokenUri              where the exchange is sent instead of the key's token_uri; only with serviceAccountKeyFile
   */
  public record GcpCredentials(String tokenFile, String serviceAccountKeyFile, String scope, String tokenUri) {
  }
}
