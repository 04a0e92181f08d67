package dev.tollgate.plugins.azureopenai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.Headers;
import dev.tollgate.api.Settings;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.toolkit.JsonSupport;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Where Azure's Responses API is for each schema version, and the deployment as the body's model. */
class AzureResponsesPathTest {
  @Test
  void theSchemaVersionPicksTheSurface() {
    assertThat(AzureOpenAiTranslators.responsesPath("2024-10-21")).isEqualTo("/openai/v1/responses");
    assertThat(AzureOpenAiTranslators.responsesPath("v1")).isEqualTo("/openai/v1/responses");
    assertThat(AzureOpenAiTranslators.responsesPath("preview")).isEqualTo("/openai/v1/responses?api-version=preview");
    assertThat(AzureOpenAiTranslators.responsesPath("2025-04-01-preview"))
        .isEqualTo("/openai/responses?api-version=2025-04-01-preview");
  }

  @Test
  void theDeploymentIsTheModelAndTheRestOfTheBodyGoesAsSent() throws Exception {
    BackendTarget backend = new BackendTarget("azure", "AzureOpenAI", "2025-04-01-preview", "my-deployment",
        Settings.empty("backends[0].provider"));
    Translator t = new AzureOpenAiTranslators.Responses().create(backend, "backends[0]");
    String body = "{\"model\":\"gpt-4o\",\"input\":\"hi\",\"previous_response_id\":\"resp_1\",\"store\":true}";
    ObjectNode json = (ObjectNode) JsonSupport.tryParse(body);
    Translator.Exchange x = t.start(new ClientRequest(Endpoint.RESPONSES, Headers.empty(),
        body.getBytes(StandardCharsets.UTF_8), json, "gpt-4o", false));
    assertThat(x.request().path()).isEqualTo("/openai/responses?api-version=2025-04-01-preview");
    ObjectNode sent = (ObjectNode) JsonSupport.tryParse(x.request().body());
    assertThat(sent.path("model").asText()).isEqualTo("my-deployment");
    assertThat(sent.path("previous_response_id").asText()).isEqualTo("resp_1");
  }
}
