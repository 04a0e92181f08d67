package dev.tollgate.controller.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tollgate.conformance.TreeMutator;
import dev.tollgate.controller.resource.RawDocument;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Structure-aware: the example resources (the controller's and the distribution's budgets and
 * consumers, every kind) as trees; the fuzzer picks documents and changes them field by field
 * ({@link TreeMutator}), and the set is read and translated. Past YAML syntax, this reaches the
 * reader's binding and the translator's cross-resource checks, the plugins' checks and the Envoy
 * config builder. Only an {@link dev.tollgate.controller.resource.InvalidResourcesException}
 * naming file, field and what is wrong may come out; a translation must give a gateway config the
 * gateway parses. Longer run: {@code JAZZER_MAX_DURATION=5m}.
 */
class ResourceMutationFuzzTest {
  /** The words the resources use, so that most changed resources are nearly valid. */
  private static final TreeMutator MUTATOR = new TreeMutator(new String[] {"apiVersion", "kind", "metadata", "name", "namespace", "spec", "status",
      "aigateway.tollgate.dev/v1alpha1", "v1", "AIGatewayRoute", "AIServiceBackend", "BackendSecurityPolicy",
      "PromptPolicy", "Consumer", "TokenBudget", "PriceTable", "Secret", "data", "stringData", "schema", "version",
      "rules", "model", "modelPattern", "backendRefs", "weight", "priority", "llmRequestCosts", "metadataKey",
      "type", "scope", "Global", "expression", "InputToken", "OutputToken", "TotalToken", "CEL", "PriceTable",
      "backendSecurityPolicyRef", "apiKey", "secretRef", "key", "file", "env", "awsCredentials", "region",
      "credentialsFile", "targetRefs", "guards", "deny", "mask", "regex", "on", "Request", "Response", "enrichment",
      "per", "consumer", "team", "values", "limit", "tokens", "dollars", "unit", "Minute", "Day", "Hour",
      "priceTable", "prices", "input", "output", "cachedInput", "cacheCreation", "keys", "sha256", "expires",
      "models", "OpenAI", "AWSBedrock", "Anthropic", "AzureOpenAI", "GCPVertexAI", "APIKey", "AWSCredentials",
      "openai", "bedrock", "chat", "openai-key", "aws", "timeout", "retries", "fallback", "placement", "headers",
      "host", "port", "tls", "gpt-4o-mini", "anthropic\\.claude-.*", "(a+)+$", "[", "*", "us-east-1", "10s", "-1",
      "", " ", "2027-01-31T00:00:00Z", "c2stdGVzdA==", "a.b", "A"});

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final List<RawDocument> SEED = seed();
  private static final Set<String> FILES = new HashSet<>();

  static {
    SEED.forEach(d -> FILES.add(d.origin()));
  }

  @SuppressWarnings("unchecked")
  private static List<RawDocument> seed() {
    List<RawDocument> docs = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    try {
      for (Path dir : List.of(Path.of("src/main/examples"))) {
        try (Stream<Path> s = Files.list(dir)) {
          files.addAll(s.sorted().toList());
        }
      }
      files.add(Path.of("../distribution/src/main/examples/budgets/budgets.yaml"));
      files.add(Path.of("../distribution/src/main/examples/budgets/consumers.yaml"));
      for (Path p : files) {
        try (MappingIterator<Object> it = YAML.readerFor(Object.class).readValues(Files.readString(p))) {
          int i = 0;
          while (it.hasNextValue()) {
            Object tree = it.nextValue();
            if (tree instanceof Map<?, ?> m) {
              docs.add(new RawDocument(p.getFileName() + " (document " + (++i) + ")", (Map<String, Object>) m));
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return List.copyOf(docs);
  }

  @FuzzTest(maxDuration = "8s")
  @SuppressWarnings("unchecked")
  void mutatedResources(FuzzedDataProvider data) {
    List<Object> docs = new ArrayList<>();
    SEED.forEach(d -> docs.add(d.tree()));
    int edits = data.consumeInt(1, 3);
    for (int i = 0; i < edits && data.remainingBytes() > 0; i++) {
      int at = data.consumeInt(0, docs.size() - 1);
      switch (data.consumeInt(0, 5)) {
        case 0 -> docs.remove(at);
        case 1 -> docs.add(MUTATOR.mutate(docs.get(at), data)); // a changed copy beside the original
        default -> docs.set(at, MUTATOR.mutate(docs.get(at), data));
      }
    }
    List<RawDocument> raw = new ArrayList<>();
    for (int i = 0; i < docs.size(); i++) {
      if (docs.get(i) instanceof Map<?, ?> m) {
        String origin = i < SEED.size() ? SEED.get(i).origin() : "fuzz.yaml (document " + i + ")";
        raw.add(new RawDocument(origin, (Map<String, Object>) m));
      }
    }
    Set<String> files = new HashSet<>(FILES);
    files.add("fuzz.yaml");
    ResourceChecks.translate(raw, files);
  }
}
