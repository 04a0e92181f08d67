package dev.tollgate.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tollgate.controller.resource.InvalidResourcesException;
import dev.tollgate.controller.resource.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Invalid resources are reported with their file, object and field. */
class ResourceValidationTest {
  @TempDir
  Path dir;

  private List<Problem> problems() throws IOException {
    InvalidResourcesException e = catchThrowableOfType(InvalidResourcesException.class, () ->
        TestPlugins.translate(dir));
    assertThat(e).as("expected the resources to be rejected").isNotNull();
    return e.problems();
  }

  private void write(String name, String yaml) throws IOException {
    Files.writeString(dir.resolve(name), yaml);
  }

  @Test
  void unknownFieldNamesFileObjectAndFieldPath() throws IOException {
    TestFiles.copyExamples(dir);
    write("route.yaml", Files.readString(dir.resolve("route.yaml")).replace("      model: gpt-4o-mini", "      modle: gpt-4o-mini"));
    List<Problem> problems = problems();
    assertThat(problems).hasSize(1);
    Problem p = problems.get(0);
    assertThat(p.origin()).isEqualTo("route.yaml (AIGatewayRoute chat)");
    assertThat(p.field()).isEqualTo("spec.rules[0].modle");
    assertThat(p.message()).contains("not a known field").contains("model");
    assertThat(p.toString()).startsWith("route.yaml (AIGatewayRoute chat): spec.rules[0].modle: ");
  }

  @Test
  void wrongTypeAndDanglingReferencesInMultiDocumentFile() throws IOException {
    TestFiles.copyExamples(dir);
    Files.delete(dir.resolve("prompt-policy.yaml")); // it targets the route replaced here
    write("route.yaml", """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: a}
        spec:
          rules:
            - backendRefs: [{name: openai, weight: heavy}]
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: b}
        spec:
          rules:
            - backendRefs: [{name: openai}, {name: nowhere}]
        """);
    List<Problem> problems = problems();
    assertThat(problems).extracting(Problem::toString).containsExactly(
        "route.yaml (document 1) (AIGatewayRoute a): spec.rules[0].backendRefs[0].weight: 'heavy' is not a valid whole number");
    // the shape error stops before references are checked; fix it and the dangling reference shows
    write("route.yaml", Files.readString(dir.resolve("route.yaml")).replace("weight: heavy", "weight: 2"));
    assertThat(problems()).extracting(Problem::toString).containsExactly(
        "route.yaml (document 2) (AIGatewayRoute b): spec.rules[0].backendRefs[1].name: AIServiceBackend 'nowhere' is not defined");
  }

  @Test
  void securityPolicyProblems() throws IOException {
    write("b.yaml", """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: one}
        spec:
          schema: {name: OpenAI}
          endpoint: {host: api.example.com}
          backendSecurityPolicyRef: {name: missing}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: two}
        spec:
          schema: {name: OpenAl}
          endpoint: {host: "https://api.example.com", port: 70000}
          backendSecurityPolicyRef: {name: two-key}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: two-key}
        spec:
          type: APIKey
          apiKey: {file: /x, inline: y}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: three-key}
        spec:
          type: AWSCredentials
          awsCredentials: {region: us-east-1, secretRef: {name: aws}}
          apiKey: {inline: x}
        """);
    assertThat(problems()).extracting(Problem::toString).contains(
        "b.yaml (document 1) (AIServiceBackend one): spec.backendSecurityPolicyRef.name: BackendSecurityPolicy 'missing' is not defined",
        "b.yaml (document 3) (BackendSecurityPolicy two-key): spec.apiKey: set exactly one of secretRef, file, env, inline or passthrough: true",
        "b.yaml (document 4) (BackendSecurityPolicy three-key): spec.apiKey: does not belong to type AWSCredentials; remove it or change spec.type")
        .anySatisfy(s -> assertThat(s).startsWith("b.yaml (document 2) (AIServiceBackend two): spec.endpoint.host: 'https://api.example.com' must be a bare host name"));
  }

  @Test
  void missingSecretAndKey() throws IOException {
    write("b.yaml", """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: one}
        spec:
          schema: {name: OpenAI}
          endpoint: {host: api.example.com}
          backendSecurityPolicyRef: {name: key}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: key}
        spec:
          type: APIKey
          apiKey: {secretRef: {name: openai, key: token}}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: openai}
        stringData: {apiKey: sk-1}
        """);
    assertThat(problems()).extracting(Problem::toString).containsExactly(
        "b.yaml (document 2) (BackendSecurityPolicy key): spec.apiKey.secretRef.key: Secret 'openai' has no key 'token'");
  }

