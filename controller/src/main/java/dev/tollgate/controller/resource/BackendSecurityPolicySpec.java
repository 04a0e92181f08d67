package dev.tollgate.controller.resource;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
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
@JsonClassDescription("How Tollgate authenticates to the AIServiceBackends that reference this policy: set type and"
    + " exactly the block of that type")
public record BackendSecurityPolicySpec(
    @Required @SchemaFrom(type = Type.class)
    @JsonPropertyDescription("The kind of credentials; the block of the same name (apiKey, awsCredentials,"
        + " azureCredentials, gcpCredentials) holds them")
    String type,
    @JsonPropertyDescription("For type APIKey: where the key comes from (one of secretRef, file, env, inline,"
        + " passthrough) and the header it is sent in")
    ApiKey apiKey,
    @JsonPropertyDescription("For type AWSCredentials: SigV4 signing of every request (Bedrock)")
    AwsCredentials awsCredentials,
    @JsonPropertyDescription("For type AzureCredentials: an API key or an Entra ID access token file")
    AzureCredentials azureCredentials,
    @JsonPropertyDescription("For type GCPCredentials: an access token file or a service-account key file")
    GcpCredentials gcpCredentials) {

  /** The description of a key's {@code secretRef}. */
  static final String SECRET_REF = "A key of a Secret (default key apiKey); the value is copied into the gateway"
      + " config, which is then written as a Secret";

  /** The values of {@code type}, for the CRD's schema (the field stays a string; the controller names a wrong one). */
  public enum Type { APIKey, AWSCredentials, AzureCredentials, GCPCredentials }

  /**
   * One source of a secret value: exactly one of the fields.
   *
   * @param secretRef a Secret key (the value is copied into the gateway config, which then becomes a Secret)
   * @param file      a file readable by Tollgate (e.g. a mounted Secret)
   * @param env       an environment variable of the Tollgate process
   * @param inline    the value itself (tests only)
   */
  public record KeySource(
      @JsonPropertyDescription(SECRET_REF)
      SecretKeyRef secretRef,
      @JsonPropertyDescription("A file holding the value, readable where the gateway runs (e.g. a mounted Secret)")
      String file,
      @JsonPropertyDescription("An environment variable of the gateway process holding the value")
      String env,
      @JsonPropertyDescription("The value itself (for tests; prefer secretRef)")
      String inline) {
  }

  /**
   * An API key: one of secretRef, file, env, inline, or passthrough of the client's own header.
   *
   * @param header the upstream header (default {@code authorization}, sent as Bearer; {@code x-api-key} for
   *               Anthropic backends)
   */
  public record ApiKey(
      @JsonPropertyDescription(SECRET_REF)
      SecretKeyRef secretRef,
      @JsonPropertyDescription("A file holding the key, readable where the gateway runs (e.g. a mounted Secret);"
          + " re-read when it changes")
      String file,
      @JsonPropertyDescription("An environment variable of the gateway process holding the key")
      String env,
      @JsonPropertyDescription("The key itself (for tests; prefer secretRef)")
      String inline,
      @JsonPropertyDescription("true: send the client's own key header on instead of a configured key")
      Boolean passthrough,
      @JsonPropertyDescription("The upstream header name: authorization (default, sent as 'Bearer <key>';"
          + " x-api-key for Anthropic backends) or any other header, which gets the bare key")
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
  public record AwsCredentials(
      @Required @JsonPropertyDescription("The signing region, e.g. us-east-1")
      String region,
      @JsonPropertyDescription("The signing service name (default bedrock)")
      String service,
      @JsonPropertyDescription("The host that is signed and sent as the upstream Host (default"
          + " bedrock-runtime.<region>.amazonaws.com)")
      String host,
      @JsonPropertyDescription("An AWS shared-credentials file, readable where the gateway runs; one of"
          + " credentialsFile, secretRef, fromEnvironment")
      String credentialsFile,
      @JsonPropertyDescription("The profile (section) of credentialsFile (default 'default')")
      String profile,
      @JsonPropertyDescription("A Secret with the keys accessKeyId and secretAccessKey (and optionally sessionToken);"
          + " its key field is not used")
      SecretKeyRef secretRef,
      @JsonPropertyDescription("true: take the credentials from the gateway process's AWS_* environment variables")
      Boolean fromEnvironment) {
  }

  /**
   * Azure OpenAI credentials: an API key, or a file holding an Entra ID access token.
   */
  public record AzureCredentials(
      @JsonPropertyDescription("An API key, sent in the api-key header; one of apiKey, tokenFile")
      KeySource apiKey,
      @JsonPropertyDescription("A file holding an Entra ID access token, sent as a bearer token; re-read when it changes")
      String tokenFile) {
  }

  /**
   * GCP credentials: a file holding an access token, or a service-account key file.
   *
   * @param tokenFile             a file holding an access token kept fresh by something else
   * @param serviceAccountKeyFile a service account's JSON key; Tollgate exchanges it for access tokens
   * @param scope                 OAuth scope of those tokens (default cloud-platform); only with serviceAccountKeyFile
   * @param tokenUri              where the exchange is sent instead of the key's token_uri; only with serviceAccountKeyFile
   */
  public record GcpCredentials(
      @JsonPropertyDescription("A file holding an access token that something else keeps fresh; one of tokenFile,"
          + " serviceAccountKeyFile")
      String tokenFile,
      @JsonPropertyDescription("A service account's JSON key file; Tollgate exchanges it for access tokens")
      String serviceAccountKeyFile,
      @JsonPropertyDescription("The OAuth scope of those tokens (default cloud-platform); only with serviceAccountKeyFile")
      String scope,
      @JsonPropertyDescription("Where the token exchange is sent instead of the key's token_uri; only with"
          + " serviceAccountKeyFile")
      String tokenUri) {
  }
}
