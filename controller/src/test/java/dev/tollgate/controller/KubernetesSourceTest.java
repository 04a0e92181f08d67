package dev.tollgate.controller;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tollgate.controller.envoy.EnvoyYaml;
import dev.tollgate.controller.resource.ResourceKind;
import dev.tollgate.controller.sink.KubernetesConfigSink;
import dev.tollgate.controller.source.KubernetesSource;
import dev.tollgate.controller.translate.GatewaySettings;
import dev.tollgate.controller.translate.Translator;
import dev.tollgate.core.config.ConfigParser;
import dev.tollgate.core.config.GatewayConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Informers against fabric8's mock API server in CRUD mode: create, update, delete. */
@EnableKubernetesMockClient(crud = true)
class KubernetesSourceTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String NS = "ai";
  private static final String OUT = "tollgate-gateway-config";
  KubernetesClient client;

  private GenericKubernetesResource resource(ResourceKind kind, String name, Map<String, Object> spec) {
    GenericKubernetesResource r = new GenericKubernetesResource();
    r.setApiVersion(ResourceKind.API_VERSION);
    r.setKind(kind.kind());
    r.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    r.setAdditionalProperty("spec", spec);
    return r;
  }

  /** Creates every document of an example file as a Kubernetes object. */
  @SuppressWarnings("unchecked")
  private void createExample(String file) throws Exception {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    try (var it = yaml.readerFor(Map.class).readValues(Files.readString(Path.of("src/main/examples", file)))) {
      while (it.hasNextValue()) {
        Map<String, Object> doc = (Map<String, Object>) it.nextValue();
        ResourceKind kind = ResourceKind.byKind((String) doc.get("kind"));
        String name = (String) ((Map<String, Object>) doc.get("metadata")).get("name");
        create(resource(kind, name, (Map<String, Object>) doc.get("spec")));
      }
    }
  }

  private void create(GenericKubernetesResource r) {
    ResourceKind kind = ResourceKind.byKind(r.getKind());
    client.genericKubernetesResources(KubernetesSource.context(kind)).inNamespace(NS).resource(r).create();
  }

  private String configMapConfig() {
    ConfigMap cm = client.configMaps().inNamespace(NS).withName(OUT).get();
    return cm == null ? null : cm.getData().get(KubernetesConfigSink.CONFIG_KEY);
  }

  private String secretConfig() {
    Secret s = client.secrets().inNamespace(NS).withName(OUT).get();
    return s == null ? null
        : new String(Base64.getDecoder().decode(s.getData().get(KubernetesConfigSink.CONFIG_KEY)), StandardCharsets.UTF_8);
  }

  @Test
  void resourcesBecomeConfigMapsAndSecrets() throws Exception {
    // the examples' backends take their keys from Secrets; here they start without, so the config is a ConfigMap
    create(resource(ResourceKind.AI_SERVICE_BACKEND, "openai", Map.of("schema", Map.of("name", "OpenAI"),
        "endpoint", Map.of("host", "api.openai.com"), "backendSecurityPolicyRef", Map.of("name", "openai-key"))));
    create(resource(ResourceKind.BACKEND_SECURITY_POLICY, "openai-key",
        Map.of("type", "APIKey", "apiKey", Map.of("env", "OPENAI_API_KEY"))));
    create(resource(ResourceKind.AI_SERVICE_BACKEND, "bedrock", Map.of("schema", Map.of("name", "AWSBedrock"),
        "endpoint", Map.of("host", "bedrock-runtime.us-east-1.amazonaws.com"),
        "backendSecurityPolicyRef", Map.of("name", "bedrock-aws"))));
    create(resource(ResourceKind.BACKEND_SECURITY_POLICY, "bedrock-aws",
        Map.of("type", "AWSCredentials", "awsCredentials", Map.of("region", "us-east-1", "fromEnvironment", true))));
    createExample("route.yaml");
    Controller controller = new Controller(new Translator(GatewaySettings.defaults(), TestPlugins.registry()),
        List.of(new KubernetesConfigSink(client, NS, OUT)));
    try (KubernetesSource source = new KubernetesSource(client, NS, controller, Set.of(OUT)).start()) {
      TestFiles.await(WAIT, () -> configMapConfig() != null, "the gateway config ConfigMap");
      GatewayConfig first = ConfigParser.parse(configMapConfig());
      assertThat(first.backends()).extracting(GatewayConfig.Backend::name).containsExactly("bedrock", "openai");
      TestFiles.await(WAIT, () -> client.configMaps().inNamespace(NS).withName(OUT + "-envoy").get() != null,
          "the Envoy bootstrap ConfigMap");
      String envoy = client.configMaps().inNamespace(NS).withName(OUT + "-envoy").get().getData().get(KubernetesConfigSink.ENVOY_KEY);
      assertThat(EnvoyYaml.parseBootstrap(envoy).getStaticResources().getClustersList())
          .extracting(c -> c.getName()).contains("tollgate-backend-openai", "tollgate-backend-bedrock");

      // update: the OpenAI key now comes from a Secret, so the config moves into a Secret
      client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("openai").withNamespace(NS)
          .endMetadata().addToData("apiKey", Base64.getEncoder().encodeToString("sk-from-k8s".getBytes(StandardCharsets.UTF_8)))
          .build()).create();
      GenericKubernetesResource policy = client.genericKubernetesResources(KubernetesSource.context(ResourceKind.BACKEND_SECURITY_POLICY))
          .inNamespace(NS).withName("openai-key").get();
      Map<String, Object> spec = new LinkedHashMap<>();
      spec.put("type", "APIKey");
      spec.put("apiKey", Map.of("secretRef", Map.of("name", "openai")));
      policy.setAdditionalProperty("spec", spec);
      client.genericKubernetesResources(KubernetesSource.context(ResourceKind.BACKEND_SECURITY_POLICY))
          .inNamespace(NS).resource(policy).update();
      TestFiles.await(WAIT, () -> secretConfig() != null, "the gateway config Secret");
      GatewayConfig withSecret = ConfigParser.parse(secretConfig());
      assertThat(withSecret.backend("openai").orElseThrow().auth().orElseThrow().settings().string("key")).isEqualTo("sk-from-k8s");
      TestFiles.await(WAIT, () -> configMapConfig() == null, "the ConfigMap to go (the config holds a secret now)");

      // an invalid object: reported with its kind, namespace, name and field; the Secret stays as it was
      String good = secretConfig();
      long rejected = controller.rejectedCount();
      create(resource(ResourceKind.AI_GATEWAY_ROUTE, "broken", Map.of("rules", List.of(Map.of("backendRefs",
          List.of(Map.of("name", "openai", "weight", -1)))))));
      TestFiles.await(WAIT, () -> controller.rejectedCount() > rejected, "the rejection");
      assertThat(controller.lastProblems()).extracting(Object::toString).containsExactly(
          "AIGatewayRoute ai/broken: spec.rules[0].backendRefs[0].weight: must be between 0 and 1000000");
      assertThat(secretConfig()).isEqualTo(good);

      // delete: the broken route and the Bedrock backend (and the rule that used it) go
      client.genericKubernetesResources(KubernetesSource.context(ResourceKind.AI_GATEWAY_ROUTE)).inNamespace(NS)
          .withName("broken").delete();
      GenericKubernetesResource route = client.genericKubernetesResources(KubernetesSource.context(ResourceKind.AI_GATEWAY_ROUTE))
          .inNamespace(NS).withName("chat").get();
      @SuppressWarnings("unchecked")
      Map<String, Object> routeSpec = new LinkedHashMap<>((Map<String, Object>) route.getAdditionalProperties().get("spec"));
      routeSpec.put("rules", List.of(((List<?>) routeSpec.get("rules")).get(0)));
      route.setAdditionalProperty("spec", routeSpec);
      client.genericKubernetesResources(KubernetesSource.context(ResourceKind.AI_GATEWAY_ROUTE)).inNamespace(NS)
          .resource(route).update();
      client.genericKubernetesResources(KubernetesSource.context(ResourceKind.AI_SERVICE_BACKEND)).inNamespace(NS)
          .withName("bedrock").delete();
      client.genericKubernetesResources(KubernetesSource.context(ResourceKind.BACKEND_SECURITY_POLICY)).inNamespace(NS)
          .withName("bedrock-aws").delete();
      TestFiles.await(WAIT, () -> {
        String c = secretConfig();
        return c != null && !c.contains("bedrock");
      }, "the Bedrock backend to go");
      assertThat(ConfigParser.parse(secretConfig()).backends()).extracting(GatewayConfig.Backend::name).containsExactly("openai");
      TestFiles.await(WAIT, () -> !client.configMaps().inNamespace(NS).withName(OUT + "-envoy").get().getData()
          .get(KubernetesConfigSink.ENVOY_KEY).contains("bedrock"), "the Bedrock cluster to go");
    }
  }
}
