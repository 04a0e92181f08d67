package dev.tollgate.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tollgate.api.Settings;
import dev.tollgate.controller.resource.InvalidResourcesException;
import dev.tollgate.controller.resource.Problem;
import dev.tollgate.controller.translate.Translation;
import dev.tollgate.core.config.ConfigParser;
import dev.tollgate.core.config.GatewayConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The auth blocks the controller emits use exactly the settings the auth plugins accept: every
 * emitted block passes the plugin's own {@code allowOnly} check, and together the variants of a
 * policy type use every key the plugin accepts (so nothing the plugin offers is out of reach).
 */
class AuthSettingsTest {
  /** plugins/api-key/src/main/java/dev/tollgate/plugins/apikey/ApiKeyAuthFactory.java, create(): allowOnly. */
  static final Set<String> API_KEY = Set.of("file", "env", "key", "passthrough", "header");
  /** plugins/aws-auth/src/main/java/dev/tollgate/plugins/awsauth/AwsCredentialsAuthFactory.java, FIELDS. */
  static final Set<String> AWS = Set.of("region", "service", "host", "credentialsFile", "profile", "env",
      "accessKeyId", "secretAccessKey", "sessionToken");
  /** plugins/azure-auth/src/main/java/dev/tollgate/plugins/azureauth/AzureCredentialsFactory.java, create(): allowOnly. */
  static final Set<String> AZURE = Set.of("apiKey", "tokenFile");
  /** The same file, the apiKey block's allowOnly. */
  static final Set<String> AZURE_API_KEY = Set.of("file", "env", "key");
  /** plugins/gcp-auth/src/main/java/dev/tollgate/plugins/gcpauth/GcpCredentialsFactory.java, create(): allowOnly. */
  static final Set<String> GCP = Set.of("tokenFile", "serviceAccountKeyFile", "scope", "tokenUri");

  @TempDir
  Path dir;

  /** Writes one OpenAI backend per policy (named as the policy) plus a route, translates, parses the result. */
  private GatewayConfig translate(String policies) throws Exception {
    StringBuilder yaml = new StringBuilder(policies);
    StringBuilder refs = new StringBuilder();
    boolean policy = false;
    for (String line : policies.split("\n")) {
      if (line.startsWith("kind: ")) {
        policy = line.equals("kind: BackendSecurityPolicy");
      }
      if (policy && line.startsWith("metadata: {name: ")) {
        String name = line.substring("metadata: {name: ".length(), line.indexOf('}'));
        yaml.append("""
            ---
            apiVersion: aigateway.tollgate.dev/v1alpha1
            kind: AIServiceBackend
            metadata: {name: %s}
            spec:
              schema: {name: OpenAI}
              endpoint: {host: api.example.com}
              backendSecurityPolicyRef: {name: %s}
            """.formatted(name, name));
        refs.append(refs.isEmpty() ? "" : ", ").append("{name: ").append(name).append("}");
      }
    }
    yaml.append("""
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: r}
        spec:
          rules: [{backendRefs: [%s]}]
        """.formatted(refs));
    Files.writeString(dir.resolve("all.yaml"), yaml.toString());
    Translation t = TestPlugins.translate(dir);
    return ConfigParser.parse(t.gatewayConfigYaml());
  }

  private List<Problem> problems(String yaml) throws Exception {
    Files.writeString(dir.resolve("all.yaml"), yaml);
    InvalidResourcesException e = catchThrowableOfType(InvalidResourcesException.class, () ->
        TestPlugins.translate(dir));
    assertThat(e).as("expected the resources to be rejected").isNotNull();
    return e.problems();
  }

  private static Settings auth(GatewayConfig config, String backend, String type) {
    GatewayConfig.AuthSpec auth = config.backend(backend).orElseThrow().auth().orElseThrow();
    assertThat(auth.type()).isEqualTo(type);
    return auth.settings();
  }

