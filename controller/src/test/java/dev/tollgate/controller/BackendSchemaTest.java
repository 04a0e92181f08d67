package dev.tollgate.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tollgate.controller.envoy.EnvoyYaml;
import dev.tollgate.controller.resource.InvalidResourcesException;
import dev.tollgate.controller.resource.Problem;
import dev.tollgate.controller.translate.Translation;
import dev.tollgate.core.config.ConfigParser;
import dev.tollgate.core.config.GatewayConfig;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What each backend schema's translator needs (provider settings, schema version), and the Host Envoy sends. */
class BackendSchemaTest {
  @TempDir
  Path dir;

  private Translation translate(String yaml) throws Exception {
    Files.writeString(dir.resolve("all.yaml"), yaml);
    return TestPlugins.translate(dir);
  }

  private List<Problem> problems(String yaml) {
    InvalidResourcesException e = catchThrowableOfType(InvalidResourcesException.class, () -> translate(yaml));
    assertThat(e).as("expected the resources to be rejected").isNotNull();
    return e.problems();
  }

  private static String backend(String name, String schema, String extra) {
    return """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: %s}
        spec:
          schema: %s
          endpoint: {host: api.example.com}
        %s---
        """.formatted(name, schema, extra.isEmpty() ? "" : extra.indent(2));
  }

  private static String route(String... backends) {
    return """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: r}
        spec:
          rules: [{backendRefs: [%s]}]
        """.formatted(java.util.Arrays.stream(backends).map(b -> "{name: " + b + "}").collect(Collectors.joining(", ")));
  }

  private static Map<String, Route> routes(Translation t) throws Exception {
    HttpConnectionManager hcm = EnvoyYaml.parseBootstrap(t.envoyBootstrapYaml()).getStaticResources().getListeners(0)
        .getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
    return hcm.getRouteConfig().getVirtualHosts(0).getRoutesList().stream().collect(Collectors.toMap(Route::getName, r -> r));
  }

  @Test
  void providerSettingsAndVersionsReachTheTranslators() throws Exception {
    Translation t = translate(backend("vertex", "{name: GCPVertexAI}", "provider: {project: my-project, region: us-central1}")
        + backend("claude", "{name: GCPAnthropic}", "provider: {project: my-project, region: us-east5}")
        + backend("azure", "{name: AzureOpenAI, version: 2024-10-21}", "")
        + route("vertex", "claude", "azure"));
    GatewayConfig config = ConfigParser.parse(t.gatewayConfigYaml());
    assertThat(config.backend("vertex").orElseThrow().provider().asMap())
        .isEqualTo(Map.of("project", "my-project", "region", "us-central1"));
    assertThat(config.backend("claude").orElseThrow().provider().asMap())
        .isEqualTo(Map.of("project", "my-project", "region", "us-east5"));
    GatewayConfig.Backend azure = config.backend("azure").orElseThrow();
    assertThat(azure.schemaVersion()).isEqualTo("2024-10-21");
    assertThat(azure.provider().asMap()).isEmpty();
  }

  @Test
  void theSchemaPluginsJudgeProviderSettingsAndVersionsAtTheResourcesFields() {
    assertThat(problems(backend("a-vertex", "{name: GCPVertexAI}", "provider: {project: my-project, zone: x}")
        + backend("b-claude", "{name: GCPAnthropic}", "provider: {region: us-east5}")
        + backend("c-azure", "{name: AzureOpenAI}", "")
        + backend("d-vertex", "{name: GCPVertexAI, version: \"v1 beta\"}", "provider: {project: p, region: r}")
        + backend("e-typo", "{name: OpenAl}", "")
        + route("a-vertex")))
        .extracting(Problem::toString).containsExactly(
            "all.yaml (document 1) (AIServiceBackend a-vertex): spec.provider.zone: unknown field; expected one of"
                + " [project, region]",
            "all.yaml (document 2) (AIServiceBackend b-claude): spec.provider.project: is required",
            "all.yaml (document 3) (AIServiceBackend c-azure): spec.schema.version: is required for schema AzureOpenAI:"
                + " it is the api-version, e.g. 2024-10-21",
            "all.yaml (document 4) (AIServiceBackend d-vertex): spec.schema.version: 'v1 beta' is not a Vertex AI API"
                + " version such as v1",
            "all.yaml (document 5) (AIServiceBackend e-typo): spec.schema.name: no installed plugin provides schema"
                + " 'OpenAl'; installed: [AWSAnthropic, AWSBedrock, Acme, Anthropic, AzureOpenAI, GCPAnthropic,"
                + " GCPVertexAI, OpenAI]");
  }

