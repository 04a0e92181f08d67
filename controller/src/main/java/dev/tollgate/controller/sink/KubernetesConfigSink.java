package dev.tollgate.controller.sink;

import dev.tollgate.controller.translate.Translation;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * Writes the gateway config into the ConfigMap {@code name} (key {@value #CONFIG_KEY}), or into
 * the Secret {@code name} when it holds inlined secret values (and then removes the ConfigMap,
 * and the other way round), and the Envoy bootstrap into the ConfigMap {@code name-envoy} (key
 * {@value #ENVOY_KEY}), and the rate-limit service's configuration into the ConfigMap
 * {@code name-ratelimit} (key {@value #RATELIMIT_KEY}; with no descriptors while there is no
 * TokenBudget). With {@code alwaysSecret} the gateway config is always the Secret. Mount the one that exists into extproc-server; its file watcher follows
 * Kubernetes' symlink swaps. Mount {@code name-ratelimit} as the rate-limit service's config directory.
 */
public final class KubernetesConfigSink implements ConfigSink {
  public static final String CONFIG_KEY = "config.yaml";
  public static final String ENVOY_KEY = "envoy.yaml";
  public static final String RATELIMIT_KEY = "tollgate.yaml";
  private static final Map<String, String> LABELS = Map.of("app.kubernetes.io/managed-by", "tollgate-controller");

  private final KubernetesClient client;
  private final String namespace;
  private final String name;
  private final boolean alwaysSecret;

  public KubernetesConfigSink(KubernetesClient client, String namespace, String name) {
    this(client, namespace, name, false);
  }

  /**
   * @param alwaysSecret the gateway config always goes into the Secret {@code name}, never a ConfigMap,
   *                     so that pods mount one object whatever the resources hold
   */
  public KubernetesConfigSink(KubernetesClient client, String namespace, String name, boolean alwaysSecret) {
    this.client = client;
    this.namespace = namespace;
    this.name = name;
    this.alwaysSecret = alwaysSecret;
  }

  /** The name of the ConfigMap or Secret holding the gateway config. */
  public String name() {
    return name;
  }

  /** The name of the ConfigMap holding the Envoy bootstrap. */
  public String envoyName() {
    return name + "-envoy";
  }

  /** The name of the ConfigMap holding the rate-limit service's configuration. */
  public String rateLimitName() {
    return name + "-ratelimit";
  }

  @Override
  public void publish(Translation t) {
    if (alwaysSecret || t.containsSecrets()) {
      Secret secret = new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace)
          .withLabels(LABELS).addToAnnotations("tollgate.dev/config-uuid", t.uuid()).endMetadata()
          .withType("Opaque")
          .addToData(CONFIG_KEY, Base64.getEncoder().encodeToString(t.gatewayConfigYaml().getBytes(StandardCharsets.UTF_8)))
          .build();
      client.secrets().inNamespace(namespace).resource(secret).createOr(NonDeletingOperation::update);
      client.configMaps().inNamespace(namespace).withName(name).delete();
    } else {
      ConfigMap cm = configMap(name, CONFIG_KEY, t.gatewayConfigYaml(), t.uuid());
      client.configMaps().inNamespace(namespace).resource(cm).createOr(NonDeletingOperation::update);
      client.secrets().inNamespace(namespace).withName(name).delete();
    }
    client.configMaps().inNamespace(namespace).resource(configMap(envoyName(), ENVOY_KEY, t.envoyBootstrapYaml(), t.uuid()))
        .createOr(NonDeletingOperation::update);
    client.configMaps().inNamespace(namespace)
        .resource(configMap(rateLimitName(), RATELIMIT_KEY, t.rateLimitConfigYaml(), t.uuid()))
        .createOr(NonDeletingOperation::update);
  }

  private ConfigMap configMap(String cmName, String key, String value, String uuid) {
    return new ConfigMapBuilder().withNewMetadata().withName(cmName).withNamespace(namespace)
        .withLabels(LABELS).addToAnnotations("tollgate.dev/config-uuid", uuid).endMetadata()
        .addToData(key, value)
        .build();
  }

  @Override
  public String toString() {
    return "Kubernetes " + namespace + "/" + name;
  }
}
