package dev.tollgate.distribution.helm;

import static dev.tollgate.distribution.helm.Chart.arg;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller in Kubernetes mode, started by {@code bin/tollgate} with the arguments the chart
 * renders for its Deployment, against fabric8's mock API server (CRUD mode) holding the example
 * resources: every request it makes is allowed by the chart's RBAC for its ServiceAccount, and a
 * Tollgate started with the chart's arguments serves the gateway config from the Secret it wrote,
 * mounted as the pod would have it.
 */
class ControllerInKubernetesIT {
  private static final String TEST_AGENT = "tollgate-chart-test";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir
  Path dir;
  private KubernetesMockServer server;
  private KubernetesClient client;
  private final List<Process> processes = new ArrayList<>();

  @BeforeEach
  void startApiServer() throws Exception {
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(),
        false);
    server.init(InetAddress.getByName("127.0.0.1"), 0);
    client = server.createClient(b -> b.editOrNewConfig().withUserAgent(TEST_AGENT).withNamespace(Chart.NAMESPACE)
        .endConfig());
  }

  @AfterEach
  void stop() throws Exception {
    for (Process p : processes) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    client.close();
    server.destroy();
  }

  @Test
  void sidecarDefaults() throws Exception {
    Chart.Rendered chart = Chart.render();
    Set<RbacCheck.Attributes> calls = runController(chart, "examples/resources");
    assertThat(calls).extracting(RbacCheck.Attributes::verb).contains("list", "watch", "create", "update");
    assertThat(calls).extracting(RbacCheck.Attributes::resource).doesNotContain("leases");

    // the sidecar Tollgate: the gateway config Secret mounted as its volume says, on the socket Envoy's bootstrap names
    Deployment pod = chart.deployment("envoy");
    Container tollgate = chart.container("envoy", "tollgate");
    String output = arg(chart.container("controller", "controller"), "--output-name");
    Secret config = client.secrets().withName(output).get();
    ConfigMap envoy = client.configMaps().withName(output + "-envoy").get();
    assertThat(envoy.getData().get("envoy.yaml")).contains("path: " + arg(tollgate, "--uds") + "\n");

    Map<String, Path> mounts = materialize(pod, tollgate);
    List<String> args = new ArrayList<>();
    int admin = freePort();
    for (int i = 0; i < tollgate.getArgs().size(); i++) {
      String a = tollgate.getArgs().get(i);
      String previous = i == 0 ? "" : tollgate.getArgs().get(i - 1);
      args.add(switch (previous) {
        case "--plugins" -> Chart.DIST.resolve("plugins").toString();
        case "--admin-port" -> String.valueOf(admin);
        case "--port" -> String.valueOf(freePort());
        default -> local(a, mounts);
      });
    }
    Process p = start(args, Map.of("TOLLGATE_WORK_DIR", local("/tmp/tollgate-work", mounts)), "tollgate");
    String probe = tollgate.getReadinessProbe().getHttpGet().getPath();
    await(() -> status(admin, probe) == 200, "Tollgate's readiness probe " + probe, p);
    assertThat(status(admin, tollgate.getLivenessProbe().getHttpGet().getPath())).isEqualTo(200);
    assertThat(get(admin, "/config")).contains("\"uuid\" : \"" + config.getMetadata().getAnnotations()
        .get("tollgate.dev/config-uuid") + "\"");
    assertThat(Path.of(local(arg(tollgate, "--uds"), mounts))).exists();
  }

  @Test
  void serviceWithTlsBudgetsAndLeaderElection() throws Exception {
    Chart.Rendered chart = Chart.render(HelmChartIT.ALL_ON);
    Set<RbacCheck.Attributes> calls = runController(chart, "examples/budgets");
    assertThat(calls).extracting(RbacCheck.Attributes::resource).contains("leases", "secrets", "configmaps");
    String output = arg(chart.container("controller", "controller"), "--output-name");
    String bootstrap = client.configMaps().withName(output + "-envoy").get().getData().get("envoy.yaml");
    assertThat(bootstrap).contains("/etc/tollgate/tls/ca.crt", "/etc/tollgate/envoy-tls/tls.crt",
        "tollgate-server." + Chart.NAMESPACE + ".svc", "tollgate-ratelimit." + Chart.NAMESPACE + ".svc");
    assertThat(client.configMaps().withName(output + "-ratelimit").get().getData()).containsKey("tollgate.yaml");
  }

  /**
   * Fills the API server with the example resources, runs the controller as the chart does until
   * its outputs are there and it is ready, stops it, and checks every request it made against the
   * chart's RBAC. Returns the requests' attributes.
   */
  private Set<RbacCheck.Attributes> runController(Chart.Rendered chart, String examples) throws Exception {
    List<GenericKubernetesResource> created = createExamples(Chart.DIST.resolve(examples));
    while (server.takeRequest(10, TimeUnit.MILLISECONDS) != null) {
      // the test's own requests so far
    }
    Container c = chart.container("controller", "controller");
    int health = freePort();
    List<String> args = new ArrayList<>();
    for (int i = 0; i < c.getArgs().size(); i++) {
      String previous = i == 0 ? "" : c.getArgs().get(i - 1);
      args.add(switch (previous) {
        case "--plugins" -> Chart.DIST.resolve("plugins").toString();
        case "--xds-port" -> "0";
        case "--health-port" -> String.valueOf(health);
        default -> c.getArgs().get(i);
      });
    }
    Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), """
        apiVersion: v1
        kind: Config
        clusters: [{name: mock, cluster: {server: "http://127.0.0.1:%d"}}]
        users: [{name: controller, user: {token: not-checked}}]
        contexts: [{name: mock, context: {cluster: mock, user: controller, namespace: %s}}]
        current-context: mock
        """.formatted(server.getPort(), Chart.NAMESPACE));
    String podName = "tollgate-controller-7d9f-x2x4q";
    Process p = start(args, Map.of("KUBECONFIG", kubeconfig.toString(), "POD_NAME", podName,
        "TOLLGATE_WORK_DIR", dir.resolve("controller-work").toString()), "controller");
    String output = arg(c, "--output-name");
    await(() -> status(health, c.getReadinessProbe().getHttpGet().getPath()) == 200, "the controller's readiness", p);
    await(() -> client.secrets().withName(output).get() != null
        && client.configMaps().withName(output + "-envoy").get() != null
        && client.configMaps().withName(output + "-ratelimit").get() != null, "the controller's outputs", p);
    assertThat(status(health, c.getLivenessProbe().getHttpGet().getPath())).isEqualTo(200);
    // a change: the outputs are written again (updates of what exists)
    String first = client.secrets().withName(output).get().getMetadata().getAnnotations().get("tollgate.dev/config-uuid");
    GenericKubernetesResource removed = created.stream()
        .filter(g -> Set.of("PromptPolicy", "TokenBudget").contains(g.getKind())).findFirst().orElseThrow();
    client.genericKubernetesResources(context(removed)).resource(removed).delete();
    await(() -> !first.equals(client.secrets().withName(output).get().getMetadata().getAnnotations()
        .get("tollgate.dev/config-uuid")), "the outputs after " + removed.getKind() + " " + removed.getMetadata().getName()
        + " was deleted", p);
    if (c.getArgs().contains("--leader-elect")) {
      await(() -> {
        Lease lease = client.resources(Lease.class).withName(arg(c, "--leader-elect-lease")).get();
        return lease != null && podName.equals(lease.getSpec().getHolderIdentity());
      }, "the Lease", p);
    }
    p.destroy();  // SIGTERM, as the kubelet stops it: the leader releases its Lease
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();

    Set<RbacCheck.Attributes> calls = new LinkedHashSet<>();
    List<String> denied = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      if (TEST_AGENT.equals(r.getHeader("User-Agent"))) {
        continue;
      }
      RbacCheck.Attributes a = RbacCheck.attributes(r.getMethod(), r.getPath());
      if (a == null) {
        continue;
      }
      calls.add(a);
      if (!RbacCheck.allowed(chart.objects(), Chart.NAMESPACE, "tollgate-controller", a)) {
        denied.add(r.getMethod() + " " + r.getPath() + " -> " + a);
      }
    }
    assertThat(calls).as("the controller's requests").isNotEmpty();
    System.out.println("the controller's calls: " + calls);
    assertThat(denied).as("requests the chart's RBAC does not allow").isEmpty();
    return calls;
  }

  private final Map<String, String> plurals = new HashMap<>();

  private ResourceDefinitionContext context(GenericKubernetesResource g) {
    String[] gv = g.getApiVersion().split("/");
    return new ResourceDefinitionContext.Builder().withGroup(gv[0]).withVersion(gv[1])
        .withKind(g.getKind()).withPlural(plurals.get(g.getKind())).withNamespaced(true).build();
  }

  /** The example resources of a folder of the distribution as Kubernetes objects, plurals from the chart's CRDs. */
  private List<GenericKubernetesResource> createExamples(Path folder) throws IOException {
    List<GenericKubernetesResource> created = new ArrayList<>();
    try (var crds = Files.list(Chart.CHART.resolve("crds"))) {
      for (Path f : crds.toList()) {
        for (String doc : Files.readString(f).split("(?m)^---\\s*$")) {
          CustomResourceDefinition crd = Serialization.unmarshal(doc, CustomResourceDefinition.class);
          plurals.put(crd.getSpec().getNames().getKind(), crd.getSpec().getNames().getPlural());
        }
      }
    }
    try (var files = Files.list(folder)) {
      for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        for (String doc : Files.readString(f).split("(?m)^---\\s*$")) {
          if (doc.lines().allMatch(l -> l.isBlank() || l.startsWith("#"))) {
            continue;
          }
          HasMetadata o = Serialization.unmarshal(doc, HasMetadata.class);
          o.getMetadata().setNamespace(Chart.NAMESPACE);
          if (o instanceof Secret s) {
            client.secrets().resource(s).create();
          } else {
            GenericKubernetesResource g = (GenericKubernetesResource) o;
            created.add(client.genericKubernetesResources(context(g)).resource(g).create());
          }
        }
      }
    }
    return created;
  }

  /**
   * Lays out the container's volumes as the kubelet would: a folder per volume, a Secret's or
   * ConfigMap's keys as files (read from the API server now), emptyDirs empty. Mount path to folder.
   */
  private Map<String, Path> materialize(Deployment d, Container c) throws IOException {
    Map<String, Path> mounts = new HashMap<>();
    for (VolumeMount m : c.getVolumeMounts()) {
      Volume v = d.getSpec().getTemplate().getSpec().getVolumes().stream().filter(x -> x.getName().equals(m.getName()))
          .findFirst().orElseThrow();
      Path folder = Files.createDirectories(dir.resolve("volumes").resolve(v.getName()));
      if (v.getSecret() != null) {
        Secret s = client.secrets().withName(v.getSecret().getSecretName()).get();
        assertThat(s).as("the Secret " + v.getSecret().getSecretName() + " the pod mounts").isNotNull();
        for (var e : s.getData().entrySet()) {
          Files.write(folder.resolve(e.getKey()), Base64.getDecoder().decode(e.getValue()));
        }
      } else if (v.getConfigMap() != null) {
        ConfigMap cm = client.configMaps().withName(v.getConfigMap().getName()).get();
        assertThat(cm).as("the ConfigMap " + v.getConfigMap().getName() + " the pod mounts").isNotNull();
        for (var e : cm.getData().entrySet()) {
          Files.writeString(folder.resolve(e.getKey()), e.getValue());
        }
      }
      mounts.put(m.getMountPath(), folder);
    }
    return mounts;
  }

  /** A path in the container as the local folder its volume was laid out in. */
  private static String local(String path, Map<String, Path> mounts) {
    for (var e : mounts.entrySet()) {
      if (path.equals(e.getKey()) || path.startsWith(e.getKey() + "/")) {
        return e.getValue() + path.substring(e.getKey().length());
      }
    }
    return path;
  }

  private Process start(List<String> args, Map<String, String> env, String name) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Chart.DIST.resolve("bin/tollgate").toString());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().putAll(env);
    Process p = pb.start();
    processes.add(p);
    return p;
  }

  private void await(BooleanSupplier condition, String what, Process p) throws Exception {
    long end = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < end) {
      if (condition.getAsBoolean()) {
        return;
      }
      if (!p.isAlive()) {
        break;
      }
      Thread.sleep(100);
    }
    String log = Files.readString(dir.resolve((p == processes.get(0) ? "controller" : "tollgate") + ".log"));
    throw new AssertionError("no " + what + " within " + WAIT + (p.isAlive() ? "" : " (it exited " + p.exitValue() + ")")
        + "; its log:\n" + log);
  }

  private static int status(int port, String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(2))
          .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static String get(int port, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)).body();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