  /** AcmeTranslator, on the test class path, stands for a schema of a third-party plugin. */
  @Test
  void aThirdPartySchemaWorksFromResourcesAndItsOwnRulesApply() throws Exception {
    Translation t = translate(backend("acme", "{name: Acme, version: \"2\"}", "provider: {tenant: blue}")
        + route("acme"));
    GatewayConfig.Backend acme = ConfigParser.parse(t.gatewayConfigYaml()).backend("acme").orElseThrow();
    assertThat(acme.schema()).isEqualTo("Acme");
    assertThat(acme.schemaVersion()).isEqualTo("2");
    assertThat(acme.provider().asMap()).isEqualTo(Map.of("tenant", "blue"));
    assertThat(t.warnings()).isEmpty();

    assertThat(problems(backend("acme", "{name: Acme}", "provider: {tenant: Blue-1}") + route("acme")))
        .extracting(Problem::toString).containsExactly(
            "all.yaml (document 1) (AIServiceBackend acme): spec.provider.tenant: 'Blue-1' is not an Acme tenant");
  }

  @Test
  void awsRoutesSendTheHostTheSignerSigns() throws Exception {
    String policies = """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: aws}
        spec: {type: AWSCredentials, awsCredentials: {region: eu-west-3, fromEnvironment: true}}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: aws-vpce}
        spec:
          type: AWSCredentials
          awsCredentials: {region: eu-west-3, host: vpce-1.bedrock-runtime.eu-west-3.vpce.amazonaws.com, fromEnvironment: true}
        ---
        """;
    Translation t = translate(policies
        + """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: bedrock}
        spec:
          schema: {name: AWSBedrock}
          endpoint: {host: bedrock-runtime.eu-west-3.amazonaws.com}
          backendSecurityPolicyRef: {name: aws}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: claude}
        spec:
          schema: {name: AWSAnthropic}
          endpoint: {host: 127.0.0.1, port: 9000, tls: false}
          backendSecurityPolicyRef: {name: aws}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: private}
        spec:
          schema: {name: AWSBedrock}
          endpoint: {host: vpce-1.bedrock-runtime.eu-west-3.vpce.amazonaws.com}
          backendSecurityPolicyRef: {name: aws-vpce}
        ---
        """
        + backend("openai", "{name: OpenAI}", "")
        + route("bedrock", "claude", "private", "openai"));
    Map<String, Route> routes = routes(t);
    GatewayConfig config = ConfigParser.parse(t.gatewayConfigYaml());
    for (String aws : List.of("bedrock", "claude", "private")) {
      String signed = config.backend(aws).orElseThrow().auth().orElseThrow().settings().string("host");
      assertThat(routes.get(aws).getRoute().getHostRewriteLiteral()).as(aws).isEqualTo(signed);
    }
    assertThat(routes.get("bedrock").getRoute().getHostRewriteLiteral()).isEqualTo("bedrock-runtime.eu-west-3.amazonaws.com");
    // a local stand-in for Bedrock: Envoy connects to it but still sends the signed AWS host, and says so
    assertThat(routes.get("claude").getRoute().getHostRewriteLiteral()).isEqualTo("bedrock-runtime.eu-west-3.amazonaws.com");
    assertThat(t.envoy().clusters()).filteredOn(c -> c.getName().equals("tollgate-backend-claude")).singleElement()
        .satisfies(c -> assertThat(c.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
            .getSocketAddress().getAddress()).isEqualTo("127.0.0.1"));
    assertThat(t.warnings()).singleElement().asString()
        .contains("AIServiceBackend claude", "connects to 127.0.0.1 but sends Host bedrock-runtime.eu-west-3.amazonaws.com");
    assertThat(routes.get("private").getRoute().getHostRewriteLiteral())
        .isEqualTo("vpce-1.bedrock-runtime.eu-west-3.vpce.amazonaws.com");
    assertThat(routes.get("openai").getRoute().getHostRewriteLiteral()).isEqualTo("api.example.com");
  }
}
