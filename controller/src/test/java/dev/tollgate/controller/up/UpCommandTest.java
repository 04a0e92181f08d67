package dev.tollgate.controller.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.controller.envoy.EnvoySettings;
import dev.tollgate.controller.envoy.EnvoyYaml;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tollgate up --config FILE}: the bootstrap for a hand-written gateway config. */
class UpCommandTest {
  @TempDir
  Path dir;

  @Test
  void openAiAndAnthropicBackendsGetTheirPublicHostsWithVerifiedTls() throws Exception {
    Path config = Files.writeString(dir.resolve("gateway.yaml"), """
        selectedBackendHeaderKey: x-pick
        metadataNamespace: my.costs
        backends:
          - name: gpt
            schema: {name: OpenAI}
          - name: claude
            schema: {name: Anthropic}
        """);
    Bootstrap b = EnvoyYaml.parseBootstrap(UpCommand.bootstrapFor(config, EnvoySettings.defaults()));

    Cluster gpt = b.getStaticResources().getClustersList().stream()
        .filter(c -> c.getName().equals("tollgate-backend-gpt")).findFirst().orElseThrow();
    assertThat(gpt.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress().getSocketAddress()
        .getAddress()).isEqualTo("api.openai.com");
    assertThat(gpt.hasTransportSocket()).isTrue();
    String yaml = EnvoyYaml.toYaml(b);
    assertThat(yaml).contains("address: api.anthropic.com").contains("name: x-pick").contains("- my.costs")
        .contains("exact: api.anthropic.com");
  }

  @Test
  void aBackendWithoutAWellKnownHostIsRefusedNamingIt() throws Exception {
    Path config = Files.writeString(dir.resolve("gateway.yaml"), """
        backends:
          - name: bedrock
            schema: {name: AWSBedrock}
        """);
    assertThatThrownBy(() -> UpCommand.bootstrapFor(config, EnvoySettings.defaults()))
        .hasMessageContaining("gateway.yaml").hasMessageContaining("'bedrock'").hasMessageContaining("--resources");
  }
}
