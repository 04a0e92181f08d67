package dev.tollgate.distribution.helm;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The distribution's chart ({@code helm/tollgate}) rendered by the pinned Helm ({@code bin/tollgate
 * helm-path}, built by {@code install-helm} when there is none), each document read with fabric8's
 * model as the kind it claims.
 */
final class Chart {
  static final Path DIST = Path.of(System.getProperty("tollgate.dist", "target/tollgate")).toAbsolutePath();
  static final Path CHART = DIST.resolve("helm/tollgate");
  static final String VERSION = System.getProperty("tollgate.version", "0.1.0-SNAPSHOT");
  static final String NAMESPACE = "ai";
  /** The Kubernetes version the chart is rendered for (helm built by go install assumes an old one). */
  static final String KUBE_VERSION = "1.33.0";
  private static Path helm;

  private Chart() {
  }

  static synchronized Path helm() throws IOException, InterruptedException {
    if (helm == null) {
      Run found = run(Duration.ofSeconds(30), List.of(DIST.resolve("bin/tollgate").toString(), "helm-path"));
      if (found.exit() != 0) {
        Run installed = run(Duration.ofMinutes(10), List.of(DIST.resolve("bin/tollgate").toString(), "install-helm"));
        if (installed.exit() != 0) {
          throw new IllegalStateException("cannot install Helm: " + installed.output());
        }
        found = run(Duration.ofSeconds(30), List.of(DIST.resolve("bin/tollgate").toString(), "helm-path"));
      }
      helm = Path.of(found.output().strip().lines().reduce((a, b) -> b).orElseThrow());
    }
    return helm;
  }

  /** The objects of {@code helm template tollgate CHART -n ai} with these {@code --set} values. */
  static Rendered render(String... sets) throws IOException, InterruptedException {
    Run r = template(sets);
    if (r.exit() != 0) {
      throw new AssertionError("helm template failed: " + r.output());
    }
    List<HasMetadata> objects = new ArrayList<>();
    for (String doc : r.output().split("(?m)^---\\s*$")) {
      if (doc.lines().allMatch(l -> l.isBlank() || l.startsWith("#"))) {
        continue;
      }
      HasMetadata o = Serialization.unmarshal(doc, HasMetadata.class);
      if (o instanceof GenericKubernetesResource || !o.getClass().getSimpleName().equals(o.getKind())) {
        throw new AssertionError("not read as the kind it claims (" + o.getKind() + "): " + o.getClass() + "\n" + doc);
      }
      objects.add(o);
    }
    return new Rendered(List.copyOf(objects));
  }

  /** {@code helm template}, its exit code and output. */
  static Run template(String... sets) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(helm().toString(), "template", "tollgate", CHART.toString(),
        "--namespace", NAMESPACE, "--kube-version", KUBE_VERSION));
    for (String s : sets) {
      cmd.add("--set");
      cmd.add(s);
    }
    return run(Duration.ofSeconds(60), cmd);
  }

  record Rendered(List<HasMetadata> objects) {
    <T extends HasMetadata> List<T> all(Class<T> kind) {
      return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    <T extends HasMetadata> T one(Class<T> kind, String name) {
      return all(kind).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst()
          .orElseThrow(() -> new AssertionError("no " + kind.getSimpleName() + " " + name + " among " + names()));
    }

    List<String> names() {
      return objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList();
    }

    Deployment deployment(String component) {
      return one(Deployment.class, "tollgate-" + component);
    }

    /** A container of a Deployment's pod. */
    Container container(String component, String container) {
      return containers(deployment(component).getSpec().getTemplate().getSpec())
          .filter(c -> c.getName().equals(container)).findFirst()
          .orElseThrow(() -> new AssertionError("no container " + container + " in " + component));
    }
  }

  static Stream<Container> containers(PodSpec pod) {
    return Stream.concat(pod.getInitContainers().stream(), pod.getContainers().stream());
  }

  /** The value after {@code option} in a container's args. */
  static String arg(Container c, String option) {
    List<String> args = c.getArgs();
    int i = args.indexOf(option);
    if (i < 0 || i + 1 >= args.size()) {
      throw new AssertionError(c.getName() + " has no " + option + ": " + args);
    }
    return args.get(i + 1);
  }

  record Run(int exit, String output) {
  }

  static Run run(Duration limit, List<String> command) throws IOException, InterruptedException {
    Path out = Files.createTempFile("tollgate-helm", ".out");
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor();
        throw new IllegalStateException(String.join(" ", command) + " did not finish within " + limit);
      }
      return new Run(p.exitValue(), Files.readString(out));
    } finally {
      Files.deleteIfExists(out);
    }
  }
}
