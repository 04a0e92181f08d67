package dev.tollgate.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tollgate.controller.resource.InvalidResourcesException;
import dev.tollgate.controller.resource.ResourceReader;
import dev.tollgate.controller.source.DirectorySource;
import dev.tollgate.controller.translate.GatewaySettings;
import dev.tollgate.controller.translate.Translation;
import dev.tollgate.controller.translate.Translator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key file or environment variable that a BackendSecurityPolicy names belongs to the machine the
 * gateway runs on: where the controller runs elsewhere (Kubernetes) it is not its to judge, and where
 * the gateway runs here (run --resources, up) it is a problem of the policy, named by its file and
 * field rather than by the generated gateway config's.
 */
class GatewayEnvironmentTest {
  @TempDir
  Path dir;

  private void resources(String apiKey) throws Exception {
    Files.writeString(dir.resolve("backend.yaml"), """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: openai}
        spec:
          schema: {name: OpenAI}
          endpoint: {host: api.example.com}
          backendSecurityPolicyRef: {name: openai-key}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: r}
        spec:
          rules: [{backendRefs: [{name: openai}]}]
        """);
    Files.writeString(dir.resolve("key.yaml"), """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: openai-key}
        spec:
          type: APIKey
          apiKey: %s
        """.formatted(apiKey));
  }

  private Translation translate(boolean gatewayRunsHere) throws Exception {
    return new Translator(GatewaySettings.defaults(), TestPlugins.registry(), gatewayRunsHere)
        .translate(ResourceReader.read(new DirectorySource(dir, Set.of()).read()));
  }

  @Test
  void aMissingKeyFileIsNotJudgedWhereTheGatewayRunsElsewhere() throws Exception {
    Path missing = dir.resolve("nowhere/openai.key");
    resources("{file: " + missing + "}");
    Translation t = translate(false);
    assertThat(t.warnings()).isEmpty();
    assertThat(t.gatewayConfigYaml()).contains(missing.toString());
  }

  @Test
  void aMissingKeyFileIsAProblemOfThePolicyWhereTheGatewayRunsHere() throws Exception {
    Path missing = dir.resolve("nowhere/openai.key");
    resources("{file: " + missing + "}");
    InvalidResourcesException e = catchThrowableOfType(InvalidResourcesException.class, () -> translate(true));
    assertThat(e.problems()).singleElement().asString()
        .isEqualTo("key.yaml (BackendSecurityPolicy openai-key): spec.apiKey.file: secret file " + missing
            + " does not exist");
  }

  @Test
  void anUnsetVariableIsAProblemOfThePolicyWhereTheGatewayRunsHere() throws Exception {
    resources("{env: TOLLGATE_TEST_NEVER_SET}");
    assertThat(translate(false).warnings()).isEmpty();
    InvalidResourcesException e = catchThrowableOfType(InvalidResourcesException.class, () -> translate(true));
    assertThat(e.problems()).singleElement().asString()
        .isEqualTo("key.yaml (BackendSecurityPolicy openai-key): spec.apiKey.env: environment variable"
            + " TOLLGATE_TEST_NEVER_SET is not set");
  }

  @Test
  void aPolicyTwoBackendsShareIsOneProblem() throws Exception {
    resources("{env: TOLLGATE_TEST_NEVER_SET}");
    Files.writeString(dir.resolve("second.yaml"), """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: openai-2}
        spec:
          schema: {name: OpenAI}
          endpoint: {host: api2.example.com}
          backendSecurityPolicyRef: {name: openai-key}
        """);
    InvalidResourcesException e = catchThrowableOfType(InvalidResourcesException.class, () -> translate(true));
    assertThat(e.problems()).hasSize(1);
  }

  @Test
  void aKeyFileThatExistsIsNeitherWarningNorProblem() throws Exception {
    Path key = Files.writeString(dir.resolve("openai.key"), "sk-test\n");
    resources("{file: " + key + "}");
    assertThat(translate(true).warnings()).isEmpty();
    assertThat(translate(false).warnings()).isEmpty();
  }
}
