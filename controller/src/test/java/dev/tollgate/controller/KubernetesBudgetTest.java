package dev.tollgate.controller;

import static org.assertj.core.api.Assertions.assertThat;

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
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * In Kubernetes, Consumers, TokenBudgets and PriceTables are read like the other kinds, a Consumer's
 * key from a Secret, and the rate-limit service's configuration goes to the ConfigMap
 * {@code NAME-ratelimit}, key {@code tollgate.yaml}.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesBudgetTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String NS = "ai";
  private static final String OUT = "tollgate-gateway-config";
  KubernetesClient client;

  private void create(ResourceKind kind, String name, Map<String, Object> spec) {
    GenericKubernetesResource r = new GenericKubernetesResource();
    r.setApiVersion(ResourceKind.API_VERSION);
    r.setKind(kind.kind());
    r.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    r.setAdditionalProperty("spec", spec);
    client.genericKubernetesResources(KubernetesSource.context(kind)).inNamespace(NS).resource(r).create();
  }

  private String data(String configMap, String key) {
    ConfigMap cm = client.configMaps().inNamespace(NS).withName(configMap).get();
    return cm == null ? null : cm.getData().get(key);
  }

  private String rateLimitConfig() {
    return data(OUT + "-ratelimit", KubernetesConfigSink.RATELIMIT_KEY);
  }

  @Test
  void budgetsGoToTheRateLimitConfigMapAndTheSecretsKeyOnlyAsItsHash() throws Exception {
    client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("client-keys")
        .withNamespace(NS).endMetadata().addToData("key", Base64.getEncoder().encodeToString(
            (BudgetFixtures.RESEARCH_KEY + "\n").getBytes(StandardCharsets.UTF_8))).build()).create();
    create(ResourceKind.AI_SERVICE_BACKEND, "openai", Map.of("schema", Map.of("name", "OpenAI"),
        "endpoint", Map.of("host", "api.openai.com")));
    create(ResourceKind.AI_GATEWAY_ROUTE, "chat", Map.of("rules", List.of(Map.of("name", "all",
        "backendRefs", List.of(Map.of("name", "openai"))))));
    create(ResourceKind.CONSUMER, "research-app", Map.of("metadata", Map.of("team", "research"),
        "keys", List.of(Map.of("secretRef", Map.of("name", "client-keys")))));
    create(ResourceKind.TOKEN_BUDGET, "team-daily", Map.of("per", "team",
        "limit", Map.of("tokens", 1_000_000, "unit", "Day")));

    Controller controller = new Controller(new Translator(GatewaySettings.defaults(), TestPlugins.registry()),
        List.of(new KubernetesConfigSink(client, NS, OUT)));
    try (KubernetesSource source = new KubernetesSource(client, NS, controller, Set.of(OUT)).start()) {
      TestFiles.await(WAIT, () -> rateLimitConfig() != null, "the rate-limit ConfigMap");
      Map<String, Object> root = new Yaml().load(rateLimitConfig());
      assertThat(root.get("domain")).isEqualTo("tollgate");
      assertThat(root.get("descriptors")).isEqualTo(List.of(Map.of("key", "budget", "value", "team-daily",
          "descriptors", List.of(Map.of("key", "consumer_team",
              "rate_limit", Map.of("unit", "day", "requests_per_unit", 1_000_000))))));

      String gateway = data(OUT, KubernetesConfigSink.CONFIG_KEY);
      assertThat(gateway).as("hashes are no secret: the gateway config stays a ConfigMap").isNotNull();
      GatewayConfig config = ConfigParser.parse(gateway);
      assertThat(config.consumers()).hasSize(1);
      assertThat(config.consumers().get(0).keys().get(0).sha256()).as("the Secret's key, its newline trimmed")
          .isEqualTo(BudgetFixtures.sha256(BudgetFixtures.RESEARCH_KEY));
      assertThat(config.costs()).extracting(GatewayConfig.CostSpec::metadataKey)
          .containsExactly("tollgate_budget_team-daily");
      assertThat(data(OUT + "-envoy", KubernetesConfigSink.ENVOY_KEY))
          .contains("envoy.filters.http.ratelimit", "tollgate-ratelimit");

      // a changed limit reaches the service, though nothing else changes
      GenericKubernetesResource budget = client.genericKubernetesResources(
          KubernetesSource.context(ResourceKind.TOKEN_BUDGET)).inNamespace(NS).withName("team-daily").get();
      Map<String, Object> spec = new LinkedHashMap<>();
      spec.put("per", "team");
      spec.put("limit", Map.of("tokens", 2_000, "unit", "Minute"));
      budget.setAdditionalProperty("spec", spec);
      client.genericKubernetesResources(KubernetesSource.context(ResourceKind.TOKEN_BUDGET)).inNamespace(NS)
          .resource(budget).update();
      TestFiles.await(WAIT, () -> rateLimitConfig().contains("requests_per_unit: 2000\n"), "the new limit");
      assertThat(rateLimitConfig()).contains("unit: minute");

      // nothing the controller wrote holds the plain key
      for (ConfigMap cm : client.configMaps().inNamespace(NS).list().getItems()) {
        assertThat(cm.getData().toString()).as(cm.getMetadata().getName()).doesNotContain(BudgetFixtures.RESEARCH_KEY);
      }
      assertThat(client.secrets().inNamespace(NS).list().getItems()).extracting(s -> s.getMetadata().getName())
          .containsExactly("client-keys");

      // the budget goes: the service's domain has no descriptors any more, Envoy no filter
      client.genericKubernetesResources(KubernetesSource.context(ResourceKind.TOKEN_BUDGET)).inNamespace(NS)
          .withName("team-daily").delete();
      TestFiles.await(WAIT, () -> rateLimitConfig().equals("domain: tollgate\ndescriptors: []\n"),
          "the budget to go");
      TestFiles.await(WAIT, () -> !data(OUT + "-envoy", KubernetesConfigSink.ENVOY_KEY).contains("ratelimit"),
          "the rate-limit filter to go");
    }
  }
}