  /** Each block passes the plugin's allowOnly; together they use every accepted key. */
  private static void assertKeys(Set<String> accepted, List<Settings> blocks) throws Exception {
    Set<String> used = new HashSet<>();
    for (Settings s : blocks) {
      s.allowOnly(accepted); // throws InvalidConfigException, as the plugin would
      used.addAll(s.keys());
    }
    assertThat(used).isEqualTo(accepted);
  }

  @Test
  void apiKeyBlocksMatchTheApiKeyPlugin() throws Exception {
    GatewayConfig config = translate("""
        apiVersion: v1
        kind: Secret
        metadata: {name: creds}
        stringData: {apiKey: "sk-secret\\n"}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: k-file}
        spec: {type: APIKey, apiKey: {file: /secrets/key, header: X-Api-Key}}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: k-env}
        spec: {type: APIKey, apiKey: {env: OPENAI_API_KEY}}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: k-secret}
        spec: {type: APIKey, apiKey: {secretRef: {name: creds}}}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: k-pass}
        spec: {type: APIKey, apiKey: {passthrough: true, header: api-key}}
        """);
    Settings file = auth(config, "k-file", "APIKey");
    Settings env = auth(config, "k-env", "APIKey");
    Settings secret = auth(config, "k-secret", "APIKey");
    Settings pass = auth(config, "k-pass", "APIKey");
    assertThat(file.asMap()).isEqualTo(Map.of("file", "/secrets/key", "header", "x-api-key"));
    assertThat(env.asMap()).isEqualTo(Map.of("env", "OPENAI_API_KEY"));
    assertThat(secret.asMap()).isEqualTo(Map.of("key", "sk-secret"));
    assertThat(pass.asMap()).isEqualTo(Map.of("passthrough", true, "header", "api-key"));
    assertKeys(API_KEY, List.of(file, env, secret, pass));
  }

  @Test
  void awsBlocksMatchTheAwsAuthPlugin() throws Exception {
    GatewayConfig config = translate("""
        apiVersion: v1
        kind: Secret
        metadata: {name: aws}
        stringData: {accessKeyId: AKIDEXAMPLE, secretAccessKey: wJalrXUtnFEMI, sessionToken: token-1}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: a-file}
        spec:
          type: AWSCredentials
          awsCredentials:
            region: eu-central-1
            service: bedrock
            host: bedrock-runtime-fips.eu-central-1.amazonaws.com
            credentialsFile: /secrets/aws
            profile: gateway
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: a-env}
        spec: {type: AWSCredentials, awsCredentials: {region: us-west-2, fromEnvironment: true}}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: a-secret}
        spec: {type: AWSCredentials, awsCredentials: {region: us-east-1, secretRef: {name: aws}}}
        """);
    Settings file = auth(config, "a-file", "AWSCredentials");
    Settings env = auth(config, "a-env", "AWSCredentials");
    Settings secret = auth(config, "a-secret", "AWSCredentials");
    assertThat(file.asMap()).isEqualTo(Map.of("region", "eu-central-1", "service", "bedrock",
        "host", "bedrock-runtime-fips.eu-central-1.amazonaws.com", "credentialsFile", "/secrets/aws", "profile", "gateway"));
    // the default host is written out, so that the Envoy route and the signer agree by construction
    assertThat(env.asMap()).isEqualTo(Map.of("region", "us-west-2", "host", "bedrock-runtime.us-west-2.amazonaws.com",
        "env", true));
    assertThat(secret.asMap()).isEqualTo(Map.of("region", "us-east-1", "host", "bedrock-runtime.us-east-1.amazonaws.com",
        "accessKeyId", "AKIDEXAMPLE", "secretAccessKey", "wJalrXUtnFEMI", "sessionToken", "token-1"));
    assertKeys(AWS, List.of(file, env, secret));
  }

