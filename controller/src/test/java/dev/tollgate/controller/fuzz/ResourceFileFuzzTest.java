package dev.tollgate.controller.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tollgate.controller.resource.InvalidResourcesException;
import dev.tollgate.controller.resource.RawDocument;
import dev.tollgate.controller.source.DirectorySource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One resource file of arbitrary bytes beside the example resources, read as {@code tollgate
 * translate DIR} and the controller read a directory ({@link DirectorySource}, then the reader and
 * the translator): only an {@link InvalidResourcesException} whose problems name file, field and
 * what is wrong may come out; no other exception, no stack overflow, no unbounded memory (the fuzz
 * JVM has a small heap). Longer run: {@code JAZZER_MAX_DURATION=5m}.
 */
class ResourceFileFuzzTest {
  private static final Path DIR;
  private static final Set<String> FILES;

  static {
    try {
      DIR = Files.createTempDirectory("tollgate-resources-fuzz");
      try (Stream<Path> examples = Files.list(Path.of("src/main/examples"))) {
        for (Path p : examples.toList()) {
          Files.copy(p, DIR.resolve(p.getFileName()));
        }
      }
      try (Stream<Path> files = Files.list(DIR)) {
        FILES = new java.util.HashSet<>(files.map(p -> p.getFileName().toString()).toList());
      }
      FILES.add("fuzz.yaml");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @FuzzTest(maxDuration = "8s")
  @DictionaryEntries({"apiVersion: aigateway.tollgate.dev/v1alpha1", "kind: AIGatewayRoute", "kind: AIServiceBackend",
      "kind: BackendSecurityPolicy", "kind: PromptPolicy", "kind: Consumer", "kind: TokenBudget", "kind: PriceTable",
      "kind: Secret", "apiVersion: v1", "metadata:", "name:", "spec:", "rules:", "backendRefs:", "model:",
      "modelPattern:", "schema:", "llmRequestCosts:", "metadataKey:", "type:", "backendSecurityPolicyRef:",
      "apiKey:", "secretRef:", "stringData:", "data:", "targetRefs:", "limit:", "per:", "prices:", "---", "- ",
      ": ", "&a ", "*a", "<<: *a", "[", "]", "{", "}"})
  void resourceFile(byte[] data) throws IOException {
    Files.write(DIR.resolve("fuzz.yaml"), data);
    List<RawDocument> docs;
    try {
      docs = new DirectorySource(DIR, Set.of()).read();
    } catch (InvalidResourcesException e) {
      ResourceChecks.check(e, FILES);
      return;
    }
    ResourceChecks.translate(docs, FILES);
  }
}
