package dev.tollgate.plugins.azureauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.testkit.FakeAzureOpenAi;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.HttpExchange;
import dev.tollgate.testkit.ProxyResponse;
import dev.tollgate.testkit.TollgateHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Azure credentials in front of the Azure OpenAI translator, against a fake Azure OpenAI resource. */
class AzureCredentialsTest {
  private static final String CHAT = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  @TempDir
  Path dir;
  FakeUpstream azure;
  TollgateHarness gw;

  @AfterEach
  void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
    if (azure != null) {
      azure.close();
    }
  }

  private void start(String auth) throws Exception {
    gw = TollgateHarness.startFromClasspath(dir, """
        rules:
          - backends: [{name: azure}]
        backends:
          - name: azure
            schema: {name: AzureOpenAI, version: 2024-10-21}
            auth: %s
        """.formatted(auth));
  }

  private ProxyResponse chat(String... clientHeaders) throws Exception {
    return gw.envoy(Map.of("azure", azure.uri())).send(HttpExchange.postJson("/v1/chat/completions", CHAT, clientHeaders));
  }

  @Test
  void inlineKeyGoesInTheApiKeyHeaderAndTheClientsCredentialsDoNot() throws Exception {
    azure = new FakeUpstream(FakeAzureOpenAi.handler(Set.of("gpt-4o"), "azure-secret", null, 1, 1));
    start("{type: AzureCredentials, apiKey: {key: azure-secret}}");
    ProxyResponse r = chat("authorization", "Bearer client-key-must-not-leak");
    assertThat(r.status()).isEqualTo(200);
    assertThat(azure.last().header("api-key")).isEqualTo("azure-secret");
    assertThat(azure.last().header("authorization")).isNull();
  }

  @Test
  void keyFileIsReadAgainWhenItChanges() throws Exception {
    Path key = dir.resolve("azure.key");
    Files.writeString(key, "first-key\n");
    azure = new FakeUpstream(FakeAzureOpenAi.handler(Set.of("gpt-4o"), "first-key", null, 1, 1));
    start("{type: AzureCredentials, apiKey: {file: %s}}".formatted(key));
    assertThat(chat().status()).isEqualTo(200);
    Files.writeString(key, "the-rotated-key\n");
    azure.handler(FakeAzureOpenAi.handler(Set.of("gpt-4o"), "the-rotated-key", null, 1, 1));
    assertThat(chat().status()).isEqualTo(200);
    assertThat(azure.last().header("api-key")).isEqualTo("the-rotated-key");
  }

  @Test
  void keyFromTheEnvironment() throws Exception {
    // PATH is set in every test environment; its value stands in for a key
    String value = System.getenv("PATH");
    azure = new FakeUpstream(FakeAzureOpenAi.handler(Set.of("gpt-4o"), value, null, 1, 1));
    start("{type: AzureCredentials, apiKey: {env: PATH}}");
    assertThat(chat().status()).isEqualTo(200);
    assertThat(azure.last().header("api-key")).isEqualTo(value);
  }

  @Test
  void entraTokenFileIsSentAsBearerAndAClientApiKeyIsDropped() throws Exception {
    Path token = dir.resolve("entra.token");
    Files.writeString(token, "eyJ0eXAiOiJKV1Qi.entra.token\n");
    azure = new FakeUpstream(FakeAzureOpenAi.handler(Set.of("gpt-4o"), null, "eyJ0eXAiOiJKV1Qi.entra.token", 1, 1));
    start("{type: AzureCredentials, tokenFile: %s}".formatted(token));
    ProxyResponse r = chat("api-key", "client-key-must-not-leak");
    assertThat(r.status()).isEqualTo(200);
    assertThat(azure.last().header("authorization")).isEqualTo("Bearer eyJ0eXAiOiJKV1Qi.entra.token");
    assertThat(azure.last().header("api-key")).isNull();
  }

  @Test
  void wrongKeyGetsAzures401InOpenAiShape() throws Exception {
    azure = new FakeUpstream(FakeAzureOpenAi.handler(Set.of("gpt-4o"), "right-key", null, 1, 1));
    start("{type: AzureCredentials, apiKey: {key: wrong-key}}");
    ProxyResponse r = chat();
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.bodyText()).contains("\"type\":\"authentication_error\"").contains("Access denied");
  }

  @Test
  void configErrorsNameTheField() {
    assertThatThrownBy(() -> start("{type: AzureCredentials}"))
        .hasMessageContaining("backends[0].auth").hasMessageContaining("exactly one of apiKey or tokenFile");
    assertThatThrownBy(() -> start("{type: AzureCredentials, apiKey: {key: k}, tokenFile: /x}"))
        .hasMessageContaining("exactly one of apiKey or tokenFile");
    assertThatThrownBy(() -> start("{type: AzureCredentials, apiKey: inline-secret}"))
        .hasMessageContaining("backends[0].auth.apiKey").hasMessageContaining("must be a mapping")
        .hasMessageNotContaining("inline-secret");
    assertThatThrownBy(() -> start("{type: AzureCredentials, apiKey: {key: k, env: X}}"))
        .hasMessageContaining("backends[0].auth.apiKey").hasMessageContaining("exactly one of file, env or key");
    assertThatThrownBy(() -> start("{type: AzureCredentials, apiKey: {env: TOLLGATE_TEST_SURELY_UNSET_VARIABLE}}"))
        .hasMessageContaining("backends[0].auth.apiKey.env").hasMessageContaining("is not set");
    assertThatThrownBy(() -> start("{type: AzureCredentials, apiKey: {file: %s}}".formatted(dir.resolve("nope"))))
        .hasMessageContaining("backends[0].auth.apiKey.file").hasMessageContaining("does not exist");
    assertThatThrownBy(() -> start("{type: AzureCredentials, apiKey: {key: k}, header: x-api-key}"))
        .hasMessageContaining("backends[0].auth.header").hasMessageContaining("unknown field");
  }
}
