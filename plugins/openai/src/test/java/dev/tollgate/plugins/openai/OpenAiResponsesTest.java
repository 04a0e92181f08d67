package dev.tollgate.plugins.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.Headers;
import dev.tollgate.api.Settings;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.toolkit.JsonSupport;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The OpenAI schema serves the Responses API natively: the body as sent, at /v1/responses or the versioned path. */
class OpenAiResponsesTest {
  private static Translator.Exchange start(String version, String override, String body) throws Exception {
    BackendTarget backend = new BackendTarget("openai", "OpenAI", version, override,
        Settings.empty("backends[0].provider"));
    Translator t = new OpenAiTranslators.Responses().create(backend, "backends[0]");
    ObjectNode json = (ObjectNode) JsonSupport.tryParse(body);
    return t.start(new ClientRequest(Endpoint.RESPONSES, Headers.empty(), body.getBytes(StandardCharsets.UTF_8), json,
        json.path("model").asText(), json.path("stream").asBoolean()));
  }

  @Test
  void theBodyGoesAsSentToV1Responses() throws Exception {
    String body = "{\"model\":\"gpt-4o\",\"input\":\"hi\",\"background\":true,\"conversation\":\"conv_1\"}";
    Translator.Exchange x = start("", "", body);
    assertThat(x.request().path()).isEqualTo("/v1/responses");
    assertThat(new String(x.request().body(), StandardCharsets.UTF_8)).isEqualTo(body);
  }

  @Test
  void theSchemaVersionAndTheModelOverrideApply() throws Exception {
    Translator.Exchange x = start("api/v1", "gpt-4.1", "{\"model\":\"gpt-4o\",\"input\":\"hi\",\"store\":false}");
    assertThat(x.request().path()).isEqualTo("/api/v1/responses");
    ObjectNode sent = (ObjectNode) JsonSupport.tryParse(x.request().body());
    assertThat(sent.path("model").asText()).isEqualTo("gpt-4.1");
    assertThat(sent.path("store").asBoolean(true)).isFalse();
  }
}
