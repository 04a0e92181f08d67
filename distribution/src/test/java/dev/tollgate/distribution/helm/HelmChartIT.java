package dev.tollgate.distribution.helm;

import static dev.tollgate.distribution.helm.Chart.arg;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The chart rendered for both topologies, with defaults and with TLS, budgets, plugins and two
 * controller replicas: every object reads as its kind, and what refers to something else (images,
 * probes, selectors, volumes, paths, Services, the controller's outputs) points at what is there.
 */
class HelmChartIT {
  static final String SERVER_IMAGE = "tollgate/tollgate-server:" + Chart.VERSION;
  static final String CONTROLLER_IMAGE = "tollgate/tollgate-controller:" + Chart.VERSION;
  static final String[] ALL_ON = {"topology=service", "tls.enabled=true", "tls.mutual=true", "budgets.enabled=true",
      "controller.replicas=2", "plugins.image=registry.example/acme-plugins:1.0"};

  @Test
  void sidecarWithDefaults() throws Exception {
    Chart.Rendered r = Chart.render();
    checkEverywhere(r);
    assertThat(r.all(Deployment.class)).extracting(d -> d.getMetadata().getName())
        .containsExactlyInAnyOrder("tollgate-controller", "tollgate-envoy");
    Container tollgate = r.container("envoy", "tollgate");
    assertThat(tollgate.getArgs()).startsWith("run");
    assertThat(arg(tollgate, "--uds")).isEqualTo("/run/tollgate/ext_proc.sock");
    assertThat(arg(tollgate, "--host")).as("ext_proc over TCP stays inside the pod").isEqualTo("127.0.0.1");
    assertThat(arg(r.container("controller", "controller"), "--extproc-host")).isEqualTo("unix:/run/tollgate/ext_proc.sock");
    // the socket's folder is one emptyDir in both containers
    assertThat(mount(r.container("envoy", "envoy"), "/run/tollgate").getName()).isEqualTo(mount(tollgate, "/run/tollgate").getName());
    assertThat(volume(r.deployment("envoy"), mount(tollgate, "/run/tollgate")).getEmptyDir()).isNotNull();
    assertThat(r.deployment("envoy").getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("prometheus.io/scrape", "true").containsEntry("prometheus.io/port", "1064")
        .containsEntry("prometheus.io/path", "/metrics");
    assertThat(optionalArg(r.container("controller", "controller"), "--leader-elect-lease")).isNull();
  }

  @Test
  void serviceWithDefaults() throws Exception {
    Chart.Rendered r = Chart.render("topology=service");
    checkEverywhere(r);
    assertThat(r.all(Deployment.class)).extracting(d -> d.getMetadata().getName())
        .containsExactlyInAnyOrder("tollgate-controller", "tollgate-envoy", "tollgate-server");
    assertThat(r.deployment("envoy").getSpec().getTemplate().getSpec().getContainers()).extracting(Container::getName)
        .containsExactly("envoy");
    Container tollgate = r.container("server", "tollgate");
    assertThat(tollgate.getArgs()).doesNotContain("--uds", "--tls-cert");
    assertThat(arg(tollgate, "--host")).isEqualTo("0.0.0.0");
    // Envoy reaches the pods through the headless Service, by its cluster DNS name
    Service svc = r.one(Service.class, "tollgate-server");
    assertThat(svc.getSpec().getClusterIP()).isEqualTo("None");
    Container controller = r.container("controller", "controller");
    assertThat(arg(controller, "--extproc-host")).isEqualTo("tollgate-server." + Chart.NAMESPACE + ".svc");
    assertThat(arg(controller, "--extproc-port")).isEqualTo(String.valueOf(svc.getSpec().getPorts().get(0).getPort()))
        .isEqualTo(arg(tollgate, "--port"));
    assertThat(controller.getArgs()).doesNotContain("--extproc-tls-ca", "--leader-elect");
  }

  @Test
  void serviceWithTlsBudgetsPluginsAndTwoControllers() throws Exception {
    Chart.Rendered r = Chart.render(ALL_ON);
    checkEverywhere(r);
    Container tollgate = r.container("server", "tollgate");
    Container envoy = r.container("envoy", "envoy");
    Container controller = r.container("controller", "controller");
    // Tollgate's certificate and key, and the CA it requires client certificates from (mTLS), are mounted
    assertMounted(r.deployment("server"), tollgate, arg(tollgate, "--tls-cert"), "tollgate-server-tls", "tls.crt");
    assertMounted(r.deployment("server"), tollgate, arg(tollgate, "--tls-key"), "tollgate-server-tls", "tls.key");
    assertMounted(r.deployment("server"), tollgate, arg(tollgate, "--tls-client-ca"), "tollgate-envoy-tls", "ca.crt");
    // the files the controller names in Envoy's bootstrap are mounted in Envoy
    assertMounted(r.deployment("envoy"), envoy, arg(controller, "--extproc-tls-ca"), "tollgate-server-tls", "ca.crt");
    assertMounted(r.deployment("envoy"), envoy, arg(controller, "--extproc-tls-cert"), "tollgate-envoy-tls", "tls.crt");
    assertMounted(r.deployment("envoy"), envoy, arg(controller, "--extproc-tls-key"), "tollgate-envoy-tls", "tls.key");
    assertThat(arg(controller, "--extproc-tls-sni")).isEqualTo("tollgate-server." + Chart.NAMESPACE + ".svc");
    // budgets: Envoy is pointed at the rate-limit Service, which reads the controller's ConfigMap
    String[] rl = arg(controller, "--ratelimit-address").split(":");
    assertThat(rl[0]).isEqualTo("tollgate-ratelimit." + Chart.NAMESPACE + ".svc");
    Service rlService = r.one(Service.class, "tollgate-ratelimit");
    assertThat(rlService.getSpec().getPorts()).extracting(ServicePort::getPort).containsExactly(Integer.parseInt(rl[1]));
    Deployment ratelimit = r.deployment("ratelimit");
    Container rlc = r.container("ratelimit", "ratelimit");
    Map<String, String> env = rlc.getEnv().stream().collect(Collectors.toMap(e -> e.getName(), e -> e.getValue()));
    String configDir = env.get("RUNTIME_ROOT") + "/" + env.get("RUNTIME_SUBDIRECTORY") + "/" + env.get("RUNTIME_APPDIRECTORY");
    assertThat(volume(ratelimit, mount(rlc, configDir)).getConfigMap().getName())
        .isEqualTo(arg(controller, "--output-name") + "-ratelimit");
    assertThat(env.get("REDIS_URL")).isEqualTo("tollgate-redis." + Chart.NAMESPACE + ".svc:6379");
    assertThat(env.get("GRPC_PORT")).isEqualTo(rl[1]);
    assertThat(r.one(Service.class, "tollgate-redis")).isNotNull();
    // two controllers elect a leader
    assertThat(controller.getArgs()).contains("--leader-elect");
    assertThat(r.deployment("controller").getSpec().getReplicas()).isEqualTo(2);
    // the plugin image's zips are copied into the plugins.d emptyDir of Tollgate and of the controller
    for (String component : List.of("server", "controller")) {
      Deployment d = r.deployment(component);
      Container init = d.getSpec().getTemplate().getSpec().getInitContainers().get(0);
      assertThat(init.getImage()).isEqualTo("registry.example/acme-plugins:1.0");
      Container main = d.getSpec().getTemplate().getSpec().getContainers().get(0);
      assertThat(mount(init, "/opt/tollgate/plugins.d").getName()).isEqualTo(mount(main, "/opt/tollgate/plugins.d").getName());
      assertThat(volume(d, mount(main, "/opt/tollgate/plugins.d")).getEmptyDir()).isNotNull();
      assertThat(arg(main, "--plugins")).isEqualTo("/opt/tollgate/plugins:/opt/tollgate/plugins.d");
    }
  }

  @Test
  void pluginsFromAClaimOrAConfigMap() throws Exception {
    Chart.Rendered claim = Chart.render("plugins.persistentVolumeClaim=acme-plugins");
    checkEverywhere(claim);
    Container tollgate = claim.container("envoy", "tollgate");
    assertThat(volume(claim.deployment("envoy"), mount(tollgate, "/opt/tollgate/plugins.d")).getPersistentVolumeClaim()
        .getClaimName()).isEqualTo("acme-plugins");
    Chart.Rendered cm = Chart.render("topology=service", "plugins.configMap=acme-plugins");
    assertThat(volume(cm.deployment("server"), mount(cm.container("server", "tollgate"), "/opt/tollgate/plugins.d"))
        .getConfigMap().getName()).isEqualTo("acme-plugins");
  }

  @Test
  void impossibleValuesAreRefusedSayingWhy() throws Exception {
    Chart.Run tlsOnSocket = Chart.template("tls.enabled=true");
    assertThat(tlsOnSocket.exit()).isNotZero();
    assertThat(tlsOnSocket.output()).contains("unix socket is always plaintext", "topology: service");
    Chart.Run typo = Chart.template("topology=sidecars");
    assertThat(typo.exit()).isNotZero();
    assertThat(typo.output()).contains("\"sidecars\" is not sidecar or service");
    Chart.Run two = Chart.template("plugins.image=a:1", "plugins.configMap=b");
    assertThat(two.exit()).isNotZero();
    assertThat(two.output()).contains("give one of image, persistentVolumeClaim and configMap");
  }

  @Test
  void theChartShipsTheCrdsTollgatePrintsAndTheProjectVersion() throws Exception {
    Chart.Run crds = Chart.run(Duration.ofSeconds(60), List.of(Chart.DIST.resolve("bin/tollgate").toString(), "crds"));
    assertThat(crds.exit()).as(crds.output()).isZero();
    try (var files = Files.list(Chart.CHART.resolve("crds"))) {
      List<Path> all = files.toList();
      assertThat(all).hasSize(1);
      assertThat(Files.readString(all.get(0))).as("crds/ is what `tollgate crds` prints; regenerate it with "
          + "bin/tollgate crds > distribution/src/main/helm/tollgate/crds/tollgate-crds.yaml").isEqualTo(crds.output());
    }
    String chart = Files.readString(Chart.CHART.resolve("Chart.yaml"));
    assertThat(chart).contains("\nversion: " + Chart.VERSION + "\n", "\nappVersion: " + Chart.VERSION + "\n");
  }

  /** What holds in every rendering. */
  static void checkEverywhere(Chart.Rendered r) {
    List<Deployment> deployments = r.all(Deployment.class);
    assertThat(deployments).isNotEmpty();
    for (Deployment d : deployments) {
      PodSpec pod = d.getSpec().getTemplate().getSpec();
      String where = d.getMetadata().getName();
      Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
      assertThat(podLabels).as(where + ": the selector matches the pods")
          .containsAllEntriesOf(d.getSpec().getSelector().getMatchLabels());
      PodSecurityContext psc = pod.getSecurityContext();
      assertThat(psc.getRunAsNonRoot()).as(where).isTrue();
      assertThat(psc.getRunAsUser()).as(where).isEqualTo(65532L);
      assertThat(psc.getSeccompProfile().getType()).as(where).isEqualTo("RuntimeDefault");
      Set<String> volumes = pod.getVolumes().stream().map(Volume::getName).collect(Collectors.toSet());
      Chart.containers(pod).forEach(c -> {
        String at = where + "/" + c.getName();
        SecurityContext sc = c.getSecurityContext();
        assertThat(sc.getRunAsNonRoot()).as(at).isTrue();
        assertThat(sc.getRunAsUser()).as(at).isEqualTo(65532L);
        assertThat(sc.getReadOnlyRootFilesystem()).as(at).isTrue();
        assertThat(sc.getAllowPrivilegeEscalation()).as(at).isFalse();
        assertThat(sc.getCapabilities().getDrop()).as(at).containsExactly("ALL");
        assertThat(sc.getCapabilities().getAdd()).as(at).isEmpty();
        assertThat(sc.getSeccompProfile().getType()).as(at).isEqualTo("RuntimeDefault");
        assertThat(c.getResources().getRequests()).as(at + ": resource requests").containsKeys("cpu", "memory");
        assertThat(c.getVolumeMounts()).extracting(VolumeMount::getName).as(at + ": mounts name pod volumes")
            .allMatch(volumes::contains);
        for (var probe : java.util.Arrays.asList(c.getReadinessProbe(), c.getLivenessProbe(), c.getStartupProbe())) {
          if (probe != null) {
            IntOrString port = probe.getHttpGet() != null ? probe.getHttpGet().getPort() : probe.getTcpSocket().getPort();
            assertThat(portNumber(c, port)).as(at + ": a probe's port is one of the container's").isPositive();
          }
        }
      });
      // Tollgate's containers run the server image; its probes hit the admin port's /healthz
      Chart.containers(pod).filter(c -> c.getName().equals("tollgate")).forEach(c -> {
        assertThat(c.getImage()).isEqualTo(SERVER_IMAGE);
        assertThat(c.getArgs()).startsWith("run");
        assertThat(arg(c, "--admin-host")).isEqualTo("0.0.0.0");
        int admin = Integer.parseInt(arg(c, "--admin-port"));
        for (var probe : List.of(c.getReadinessProbe(), c.getLivenessProbe(), c.getStartupProbe())) {
          HTTPGetAction get = probe.getHttpGet();
          assertThat(get.getPath()).isEqualTo("/healthz");
          assertThat(portNumber(c, get.getPort())).isEqualTo(admin);
        }
        assertThat(c.getEnv()).anyMatch(e -> e.getName().equals("TOLLGATE_WORK_DIR") && e.getValue().startsWith("/tmp/"));
        assertThat(volume(d, mount(c, "/tmp")).getEmptyDir()).as("/tmp is writable").isNotNull();
        // the gateway config is the Secret the controller writes (always a Secret: --output-secret)
        Container controller = r.container("controller", "controller");
        assertThat(controller.getArgs()).contains("--output-secret");
        String config = arg(c, "--config");
        assertMounted(d, c, config, arg(controller, "--output-name"), "config.yaml");
        assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations()).containsEntry("prometheus.io/port", "" + admin);
      });
      if (where.equals("tollgate-controller")) {
        Container c = pod.getContainers().get(0);
        assertThat(c.getImage()).isEqualTo(CONTROLLER_IMAGE);
        assertThat(c.getArgs()).startsWith("controller", "--kubernetes");
        assertThat(arg(c, "--namespace")).isEqualTo(Chart.NAMESPACE);
        assertThat(portNumber(c, c.getReadinessProbe().getHttpGet().getPort())).isEqualTo(Integer.parseInt(arg(c, "--health-port")));
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        assertThat(pod.getServiceAccountName()).isEqualTo("tollgate-controller");
      }
      if (where.equals("tollgate-envoy")) {
        Container envoy = pod.getContainers().get(0);
        assertThat(envoy.getImage()).isEqualTo("envoyproxy/envoy:v1.40.0");
        Container controller = r.container("controller", "controller");
        String bootstrap = envoy.getArgs().get(envoy.getArgs().indexOf("-c") + 1);
        assertMounted(d, envoy, bootstrap, arg(controller, "--output-name") + "-envoy", "envoy.yaml");
        assertThat(portNumber(envoy, new IntOrString("http"))).isEqualTo(Integer.parseInt(arg(controller, "--listener-port")));
      }
    }
    // every PodDisruptionBudget and Service selects the pods of exactly one Deployment, Services by their named ports
    for (PodDisruptionBudget pdb : r.all(PodDisruptionBudget.class)) {
      assertThat(deployments).as("pods of PDB " + pdb.getMetadata().getName())
          .filteredOn(d -> d.getSpec().getTemplate().getMetadata().getLabels()
              .entrySet().containsAll(pdb.getSpec().getSelector().getMatchLabels().entrySet()))
          .hasSize(1);
    }
    for (Service s : r.all(Service.class)) {
      List<Deployment> selected = deployments.stream().filter(d -> d.getSpec().getTemplate().getMetadata().getLabels()
          .entrySet().containsAll(s.getSpec().getSelector().entrySet())).toList();
      assertThat(selected).as("pods of Service " + s.getMetadata().getName()).hasSize(1);
      for (ServicePort p : s.getSpec().getPorts()) {
        assertThat(Chart.containers(selected.get(0).getSpec().getTemplate().getSpec())
            .flatMap(c -> c.getPorts().stream()).map(ContainerPort::getName))
            .as(s.getMetadata().getName() + " targets a named port of its pods").contains(p.getTargetPort().getStrVal());
      }
    }
    // images: ours, Envoy's, the rate-limit service's and Redis', an operator's plugin image
    r.all(Deployment.class).stream().flatMap(d -> Chart.containers(d.getSpec().getTemplate().getSpec()))
        .map(Container::getImage)
        .forEach(image -> assertThat(image).matches(i -> Set.of(SERVER_IMAGE, CONTROLLER_IMAGE, "envoyproxy/envoy:v1.40.0",
            "envoyproxy/ratelimit:3fb70258", "redis:7.4", "registry.example/acme-plugins:1.0").contains(i), "a known image"));
  }

  /** The volume a mount names. */
  static Volume volume(Deployment d, VolumeMount m) {
    return d.getSpec().getTemplate().getSpec().getVolumes().stream().filter(v -> v.getName().equals(m.getName()))
        .findFirst().orElseThrow(() -> new AssertionError("no volume " + m.getName()));
  }

  /** The mount at exactly this path. */
  static VolumeMount mount(Container c, String path) {
    return c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(path)).findFirst()
        .orElseThrow(() -> new AssertionError(c.getName() + " mounts nothing at " + path + ": " + c.getVolumeMounts()));
  }

  /** The file is the key of a Secret or ConfigMap mounted at its folder. */
  static void assertMounted(Deployment d, Container c, String file, String objectName, String key) {
    Path p = Path.of(file);
    VolumeMount m = mount(c, p.getParent().toString());
    Volume v = volume(d, m);
    String name = v.getSecret() != null ? v.getSecret().getSecretName() : v.getConfigMap().getName();
    assertThat(name).as(file + " comes from").isEqualTo(objectName);
    var items = v.getSecret() != null ? v.getSecret().getItems() : v.getConfigMap().getItems();
    assertThat(p.getFileName().toString()).isEqualTo(key);
    if (!items.isEmpty()) {
      assertThat(items).anyMatch(i -> i.getKey().equals(key) && i.getPath().equals(key));
    }
  }

  static int portNumber(Container c, IntOrString port) {
    if (port.getIntVal() != null) {
      return port.getIntVal();
    }
    return c.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName())).map(ContainerPort::getContainerPort)
        .findFirst().orElse(-1);
  }

  static String optionalArg(Container c, String option) {
    int i = c.getArgs().indexOf(option);
    return i < 0 ? null : c.getArgs().get(i + 1);
  }
}
