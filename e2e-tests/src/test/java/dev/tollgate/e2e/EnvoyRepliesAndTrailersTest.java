package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.testkit.EnvoyLikeClient;
import dev.tollgate.testkit.FakeOpenAi;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.HttpExchange;
import dev.tollgate.testkit.ProxyResponse;
import dev.tollgate.testkit.RawExtProcStream;
import dev.tollgate.testkit.TollgateHarness;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Envoy does that the Envoy-like client does not play, driven message by message against the
 * gateway as shipped: its own local replies in the response phases (before and after routing),
 * answers that end with trailers, and clients that send the gateway's own routing headers.
 */
class EnvoyRepliesAndTrailersTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NS = "io.envoy.ai_gateway";
  private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  @TempDir
  Path dir;
  FakeUpstream upstream;
  TollgateHarness gateway;

  @BeforeEach
  void start() throws Exception {
    upstream = new FakeUpstream(FakeOpenAi.handler(null, 11, 7));
    gateway = TollgateHarness.start(dir, Plugins.dir(), """
        unknownPaths: PassThrough
        costs:
          - {metadataKey: llm_total_token, type: TotalToken}
        rules:
          - {name: openai, headers: [{name: x-ai-eg-model, type: Exact, value: gpt-4o-mini}], backends: [{name: openai}]}
          - {name: claude, headers: [{name: x-ai-eg-model, type: Exact, value: claude}], backends: [{name: claude}]}
        backends:
          - {name: openai, schema: {name: OpenAI}}
          - name: claude
            schema: {name: Anthropic}
            auth: {type: APIKey, header: x-api-key, key: sk-ant-e2e}
        """);
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    upstream.close();
  }

  private RawExtProcStream stream() {
    return new RawExtProcStream(gateway.channel());
  }

  private static List<String> set(CommonResponse c) {
    return c.getHeaderMutation().getSetHeadersList().stream().map(HeaderValueOption::getHeader)
        .map(h -> h.getKey() + "=" + h.getRawValue().toStringUtf8()).toList();
  }

  private static JsonNode body(CommonResponse c) throws Exception {
    return JSON.readTree(c.getBodyMutation().getBody().toByteArray());
  }

  private static double cost(ProcessingResponse r, String key) {
    return r.getDynamicMetadata().getFieldsOrThrow(NS).getStructValue().getFieldsOrThrow(key).getNumberValue();
  }

  // --- the gateway's own routing headers ---

  @Test
  void theRequestHeadersAnswerRemovesTheGatewaysOwnHeadersAndClearsTheRoute() throws Exception {
    for (String path : List.of("/v1/chat/completions", "/not/a/gateway/path")) {
      try (RawExtProcStream s = stream()) {
        CommonResponse c = s.requestHeaders(false, ":method", "POST", ":path", path,
            "x-ai-eg-selected-backend", "openai", "x-ai-eg-model", "gpt-4o").getRequestHeaders().getResponse();
        assertThat(c.getHeaderMutation().getRemoveHeadersList()).as(path)
            .containsExactlyInAnyOrder("x-ai-eg-selected-backend", "x-ai-eg-model");
        assertThat(c.getClearRouteCache()).as(path).isTrue();
      }
    }
  }

  @Test
  void aClientCannotPickTheBackendRouteOfAPassedThroughRequest() throws Exception {
    EnvoyLikeClient envoy = gateway.envoy(Map.of("openai", upstream.uri()));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/files", "{}", "x-ai-eg-selected-backend", "openai"));
    assertThat(r.routeCacheCleared()).isTrue();
    assertThat(r.cluster()).as("no route without the header: the proxy's 404").isNull();
    assertThat(r.status()).isEqualTo(404);
    assertThat(upstream.received()).isEmpty();

    ProxyResponse chat = envoy.send(HttpExchange.postJson("/v1/chat/completions", CHAT,
        "x-ai-eg-selected-backend", "elsewhere", "x-ai-eg-model", "gpt-4o"));
    assertThat(chat.status()).isEqualTo(200);
    assertThat(chat.cluster()).isEqualTo("openai");
    assertThat(upstream.last().header("x-ai-eg-model")).isEqualTo("gpt-4o-mini");
  }

  // --- Envoy's own local replies ---

  @Test
  void envoysReplyWhileTheRequestBodyIsBufferedKeepsItsStatusInTheClientsFormat() throws Exception {
    try (RawExtProcStream s = stream()) {
      s.requestHeaders(false, ":method", "POST", ":path", "/v1/chat/completions", "content-type", "application/json");
      ProcessingResponse r = s.responseHeaders(false, ":status", "413", "content-type", "text/plain",
          "content-length", "17");
      assertThat(r.hasImmediateResponse()).isFalse();
      CommonResponse c = r.getResponseHeaders().getResponse();
      assertThat(c.getStatus()).as("the body is replaced in this answer").isEqualTo(CommonResponse.ResponseStatus.CONTINUE_AND_REPLACE);
      assertThat(set(c)).contains("content-type=application/json");
      assertThat(c.getHeaderMutation().getRemoveHeadersList()).contains("content-length");
      JsonNode err = body(c).path("error");
      assertThat(err.path("code").asText()).isEqualTo("413");
      assertThat(err.path("message").asText()).contains("buffer limit");
      assertThat(err.path("type").asText()).isNotBlank();
    }
    try (RawExtProcStream s = stream()) {
      s.requestHeaders(false, ":method", "POST", ":path", "/v1/messages", "content-type", "application/json");
      CommonResponse c = s.responseHeaders(false, ":status", "408", "content-type", "text/plain")
          .getResponseHeaders().getResponse();
      JsonNode anthropic = body(c);
      assertThat(anthropic.path("type").asText()).isEqualTo("error");
      assertThat(anthropic.path("error").path("message").asText()).contains("did not arrive in time");
    }
  }

  @Test
  void envoysReplyBeforeAnyRequestHeadersAndSuccessesBeforeRouting() throws Exception {
    try (RawExtProcStream s = stream()) {
      CommonResponse c = s.responseHeaders(true, ":status", "503").getResponseHeaders().getResponse();
      assertThat(c.getStatus()).isEqualTo(CommonResponse.ResponseStatus.CONTINUE_AND_REPLACE);
      assertThat(body(c).path("error").path("message").asText()).contains("no healthy upstream");
    }
    try (RawExtProcStream s = stream()) {
      s.requestHeaders(false, ":method", "POST", ":path", "/v1/chat/completions");
      CommonResponse c = s.responseHeaders(false, ":status", "200", "content-type", "text/plain")
          .getResponseHeaders().getResponse();
      assertThat(c.hasBodyMutation()).as("not an error: passed as it is").isFalse();
      assertThat(c.hasHeaderMutation()).isFalse();
    }
  }

  @Test
  void envoysRepliesAfterRoutingAreRewrittenWithOrWithoutABody() throws Exception {
    try (RawExtProcStream s = stream()) {
      s.requestHeaders(false, ":method", "POST", ":path", "/v1/chat/completions");
      s.requestBody(CHAT);
      // Envoy's 404 when no route matches has no body
      CommonResponse c = s.responseHeaders(true, ":status", "404").getResponseHeaders().getResponse();
      assertThat(c.getStatus()).isEqualTo(CommonResponse.ResponseStatus.CONTINUE_AND_REPLACE);
      assertThat(set(c)).contains("content-type=application/json");
      assertThat(body(c).path("error").path("code").asText()).isEqualTo("404");
    }
    try (RawExtProcStream s = stream()) {
      s.requestHeaders(false, ":method", "POST", ":path", "/v1/chat/completions");
      s.requestBody(CHAT);
      ProcessingResponse h = s.responseHeaders(false, ":status", "504", "content-type", "text/plain",
          "content-length", "24");
      assertThat(h.getResponseHeaders().getResponse().getHeaderMutation().getRemoveHeadersList()).contains("content-length");
      CommonResponse b = s.responseBody("upstream request timeout", true).getResponseBody().getResponse();
      JsonNode err = body(b).path("error");
      assertThat(err.path("code").asText()).isEqualTo("504");
      assertThat(err.path("message").asText()).contains("upstream request timeout");
    }
  }

  // --- trailers ---

  @Test
  void aStreamedAnswerEndedByTrailersIsFinishedThereWithItsCosts() throws Exception {
    try (RawExtProcStream s = stream()) {
      s.requestHeaders(false, ":method", "POST", ":path", "/v1/chat/completions");
      s.requestBody("{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
      ProcessingResponse h = s.responseHeaders(false, ":status", "200", "content-type", "text/event-stream");
      assertThat(h.getModeOverride().getResponseBodyMode()).isEqualTo(ProcessingMode.BodySendMode.STREAMED);
      assertThat(h.getModeOverride().getResponseTrailerMode()).isEqualTo(ProcessingMode.HeaderSendMode.SEND);
      for (byte[] chunk : FakeOpenAi.streamChunks("gpt-4o-mini", 11, 7, true)) {
        String text = new String(chunk, StandardCharsets.UTF_8);
        ProcessingResponse b = s.responseBody(text, false);
        if (text.startsWith("data: [DONE]") || text.contains("\"total_tokens\"")) {
          // the costs go out as soon as the usage is known (a stream cut after it is still charged),
          // and at [DONE] (the client may hang up), and again at the real end
          assertThat(cost(b, "llm_total_token")).as(text).isEqualTo(18);
        } else {
          assertThat(b.hasDynamicMetadata()).as("no usage yet: " + text).isFalse();
        }
      }
      ProcessingResponse t = s.responseTrailers("grpc-status", "0");
      assertThat(t.hasResponseTrailers()).isTrue();
      assertThat(cost(t, "llm_total_token")).isEqualTo(18);
      assertThat(t.getDynamicMetadata().getFieldsOrThrow(NS).getStructValue().getFieldsOrThrow("backend_name")
          .getStringValue()).isEqualTo("openai");
    }
  }

  @Test
  void aBufferedAnswerFollowedByTrailersIsWholeInItsBodyMessage() throws Exception {
    try (RawExtProcStream s = stream()) {
      s.requestHeaders(false, ":method", "POST", ":path", "/v1/chat/completions");
      s.requestBody("{\"model\":\"claude\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
      ProcessingResponse h = s.responseHeaders(false, ":status", "200", "content-type", "application/json");
      assertThat(h.getModeOverride().getResponseBodyMode()).isEqualTo(ProcessingMode.BodySendMode.BUFFERED);
      assertThat(h.getModeOverride().getResponseTrailerMode()).isEqualTo(ProcessingMode.HeaderSendMode.SEND);
      // Envoy: the buffered body without end of stream, since trailers follow
      ProcessingResponse b = s.responseBody("{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
          + "\"model\":\"claude\",\"content\":[{\"type\":\"text\",\"text\":\"Hi there\"}],\"stop_reason\":\"end_turn\","
          + "\"usage\":{\"input_tokens\":3,\"output_tokens\":2}}", false);
      JsonNode chat = body(b.getResponseBody().getResponse());
      assertThat(chat.path("object").asText()).isEqualTo("chat.completion");
      assertThat(chat.path("choices").get(0).path("message").path("content").asText()).isEqualTo("Hi there");
      assertThat(cost(b, "llm_total_token")).isEqualTo(5);
      ProcessingResponse t = s.responseTrailers("x-trailer", "1");
      assertThat(t.hasResponseTrailers()).isTrue();
      assertThat(t.hasDynamicMetadata()).as("costs went out once, with the body").isFalse();
    }
  }
}
