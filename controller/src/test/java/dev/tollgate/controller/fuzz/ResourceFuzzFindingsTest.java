package dev.tollgate.controller.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tollgate.controller.resource.InvalidResourcesException;
import dev.tollgate.controller.resource.Problem;
import dev.tollgate.controller.source.DirectorySource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the resource fuzz tests ({@link ResourceFileFuzzTest}, {@link ResourceMutationFuzzTest})
 * found, each fixed; the inputs stay in the tests' {@code *Inputs} folders, which Jazzer replays.
 */
class ResourceFuzzFindingsTest {
  @TempDir
  Path dir;

  private List<Problem> problems() {
    InvalidResourcesException e = catchThrowableOfType(InvalidResourcesException.class,
        () -> new DirectorySource(dir, Set.of()).read());
    assertThat(e).as("expected the directory to be rejected").isNotNull();
    return e.problems();
  }

  /**
   * Bug: a resource file that is not UTF-8 (the one byte 0x81) made the whole directory fail with
   * an IOException, "Input length = 1", which named neither the file nor what is wrong.
   */
  @Test
  void aFileThatIsNotUtf8IsAProblemOfThatFile() throws Exception {
    Files.writeString(dir.resolve("good.yaml"), "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n");
    Files.write(dir.resolve("bad.yaml"), new byte[] {(byte) 0x81});
    assertThat(problems()).containsExactly(new Problem("bad.yaml", "(document)", "is not UTF-8 text"));
  }

  /**
   * Bug: a YAML alias was read as its anchor's name: {@code key: *k} gave the secret value "k",
   * silently. Aliases are now refused, naming file, document and field.
   */
  @Test
  void aYamlAliasIsRefusedNamingFileAndField() throws Exception {
    Files.writeString(dir.resolve("secrets.yaml"), """
        apiVersion: v1
        kind: Secret
        metadata: {name: a}
        stringData: {apiKey: &k sk-live}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: b}
        stringData: {apiKey: *k}
        """);
    assertThat(problems()).containsExactly(new Problem("secrets.yaml (document 2)", "stringData.apiKey",
        "*k (line 9) is a YAML alias, which Tollgate does not expand; write the value out in full"));
  }

  /**
   * Bug (found by the longer run): an empty list item ({@code backendRefs:} then {@code -} alone)
   * bound to null and made the translator fail with a NullPointerException.
   */
  @Test
  void anEmptyListItemIsAProblemNamingItsField() throws Exception {
    Files.writeString(dir.resolve("route.yaml"), """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: chat}
        spec:
          rules:
            - backendRefs:
                -
        """);
    InvalidResourcesException e = catchThrowableOfType(InvalidResourcesException.class, () ->
        dev.tollgate.controller.resource.ResourceReader.read(new DirectorySource(dir, Set.of()).read()));
    assertThat(e.problems()).containsExactly(new Problem("route.yaml (AIGatewayRoute chat)", "spec.rules[0].backendRefs[0]",
        "is empty; give the item its fields or remove it"));
  }

  /** Bug (found by the longer run): a blank top-level key was reported with a blank field. */
  @Test
  void aBlankTopLevelKeyIsNamedQuoted() throws Exception {
    Files.writeString(dir.resolve("s.yaml"), "apiVersion: aigateway.tollgate.dev/v1alpha1\nkind: PriceTable\n"
        + "metadata: {name: p}\nspec: {prices: {}}\n\"\\n\": 1\n");
    InvalidResourcesException e = catchThrowableOfType(InvalidResourcesException.class, () ->
        dev.tollgate.controller.resource.ResourceReader.read(new DirectorySource(dir, Set.of()).read()));
    assertThat(e.problems()).extracting(Problem::field).containsExactly("\"\\n\"");
  }
}