  @Test
  void azureBlocksMatchTheAzureAuthPlugin() throws Exception {
    GatewayConfig config = translate("""
        apiVersion: v1
        kind: Secret
        metadata: {name: az}
        stringData: {apiKey: azure-secret}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: z-file}
        spec: {type: AzureCredentials, azureCredentials: {apiKey: {file: /secrets/azure}}}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: z-env}
        spec: {type: AzureCredentials, azureCredentials: {apiKey: {env: AZURE_KEY}}}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: z-secret}
        spec: {type: AzureCredentials, azureCredentials: {apiKey: {secretRef: {name: az}}}}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: z-token}
        spec: {type: AzureCredentials, azureCredentials: {tokenFile: /secrets/entra-token}}
        """);
    List<Settings> blocks = List.of(auth(config, "z-file", "AzureCredentials"), auth(config, "z-env", "AzureCredentials"),
        auth(config, "z-secret", "AzureCredentials"), auth(config, "z-token", "AzureCredentials"));
    assertThat(blocks.get(3).asMap()).isEqualTo(Map.of("tokenFile", "/secrets/entra-token"));
    assertKeys(AZURE, blocks);
    List<Settings> keys = List.of(blocks.get(0).child("apiKey"), blocks.get(1).child("apiKey"), blocks.get(2).child("apiKey"));
    assertThat(keys.get(0).asMap()).isEqualTo(Map.of("file", "/secrets/azure"));
    assertThat(keys.get(1).asMap()).isEqualTo(Map.of("env", "AZURE_KEY"));
    assertThat(keys.get(2).asMap()).isEqualTo(Map.of("key", "azure-secret"));
    assertKeys(AZURE_API_KEY, keys);
  }

  @Test
  void gcpBlocksMatchTheGcpAuthPlugin() throws Exception {
    GatewayConfig config = translate("""
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: g-token}
        spec: {type: GCPCredentials, gcpCredentials: {tokenFile: /secrets/gcp-token}}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: g-key}
        spec:
          type: GCPCredentials
          gcpCredentials:
            serviceAccountKeyFile: /secrets/sa.json
            scope: https://www.googleapis.com/auth/cloud-platform.read-only
            tokenUri: https://oauth2.example.internal/token
        """);
    Settings token = auth(config, "g-token", "GCPCredentials");
    Settings key = auth(config, "g-key", "GCPCredentials");
    assertThat(token.asMap()).isEqualTo(Map.of("tokenFile", "/secrets/gcp-token"));
    assertThat(key.asMap()).isEqualTo(Map.of("serviceAccountKeyFile", "/secrets/sa.json",
        "scope", "https://www.googleapis.com/auth/cloud-platform.read-only", "tokenUri", "https://oauth2.example.internal/token"));
    assertKeys(GCP, List.of(token, key));
  }

  @Test
  void combinationsThePluginsRefuseAreRefusedWithTheField() throws Exception {
    assertThat(problems("""
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: a}
        spec: {type: AWSCredentials, awsCredentials: {region: us-east-1, fromEnvironment: true, profile: p}}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: b}
        spec: {type: AWSCredentials, awsCredentials: {region: US_EAST_1, fromEnvironment: true}}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: c}
        spec: {type: GCPCredentials, gcpCredentials: {tokenFile: /t, scope: x}}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: d}
        spec: {type: GCPCredentials, gcpCredentials: {serviceAccountKeyFile: /k, tokenUri: "ftp://x/token"}}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: e}
        spec: {type: AWSCredentials, awsCredentials: {region: us-east-1, host: "https://bedrock.example", fromEnvironment: true}}
        """)).extracting(Problem::toString).containsExactly(
        "all.yaml (document 1) (BackendSecurityPolicy a): spec.awsCredentials.profile: only applies together with credentialsFile",
        "all.yaml (document 2) (BackendSecurityPolicy b): spec.awsCredentials.region: 'US_EAST_1' is not an AWS region name such as us-east-1",
        "all.yaml (document 3) (BackendSecurityPolicy c): spec.gcpCredentials.scope: only applies with serviceAccountKeyFile"
            + " (a token file holds a finished token)",
        "all.yaml (document 4) (BackendSecurityPolicy d): spec.gcpCredentials.tokenUri: 'ftp://x/token' must be an http(s) URI",
        "all.yaml (document 5) (BackendSecurityPolicy e): spec.awsCredentials.host: 'https://bedrock.example' must be a bare"
            + " host name (no scheme, port or path)");
  }
}
