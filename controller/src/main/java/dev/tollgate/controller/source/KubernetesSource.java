package dev.tollgate.controller.source;

import dev.tollgate.controller.Controller;
import dev.tollgate.controller.resource.RawDocument;
import dev.tollgate.controller.resource.ResourceKind;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds a {@link Controller} from Kubernetes: informers on every Tollgate kind ({@link ResourceKind}) and on Secrets
 * in one namespace. Any event schedules one recomputation from the informers' caches (events
 * arriving meanwhile are coalesced). Origins are {@code Kind namespace/name}.
 */
public final class KubernetesSource implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesSource.class);

  private final KubernetesClient client;
  private final String namespace;
  private final Controller controller;
  private final Set<String> ignoredSecrets;
  private final List<SharedIndexInformer<GenericKubernetesResource>> informers = new ArrayList<>();
  private SharedIndexInformer<Secret> secretInformer;
  private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "tollgate-kubernetes-sync");
    t.setDaemon(true);
    return t;
  });
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private volatile boolean started;

  /**
   * @param ignoredSecrets Secrets never read as resources (the controller's own output)
   */
  public KubernetesSource(KubernetesClient client, String namespace, Controller controller, Set<String> ignoredSecrets) {
    this.client = client;
    this.namespace = namespace;
    this.controller = controller;
    this.ignoredSecrets = Set.copyOf(ignoredSecrets);
  }

  /** The resource definition of a Tollgate kind, for generic clients. */
  public static ResourceDefinitionContext context(ResourceKind kind) {
    return new ResourceDefinitionContext.Builder()
        .withGroup(ResourceKind.GROUP)
        .withVersion(ResourceKind.VERSION)
        .withKind(kind.kind())
        .withPlural(kind.plural())
        .withNamespaced(true)
        .build();
  }

  /** Starts the informers, waits for their first list, and computes the first configuration. */
  public KubernetesSource start() {
    for (ResourceKind kind : ResourceKind.values()) {
      informers.add(client.genericKubernetesResources(context(kind)).inNamespace(namespace).inform(handler(), 0));
    }
    secretInformer = client.secrets().inNamespace(namespace).inform(handler(), 0);
    started = true;
    schedule();
    return this;
  }

  private <T> ResourceEventHandler<T> handler() {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        schedule();
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        schedule();
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        schedule();
      }
    };
  }

  private void schedule() {
    if (!started || !scheduled.compareAndSet(false, true)) {
      return;
    }
    worker.execute(() -> {
      scheduled.set(false);
      try {
        controller.update(snapshot());
      } catch (RuntimeException e) {
        LOG.error("Kubernetes resources not processed", e);
      }
    });
  }

  /** Every resource document the informers hold now. */
  public List<RawDocument> snapshot() {
    List<RawDocument> docs = new ArrayList<>();
    for (SharedIndexInformer<GenericKubernetesResource> informer : informers) {
      List<GenericKubernetesResource> items = new ArrayList<>(informer.getStore().list());
      items.sort(Comparator.comparing(r -> r.getMetadata().getName()));
      for (GenericKubernetesResource r : items) {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("apiVersion", r.getApiVersion());
        tree.put("kind", r.getKind());
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("name", r.getMetadata().getName());
        metadata.put("namespace", r.getMetadata().getNamespace());
        tree.put("metadata", metadata);
        tree.put("spec", r.getAdditionalProperties().get("spec"));
        docs.add(new RawDocument(r.getKind() + " " + r.getMetadata().getNamespace() + "/" + r.getMetadata().getName(),
            tree));
      }
    }
    List<Secret> secrets = new ArrayList<>(secretInformer.getStore().list());
    secrets.sort(Comparator.comparing(s -> s.getMetadata().getName()));
    for (Secret s : secrets) {
      if (ignoredSecrets.contains(s.getMetadata().getName())) {
        continue;
      }
      Map<String, Object> tree = new LinkedHashMap<>();
      tree.put("apiVersion", "v1");
      tree.put("kind", "Secret");
      tree.put("metadata", Map.of("name", s.getMetadata().getName()));
      if (s.getData() != null) {
        tree.put("data", new LinkedHashMap<>(s.getData()));
      }
      if (s.getStringData() != null) {
        tree.put("stringData", new LinkedHashMap<>(s.getStringData()));
      }
      docs.add(new RawDocument("Secret " + s.getMetadata().getNamespace() + "/" + s.getMetadata().getName(), tree));
    }
    return docs;
  }

  @Override
  public void close() {
    started = false;
    informers.forEach(SharedIndexInformer::close);
    if (secretInformer != null) {
      secretInformer.close();
    }
    worker.shutdownNow();
  }
}
