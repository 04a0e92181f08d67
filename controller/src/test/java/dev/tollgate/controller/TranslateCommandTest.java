package dev.tollgate.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.controller.envoy.EnvoyConfigBuilder;
import dev.tollgate.controller.envoy.EnvoyYaml;
import dev.tollgate.core.config.GatewayConfig;
import dev.tollgate.core.config.ConfigParser;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tollgate translate DIR}: gateway config accepted by ConfigParser, bootstrap parsed by Envoy's protos. */
class TranslateCommandTest {
  record Run(int exit, String out, String err) {
  }

  /** An empty plugins folder: the plugins come from the test class path (TestPlugins). */
  static final Path NO_PLUGIN_JARS = emptyFolder();

  private static Path emptyFolder() {
    try {
      return Files.createTempDirectory("tollgate-no-plugins");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Runs the CLI; {@code translate} gets {@code --plugins} with an empty folder. */
  static Run run(String... args) {
    if (args.length > 0 && args[0].equals("translate") && !List.of(args).contains("--plugins")) {
      List<String> all = new java.util.ArrayList<>(List.of(args));
      all.addAll(List.of("--plugins", NO_PLUGIN_JARS.toString()));
      args = all.toArray(String[]::new);
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = ControllerMain.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void examplesTranslateToAGatewayConfigAndABootstrap() throws Exception {
    Run run = run("translate", TestFiles.EXAMPLES.toString(), "--extproc-port", "50051");
    assertThat(run.exit()).as(run.err()).isZero();
    String[] parts = run.out().split("(?m)^---$\n", 2);
    assertThat(parts).hasSize(2);

    GatewayConfig config = ConfigParser.parse(parts[0]);
    assertThat(config.selectedBackendHeader()).isEqualTo("x-ai-eg-selected-backend");
    assertThat(config.rules()).extracting(GatewayConfig.Rule::name)
        .containsExactly("openai", "bedrock-claude", "openai-reasoning");
    assertThat(config.rules().get(0).name()).isEqualTo("openai");
    assertThat(config.rules().get(0).matches().get(0).header()).isEqualTo("x-ai-eg-model");
    assertThat(config.rules().get(0).matches().get(0).matches("gpt-4o-mini")).isTrue();
    assertThat(config.rules().get(1).matches().get(0).matches("anthropic.claude-3-haiku")).isTrue();
    assertThat(config.rules().get(1).backends()).containsExactly(new GatewayConfig.WeightedBackend("bedrock", 1));
    GatewayConfig.Backend openai = config.backend("openai").orElseThrow();
    assertThat(openai.schema()).isEqualTo("OpenAI");
    assertThat(openai.auth().orElseThrow().type()).isEqualTo("APIKey");
    assertThat(openai.auth().orElseThrow().settings().string("key")).as("the Secret of secrets.yaml")
        .isEqualTo("sk-replace-with-your-openai-key");
    GatewayConfig.Backend bedrock = config.backend("bedrock").orElseThrow();
    assertThat(bedrock.schema()).isEqualTo("AWSBedrock");
    assertThat(bedrock.provider().asMap()).as("the region is the auth block's").isEmpty();
    assertThat(bedrock.auth().orElseThrow().type()).isEqualTo("AWSCredentials");
    assertThat(bedrock.auth().orElseThrow().settings().string("region")).isEqualTo("us-east-1");
    assertThat(bedrock.auth().orElseThrow().settings().string("host")).isEqualTo("bedrock-runtime.us-east-1.amazonaws.com");
    assertThat(bedrock.auth().orElseThrow().settings().string("accessKeyId")).as("the Secret of secrets.yaml")
        .isEqualTo("AKIAREPLACEWITHYOURS");
    assertThat(config.costs()).extracting(GatewayConfig.CostSpec::metadataKey).containsExactly("llm_total_token");
    assertThat(config.rules().get(0).costs()).extracting(GatewayConfig.CostSpec::metadataKey)
        .containsExactly("llm_input_token", "llm_output_token");
    assertThat(config.rules().get(2).costs()).extracting(GatewayConfig.CostSpec::metadataKey)
        .containsExactly("llm_reasoning_token", "llm_weighted_cost");
    assertThat(config.policies()).extracting(GatewayConfig.Policy::name).containsExactly("house-rules");

    Bootstrap bootstrap = EnvoyYaml.parseBootstrap(parts[1]);
    Listener listener = bootstrap.getStaticResources().getListeners(0);
    assertThat(listener.getAddress().getSocketAddress().getPortValue()).isEqualTo(1975);
    HttpConnectionManager hcm = listener.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
    assertThat(hcm.getHttpFiltersList()).extracting(f -> f.getName())
        .containsExactly("envoy.filters.http.ext_proc", "envoy.filters.http.router");
    ExternalProcessor extProc = hcm.getHttpFilters(0).getTypedConfig().unpack(ExternalProcessor.class);
    assertThat(extProc.getGrpcService().getEnvoyGrpc().getClusterName()).isEqualTo(EnvoyConfigBuilder.EXTPROC_CLUSTER);
    assertThat(extProc.getProcessingMode().getRequestBodyMode()).isEqualTo(ProcessingMode.BodySendMode.BUFFERED);
    assertThat(extProc.getProcessingMode().getResponseHeaderMode()).isEqualTo(ProcessingMode.HeaderSendMode.SEND);
    assertThat(extProc.getAllowModeOverride()).isTrue();
    assertThat(extProc.getMutationRules().getAllowAllRouting().getValue()).isTrue();
    assertThat(extProc.getMessageTimeout().getSeconds()).isEqualTo(30);
    assertThat(extProc.getMetadataOptions().getReceivingNamespaces().getUntypedList()).containsExactly("io.envoy.ai_gateway");

    Map<String, Route> routes = hcm.getRouteConfig().getVirtualHosts(0).getRoutesList().stream()
        .collect(Collectors.toMap(Route::getName, r -> r));
    assertThat(routes).containsOnlyKeys("openai", "bedrock");
    Route openaiRoute = routes.get("openai");
    assertThat(openaiRoute.getMatch().getHeaders(0).getName()).isEqualTo("x-ai-eg-selected-backend");
    assertThat(openaiRoute.getMatch().getHeaders(0).getStringMatch().getExact()).isEqualTo("openai");
    assertThat(openaiRoute.getRoute().getCluster()).isEqualTo("tollgate-backend-openai");
    assertThat(openaiRoute.getRoute().getHostRewriteLiteral()).isEqualTo("api.openai.com");
    assertThat(routes.get("bedrock").getRoute().getHostRewriteLiteral())
        .as("the host SigV4 signs").isEqualTo("bedrock-runtime.us-east-1.amazonaws.com");

    Map<String, Cluster> clusters = bootstrap.getStaticResources().getClustersList().stream()
        .collect(Collectors.toMap(Cluster::getName, c -> c));
    assertThat(clusters).containsOnlyKeys("tollgate-extproc", "tollgate-backend-openai", "tollgate-backend-bedrock");
    Cluster extprocCluster = clusters.get("tollgate-extproc");
    assertThat(extprocCluster.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
        .getSocketAddress().getPortValue()).isEqualTo(50051);
    assertThat(extprocCluster.getTypedExtensionProtocolOptionsOrThrow("envoy.extensions.upstreams.http.v3.HttpProtocolOptions")
        .unpack(HttpProtocolOptions.class).getExplicitHttpConfig().hasHttp2ProtocolOptions()).isTrue();
    Cluster bedrockCluster = clusters.get("tollgate-backend-bedrock");
    assertThat(bedrockCluster.getType()).isEqualTo(Cluster.DiscoveryType.LOGICAL_DNS);
    assertThat(bedrockCluster.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
        .getSocketAddress().getAddress()).isEqualTo("bedrock-runtime.us-east-1.amazonaws.com");
    assertThat(bedrockCluster.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class).getSni())
        .isEqualTo("bedrock-runtime.us-east-1.amazonaws.com");
  }

  @Test
  void translationIsDeterministic() {
    Run a = run("translate", TestFiles.EXAMPLES.toString());
    Run b = run("translate", TestFiles.EXAMPLES.toString());
    assertThat(a.out()).isEqualTo(b.out());
    assertThat(a.out()).startsWith("uuid: ");
  }

  @Test
  void invalidResourcesExitWith2AndFileFieldMessage(@TempDir Path dir) throws Exception {
    TestFiles.copyExamples(dir);
    Files.writeString(dir.resolve("openai.yaml"),
        Files.readString(dir.resolve("openai.yaml")).replace("port: 443", "port: 0"));
    Run run = run("translate", dir.toString());
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.out()).isEmpty();
    assertThat(run.err().strip()).isEqualTo(
        "openai.yaml (document 1) (AIServiceBackend openai): spec.endpoint.port: must be between 1 and 65535");
  }

  @Test
  void missingDirectoryExitsWith2(@TempDir Path dir) {
    Run run = run("translate", dir.resolve("nope").toString());
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("is not a directory");
  }

  @Test
  void controllerNeedsAnOutputAndOneSource(@TempDir Path dir) {
    Run nothing = run("controller", "--resources", dir.toString());
    assertThat(nothing.exit()).isEqualTo(2);
    assertThat(nothing.err()).contains("nothing to write");
    Run both = run("controller", "--resources", dir.toString(), "--kubernetes");
    assertThat(both.exit()).isEqualTo(2);
    assertThat(both.err()).contains("mutually exclusive");
  }

  @Test
  void crdsArePrinted() {
    Run run = run("crds");
    assertThat(run.exit()).isZero();
    assertThat(run.out()).contains("kind: \"AIGatewayRoute\"", "kind: \"AIServiceBackend\"",
        "kind: \"BackendSecurityPolicy\"", "kind: \"PromptPolicy\"", "kind: \"Consumer\"", "kind: \"TokenBudget\"",
        "kind: \"PriceTable\"", "group: \"aigateway.tollgate.dev\"");
    // kubectl reads YAML 1.1, where a bare on: key is the boolean true; SnakeYAML does the same
    Map<?, ?> guardProperties = null;
    for (Object doc : new org.yaml.snakeyaml.Yaml().loadAll(run.out())) {
      Map<?, ?> crd = (Map<?, ?>) doc;
      if ("PromptPolicy".equals(path(crd, "spec", "names", "kind"))) {
        Map<?, ?> version = (Map<?, ?>) ((java.util.List<?>) path(crd, "spec", "versions")).get(0);
        guardProperties = (Map<?, ?>) path(version, "schema", "openAPIV3Schema", "properties", "spec", "properties",
            "guards", "items", "properties");
      }
    }
    assertThat(guardProperties).isNotNull();
    assertThat(new java.util.ArrayList<Object>(guardProperties.keySet())).contains("on", "type", "regex").doesNotContain(true);
    Map<?, ?> streamWindow = (Map<?, ?>) path(guardProperties, "regex", "properties", "streamWindow");
    assertThat(streamWindow.get("type")).isEqualTo("integer");
    assertThat((String) streamWindow.get("description")).contains("streamed answer", "default 256");
  }

  /** Through the command, as an operator runs it: the plugins judge, the message names what the author wrote. */
  @Test
  void aThirdPartySchemaTranslatesAndACelTypoFailsAtTheRoutesField(@TempDir Path dir) throws Exception {
    TestFiles.copyExamples(dir);
    Files.writeString(dir.resolve("acme.yaml"), """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: acme}
        spec:
          schema: {name: Acme}
          provider: {tenant: blue}
          endpoint: {host: api.acme.example}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: acme}
        spec:
          rules: [{name: acme, model: acme-1, backendRefs: [{name: acme}]}]
          llmRequestCosts:
            - {metadataKey: acme_cost, type: CEL, settings: {expression: "input_tokens + 2 * output_token"}}
        """);
    Run typo = run("translate", dir.toString());
    assertThat(typo.exit()).isEqualTo(2);
    assertThat(typo.out()).isEmpty();
    assertThat(typo.err().strip()).startsWith("acme.yaml (document 2) (AIGatewayRoute acme): spec.llmRequestCosts[0]"
        + ".settings.expression: is not a valid CEL expression: ").contains("output_token").doesNotContain("\tat ");

    Files.writeString(dir.resolve("acme.yaml"), Files.readString(dir.resolve("acme.yaml"))
        .replace("output_token\"", "output_tokens\""));
    Run fixed = run("translate", dir.toString());
    assertThat(fixed.exit()).as(fixed.err()).isZero();
    GatewayConfig config = ConfigParser.parse(fixed.out().split("(?m)^---$\n", 2)[0]);
    assertThat(config.backend("acme").orElseThrow().schema()).isEqualTo("Acme");
    assertThat(config.rules()).filteredOn(r -> r.name().equals("acme")).singleElement()
        .satisfies(r -> assertThat(r.costs()).extracting(GatewayConfig.CostSpec::type).containsExactly("CEL"));
  }

  @Test
  void aMissingPluginsFolderIsOneLine(@TempDir Path dir) {
    Run run = run("translate", TestFiles.EXAMPLES.toString(), "--plugins", dir + ":" + dir.resolve("nope"));
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err().strip()).isEqualTo("tollgate: the plugins directory " + dir.resolve("nope") + " does not"
        + " exist (--plugins DIR[:DIR...], default $TOLLGATE_HOME/plugins); the resources are checked by the plugins the"
        + " gateway runs with");
  }

  @Test
  void thePluginsOfSeveralFoldersCheckTheResources(@TempDir Path dir) throws Exception {
    Path empty = java.nio.file.Files.createDirectories(dir.resolve("empty"));
    Run run = run("translate", TestFiles.EXAMPLES.toString(), "--plugins", empty + ":" + NO_PLUGIN_JARS);
    assertThat(run.exit()).as(run.err()).isZero();
  }

  private static Object path(Map<?, ?> map, String... keys) {
    Object current = map;
    for (String k : keys) {
      current = ((Map<?, ?>) current).get(k);
    }
    return current;
  }
}