  @Test
  void envelopeProblems() throws IOException {
    write("a.yaml", """
        apiVersion: aigateway.tollgate.dev/v1beta9
        kind: AIServiceBackend
        metadata: {name: x}
        spec: {}
        """);
    write("b.yaml", """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIRoute
        metadata: {name: y}
        spec: {}
        """);
    write("c.yaml", """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: Bad_Name}
        spec: {}
        """);
    write("d.yml", "kind: [unclosed\n");
    assertThat(problems()).extracting(Problem::toString)
        .containsExactly("d.yml: line 1, column 16: is not valid YAML: while parsing a flow sequence;"
            + " expected ',' or ']', but got <stream end>");
    Files.delete(dir.resolve("d.yml"));
    assertThat(problems()).extracting(Problem::toString).containsExactly(
        "a.yaml (AIServiceBackend x): apiVersion: 'aigateway.tollgate.dev/v1beta9' is not served; use aigateway.tollgate.dev/v1alpha1",
        "b.yaml (AIRoute y): kind: 'AIRoute' is not known; use one of AIGatewayRoute, AIServiceBackend, BackendSecurityPolicy, PromptPolicy, Consumer, TokenBudget, PriceTable or Secret",
        "c.yaml (AIGatewayRoute Bad_Name): metadata.name: 'Bad_Name' is not a valid name (lower-case letters, digits, '-' and '.', starting and ending alphanumeric)");
  }

  @Test
  void promptPolicyProblems() throws IOException {
    TestFiles.copyExamples(dir);
    write("policy.yaml", """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: PromptPolicy
        metadata: {name: guard}
        spec:
          targetRefs: [{name: chat}, {name: other}]
          guards:
            - {type: Regex, "on": [Sometimes], regex: {builtins: [ssn]}}
            - {type: Webhook, regex: {builtins: [ssn]}}
            - {type: Regex, settings: {builtins: [ssn]}}
        """);
    assertThat(problems()).extracting(Problem::toString).containsExactly(
        "policy.yaml (PromptPolicy guard): spec.targetRefs[1].name: AIGatewayRoute 'other' is not defined",
        "policy.yaml (PromptPolicy guard): spec.guards[0].on[0]: must be Request or Response, not 'Sometimes'",
        "policy.yaml (PromptPolicy guard): spec.guards[1].regex: does not belong to type Webhook; remove it or change the type",
        "policy.yaml (PromptPolicy guard): spec.guards[2].settings: is for guard types of other plugins; put the settings"
            + " of Regex under spec.guards[2].regex");
  }

  /** The guard and enrichment plugins judge their settings; each error names the field the author wrote. */
  @Test
  void guardAndEnrichmentSettingsAreJudgedByTheirPlugins() throws IOException {
    TestFiles.copyExamples(dir);
    write("policy.yaml", """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: PromptPolicy
        metadata: {name: guard}
        spec:
          targetRefs: [{name: chat}]
          guards:
            - {type: Regex, regex: {builtins: [iban]}}
            - {type: Regex, regex: {builtins: [ssn], patterns: [{name: employee, regex: 'EMP-(\\d{6}'}]}}
            - {type: Webhook, webhook: {url: "ftp://guard", timeout: PT1S}}
            - {type: Moderation, moderation: {status: 200}}
            - {type: Regex, regex: {builtins: [email], streamWindow: 0}}
            - {type: Toxicity, settings: {threshold: 0.8}}
            - {type: Regex, "on": [Request], regex: {builtins: [ssn]}}
          enrichment:
            prepend: [{role: robot, content: hi}]
        """);
    assertThat(problems()).extracting(Problem::toString).containsExactly(
        "policy.yaml (PromptPolicy guard): spec.guards[0].regex.builtins[0]: unknown builtin 'iban';"
            + " known: [creditCard, email, phone, ssn]",
        "policy.yaml (PromptPolicy guard): spec.guards[1].regex.patterns[0].regex: is not a valid regular expression"
            + " (Unclosed group near index 10)",
        "policy.yaml (PromptPolicy guard): spec.guards[2].webhook.url: must be an http or https URL",
        "policy.yaml (PromptPolicy guard): spec.guards[3].moderation.status: must be an HTTP error status (400-599)",
        "policy.yaml (PromptPolicy guard): spec.guards[4].regex.streamWindow: must be between 1 and 65536 characters",
        "policy.yaml (PromptPolicy guard): spec.guards[5].type: no installed plugin provides guard type 'Toxicity';"
            + " installed: [Moderation, Regex, Webhook]",
        "policy.yaml (PromptPolicy guard): spec.enrichment.prepend[0].role: must be system, developer, user or assistant");
  }

  @Test
  void promptPolicyFieldsAreThePluginsSettings() throws IOException {
    TestFiles.copyExamples(dir);
    write("policy.yaml", """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: PromptPolicy
        metadata: {name: guard}
        spec:
          targetRefs: [{name: chat}]
          guards: [{type: Regex, phase: Request, regex: {builtins: [ssn]}}]
        """);
    assertThat(problems()).singleElement().asString()
        .startsWith("policy.yaml (PromptPolicy guard): spec.guards[0].phase: is not a known field; known fields here:")
        .contains("on", "regex", "webhook", "moderation", "settings");
  }

  @Test
  void aPolicyMustDoSomethingForBackendsItCanReach() throws IOException {
    TestFiles.copyExamples(dir);
    write("policy.yaml", """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: PromptPolicy
        metadata: {name: idle}
        spec:
          targetRefs: [{name: reasoning}]
          backendRefs: [{name: bedrock}]
        """);
    assertThat(problems()).extracting(Problem::toString).containsExactly(
        "policy.yaml (PromptPolicy idle): spec.backendRefs[0].name: AIServiceBackend 'bedrock' is not a backend of the"
            + " target routes [reasoning], so the policy would never apply to it",
        "policy.yaml (PromptPolicy idle): spec: set guards, enrichment or both; this policy does nothing");
  }
}
