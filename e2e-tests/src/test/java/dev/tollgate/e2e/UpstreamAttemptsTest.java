package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.tollgate.core.pipeline.UpstreamPlacement;
import dev.tollgate.testkit.RawExtProcStream;
import dev.tollgate.testkit.TollgateHarness;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rule of placement Upstream, message by message as real Envoy 1.40 sends them (see
 * docs/research/upstream-extproc.md): the router-level stream routes and hands over, each
 * attempt's stream translates for the backend its endpoint names and rewrites the whole request,
 * since Envoy shows a retry the previous attempt's headers.
 */
class UpstreamAttemptsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NS = "io.envoy.ai_gateway";
  private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
      + "\"max_tokens\":50}";

  @TempDir
  Path dir;
  TollgateHarness gateway;

  @BeforeEach
  void start() throws Exception {
    gateway = TollgateHarness.start(dir, Plugins.dir(), """
        costs:
          - {metadataKey: llm_total_token, type: TotalToken}
        rules:
          - name: resilient
            placement: Upstream
            headers: [{name: x-ai-eg-model, type: Exact, value: gpt-4o-mini}]
            backends: [{name: openai, priority: 0}, {name: claude, priority: 1}]
        backends:
          - name: openai
            schema: {name: OpenAI}
            auth: {type: APIKey, key: sk-openai}
          - name: claude
            schema: {name: Anthropic}
            modelNameOverride: claude-sonnet-4-5
            auth: {type: APIKey, header: x-api-key, key: sk-ant}
        """);
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
  }

  private RawExtProcStream stream() {
    return new RawExtProcStream(gateway.channel());
  }

  private static Map<String, String> set(CommonResponse c) {
    Map<String, String> m = new LinkedHashMap<>();
    for (HeaderValueOption o : c.getHeaderMutation().getSetHeadersList()) {
      m.put(o.getHeader().getKey(), o.getHeader().getRawValue().toStringUtf8());
    }
    return m;
  }

  /** The router-level stream up to its request body answer. */
  private ProcessingResponse routed(RawExtProcStream router) throws Exception {
    router.requestHeaders(false, ":method", "POST", ":path", "/v1/chat/completions", ":authority", "gw.local",
        "content-type", "application/json", "authorization", "Bearer client-key", "accept-encoding", "gzip");
    return router.requestBody(CHAT);
  }

  /** An attempt's request headers, with the attributes and metadata Envoy's upstream filter sends. */
  private static ProcessingRequest attemptHeaders(String backend, int number, Struct handoff, String... headers) {
    Struct attributes = Struct.newBuilder()
        .putFields(UpstreamPlacement.BACKEND_ATTRIBUTE, Value.newBuilder().setStringValue(backend).build())
        .putFields(UpstreamPlacement.HOST_ATTRIBUTE, Value.newBuilder().setStringValue(backend + ".example").build())
        .putFields(UpstreamPlacement.ATTEMPT_ATTRIBUTE, Value.newBuilder().setNumberValue(number).build())
        .build();
    ProcessingRequest.Builder b = ProcessingRequest.newBuilder()
        .setRequestHeaders(HttpHeaders.newBuilder().setHeaders(RawExtProcStream.headers(headers)))
        .putAttributes("envoy.filters.http.ext_proc", attributes);
    if (handoff != null) {
      b.setMetadataContext(Metadata.newBuilder().putFilterMetadata(UpstreamPlacement.HANDOFF_NAMESPACE, handoff));
    }
    return b.build();
  }

  private static Struct handoff(ProcessingResponse routed) {
    return routed.getDynamicMetadata().getFieldsOrThrow(UpstreamPlacement.HANDOFF_NAMESPACE).getStructValue();
  }

  @Test
  void theRouterPhaseRoutesToTheRulesClusterAndHandsTheRequestOverUntranslated() throws Exception {
    try (RawExtProcStream router = stream()) {
      ProcessingResponse r = routed(router);
      CommonResponse c = r.getRequestBody().getResponse();
      assertThat(set(c)).containsEntry("x-ai-eg-selected-backend", "rule:resilient")
          .containsEntry("x-ai-eg-model", "gpt-4o-mini").doesNotContainKey(":path").doesNotContainKey("authorization");
      assertThat(c.getClearRouteCache()).isTrue();
      assertThat(c.hasBodyMutation()).as("Envoy replays the client's body to each attempt").isFalse();
      Struct h = handoff(r);
      assertThat(h.getFieldsOrThrow("rule").getStringValue()).isEqualTo("resilient");
      assertThat(h.getFieldsOrThrow("path").getStringValue()).isEqualTo("/v1/chat/completions");
      assertThat(h.getFieldsOrThrow("headers").getStructValue().getFieldsMap()).containsKey("authorization")
          .doesNotContainKey(":path");
    }
  }

  @Test
  void aRetryToABackendOfAnotherSchemaRewritesTheWholeRequestOverThePreviousAttemptsHeaders() throws Exception {
    Struct handoff;
    try (RawExtProcStream router = stream()) {
      handoff = handoff(routed(router));
    }
    try (RawExtProcStream first = stream()) {
      first.send(attemptHeaders("openai", 1, handoff, ":method", "POST", ":path", "/v1/chat/completions",
          ":authority", "gw.local", "authorization", "Bearer client-key", "x-ai-eg-selected-backend", "rule:resilient"));
      Map<String, String> s = set(first.requestBody(CHAT).getRequestBody().getResponse());
      assertThat(s).containsEntry("authorization", "Bearer sk-openai").containsEntry(":authority", "openai.example")
          .containsEntry("x-ai-eg-selected-backend", "openai").containsEntry("content-length",
              Integer.toString(CHAT.length()));
    }
    try (RawExtProcStream second = stream()) {
      // what Envoy shows the retry: the first attempt's rewrite
      second.send(attemptHeaders("claude", 2, handoff, ":method", "POST", ":path", "/v1/chat/completions",
          ":authority", "openai.example", "authorization", "Bearer sk-openai", "x-ai-eg-selected-backend", "openai",
          "content-length", Integer.toString(CHAT.length()), "x-request-id", "rid-1", "x-envoy-attempt-count", "2"));
      CommonResponse c = second.requestBody(CHAT).getRequestBody().getResponse();
      Map<String, String> s = set(c);
      JsonNode body = JSON.readTree(c.getBodyMutation().getBody().toByteArray());
      assertThat(body.path("model").asText()).isEqualTo("claude-sonnet-4-5");
      assertThat(body.path("max_tokens").asInt()).isEqualTo(50);
      assertThat(s).containsEntry(":path", "/v1/messages").containsEntry("x-api-key", "sk-ant")
          .containsEntry(":authority", "claude.example").containsEntry("x-ai-eg-selected-backend", "claude")
          .containsEntry("content-length", Integer.toString(c.getBodyMutation().getBody().size()))
          .containsKey("anthropic-version");
      assertThat(c.getHeaderMutation().getRemoveHeadersList()).as("the first attempt's key must not reach Anthropic")
          .contains("authorization").doesNotContain("x-request-id", "x-envoy-attempt-count", ":authority");

      ProcessingResponse headers = second.responseHeaders(false, ":status", "200", "content-type", "application/json");
      assertThat(set(headers.getResponseHeaders().getResponse()))
          .containsEntry(UpstreamPlacement.ATTEMPT_HEADER, "claude");
      ProcessingResponse done = second.responseBody("""
          {"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5",
           "content":[{"type":"text","text":"Hello"}],"stop_reason":"end_turn",
           "usage":{"input_tokens":9,"output_tokens":4}}""", true);
      JsonNode answer = JSON.readTree(done.getResponseBody().getResponse().getBodyMutation().getBody().toByteArray());
      assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
      Struct costs = done.getDynamicMetadata().getFieldsOrThrow(NS).getStructValue();
      assertThat(costs.getFieldsOrThrow("backend_name").getStringValue()).isEqualTo("claude");
      assertThat(costs.getFieldsOrThrow("llm_total_token").getNumberValue()).isEqualTo(13);
    }
  }

  @Test
  void theRouterPhaseLeavesAnAttemptsAnswerAsItIsAndPutsEnvoysOwnInTheClientsFormat() throws Exception {
    try (RawExtProcStream router = stream()) {
      routed(router);
      ProcessingResponse r = router.responseHeaders(false, ":status", "503", "content-type", "application/json",
          UpstreamPlacement.ATTEMPT_HEADER, "claude");
      assertThat(r.getResponseHeaders().getResponse().getHeaderMutation().getRemoveHeadersList())
          .containsExactly(UpstreamPlacement.ATTEMPT_HEADER);
      assertThat(r.getResponseHeaders().getResponse().hasBodyMutation()).isFalse();
      assertThat(r.getModeOverride().getResponseBodyMode()).isEqualTo(ProcessingMode.BodySendMode.NONE);
    }
    try (RawExtProcStream router = stream()) {
      routed(router);
      ProcessingResponse r = router.responseHeaders(false, ":status", "503", "content-type", "text/plain");
      CommonResponse c = r.getResponseHeaders().getResponse();
      JsonNode error = JSON.readTree(c.getBodyMutation().getBody().toByteArray());
      assertThat(error.path("error").path("message").asText()).isNotBlank();
      assertThat(set(c)).containsEntry("content-type", "application/json");
    }
  }

  @Test
  void anAttemptWithoutTheHandOverIsRefusedWithAnErrorTheRouterPhasePassesOn() throws Exception {
    try (RawExtProcStream attempt = stream()) {
      ProcessingResponse r = attempt.send(attemptHeaders("openai", 1, null, ":method", "POST", ":path",
          "/v1/chat/completions"));
      assertThat(r.hasImmediateResponse()).isTrue();
      assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(500);
      assertThat(r.getImmediateResponse().getHeaders().getSetHeadersList()).extracting(o -> o.getHeader().getKey())
          .contains(UpstreamPlacement.ATTEMPT_HEADER);
      assertThat(r.getImmediateResponse().getBody().toStringUtf8()).contains("Envoy configuration is incomplete");
    }
    try (RawExtProcStream attempt = stream()) {
      Struct handoff;
      try (RawExtProcStream router = stream()) {
        handoff = handoff(routed(router));
      }
      ProcessingResponse r = attempt.send(attemptHeaders("nowhere", 1, handoff, ":method", "POST"));
      assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(500);
      assertThat(r.getImmediateResponse().getBody().toStringUtf8()).contains("'nowhere' is not configured");
    }
  }

  @SuppressWarnings("unused")
  private static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
