package dev.tollgate.controller.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.controller.envoy.EnvoySettings;
import dev.tollgate.controller.translate.GatewaySettings;
import dev.tollgate.controller.translate.Translation;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code tollgate up} serves from the environment, translated as the controller does. */
class StarterResourcesTest {
  @TempDir
  Path dir;

  private Translation translate(String resources) throws Exception {
    Files.writeString(dir.resolve("up.yaml"), resources);
    return dev.tollgate.controller.TestPlugins.translate(GatewaySettings.defaults().withEnvoy(EnvoySettings.defaults()
        .withExtproc("unix:/tmp/tollgate.sock", 0)), dir);
  }

  @Test
  void nothingInTheEnvironmentIsNothingToServe() {
    assertThat(StarterResources.fromEnvironment(Map.of("HOME", "/root"))).isEmpty();
  }

  @Test
  void eachProviderKeyBecomesABackendAndModelsGoByName() throws Exception {
    String resources = StarterResources.fromEnvironment(Map.of("OPENAI_API_KEY", "sk-1", "ANTHROPIC_API_KEY", "ak-1",
        "AWS_ACCESS_KEY_ID", "AKID", "AWS_REGION", "eu-west-1")).orElseThrow();
    Translation t = translate(resources);

    String config = t.gatewayConfigYaml();
    assertThat(config).contains("name: openai").contains("name: anthropic").contains("name: bedrock");
    // the keys are read from the environment by the server, never written into the config
    assertThat(config).contains("env: OPENAI_API_KEY").contains("env: ANTHROPIC_API_KEY").doesNotContain("sk-1")
        .doesNotContain("ak-1");
    assertThat(config).contains("header: x-api-key");
    assertThat(config.indexOf("value: claude-.+")).as("claude-* is matched before the catch-all")
        .isLessThan(config.indexOf("value: .+\n"));
    String bootstrap = t.envoyBootstrapYaml();
    assertThat(bootstrap).contains("address: api.openai.com").contains("address: api.anthropic.com")
        .contains("address: bedrock-runtime.eu-west-1.amazonaws.com").contains("path: /tmp/tollgate.sock");
  }

  @Test
  void aLocalOpenAiCompatibleServerNeedsNoKey() throws Exception {
    Translation t = translate(StarterResources.fromEnvironment(Map.of("OPENAI_BASE_URL", "http://localhost:11434/v1"))
        .orElseThrow());

    assertThat(t.gatewayConfigYaml()).doesNotContain("auth:");
    Cluster openai = cluster(t, "tollgate-backend-openai");
    assertThat(openai.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
        .getSocketAddress().getPortValue()).isEqualTo(11434);
    assertThat(openai.hasTransportSocket()).as("http: no TLS").isFalse();
  }

  @Test
  void aBaseUrlTollgateCannotServeIsRefusedNamingTheVariable() {
    assertThatThrownBy(() -> StarterResources.fromEnvironment(Map.of("OPENAI_BASE_URL", "localhost:11434")))
        .hasMessageContaining("OPENAI_BASE_URL").hasMessageContaining("http");
    assertThatThrownBy(() -> StarterResources.fromEnvironment(Map.of("OPENAI_BASE_URL", "http://h/api/openai")))
        .hasMessageContaining("/v1");
  }

  @Test
  void theOnlyProviderTakesEveryModel() throws Exception {
    Translation t = translate(StarterResources.fromEnvironment(Map.of("ANTHROPIC_API_KEY", "ak")).orElseThrow());
    assertThat(t.gatewayConfigYaml()).contains("value: .+").doesNotContain("claude-");
  }

  @Test
  void theMockIsAPlainHttpBackendOnLoopback() throws Exception {
    Translation t = translate(StarterResources.mock(40123));
    Cluster mock = cluster(t, "tollgate-backend-mock");
    assertThat(mock.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
        .getSocketAddress().getAddress()).isEqualTo("127.0.0.1");
    assertThat(mock.hasTransportSocket()).isFalse();
  }

  private static Cluster cluster(Translation t, String name) {
    return t.envoy().bootstrap().getStaticResources().getClustersList().stream()
        .filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
  }
}
