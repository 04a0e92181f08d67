package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Struct;
import dev.tollgate.core.config.ClientKeys;
import dev.tollgate.core.pipeline.UpstreamPlacement;
import dev.tollgate.testkit.EnvoyLikeClient;
import dev.tollgate.testkit.FakeAnthropic;
import dev.tollgate.testkit.FakeOpenAi;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.HttpExchange;
import dev.tollgate.testkit.ProxyResponse;
import dev.tollgate.testkit.RawExtProcStream;
import dev.tollgate.testkit.TollgateHarness;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client keys and budgets through the whole gateway, as Envoy drives it: the key check, the
 * consumer in routing, metadata and allow-list, the key kept from every upstream, and the
 * rate-limit filter's refusal written for the client. One gateway serves every test (the reload
 * test starts its own); each test gets fresh upstreams.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsumersEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NS = "io.envoy.ai_gateway";
  private static final String RESEARCH_KEY = "tg-research-6f1c0d9e2b7a4c3f";
  private static final String OPS_KEY = "tg-ops-91d2e3f4a5b6c7d8";
  private static final String OLD_KEY = "tg-ops-old-0000000000000000";
  private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
  private static final String MESSAGES = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  /** The shared gateway's; a static @TempDir is made once for the class. */
  @TempDir
  static Path dir;
  @TempDir
  Path reloadDir;
  FakeUpstream openai;
  FakeUpstream research;
  FakeUpstream anthropic;
  TollgateHarness gateway;
  EnvoyLikeClient envoy;

  static String config(boolean withOps) {
    return """
        uuid: consumers-1
        costs:
          - {metadataKey: llm_total_token, type: TotalToken}
          - {metadataKey: refund, type: CEL, expression: "output_tokens - 100"}
        rules:
          - name: research-team
            headers:
              - {name: x-ai-eg-model, type: Exact, value: gpt-4o-mini}
              - {name: x-tollgate-consumer-team, type: Exact, value: research}
            backends: [{name: research-openai}]
          - name: mini
            headers: [{name: x-ai-eg-model, type: Exact, value: gpt-4o-mini}]
            backends: [{name: openai}]
          - name: big
            headers: [{name: x-ai-eg-model, type: Exact, value: gpt-4o}]
            backends: [{name: openai}]
          - name: claude
            headers: [{name: x-ai-eg-model, type: RegularExpression, value: "claude-.*"}]
            backends: [{name: anthropic}]
          - name: resilient
            placement: Upstream
            headers: [{name: x-ai-eg-model, type: Exact, value: resilient}]
            backends: [{name: openai, priority: 0}, {name: anthropic, priority: 1}]
        backends:
          - name: openai
            schema: {name: OpenAI}
            auth: {type: APIKey, key: sk-openai}
          - name: research-openai
            schema: {name: OpenAI}
            auth: {type: APIKey, key: sk-research}
          - name: anthropic
            schema: {name: Anthropic}
            auth: {type: APIKey, header: x-api-key, key: sk-ant}
        consumers:
          - name: research-app
            metadata: {team: research, tier: gold}
            models: [gpt-4o-mini, "claude-*", resilient]
            keys:
              - sha256: %s
        """.formatted(ClientKeys.sha256Hex(RESEARCH_KEY)) + (!withOps ? "" : """
          - name: ops
            keys:
              - sha256: %s
              - sha256: %s
                expires: 2020-01-01T00:00:00Z
        """.formatted(ClientKeys.sha256Hex(OPS_KEY), ClientKeys.sha256Hex(OLD_KEY)));
  }

  @BeforeAll
  void startGateway() throws Exception {
    gateway = TollgateHarness.start(dir, Plugins.dir(), config(true));
  }

  @AfterAll
  void stopGateway() throws Exception {
    gateway.close();
  }

  @BeforeEach
  void start() throws Exception {
    openai = new FakeUpstream(FakeOpenAi.handler("sk-openai", 11, 7));
    research = new FakeUpstream(FakeOpenAi.handler("sk-research", 11, 7));
    anthropic = new FakeUpstream(FakeAnthropic.handler("sk-ant",
        FakeAnthropic.text("claude-sonnet-4-5", "Hello", " there", 9, 0, 4)));
    envoy = envoyFor(gateway);
    rateLimitChecks.clear();
  }

  private EnvoyLikeClient envoyFor(TollgateHarness harness) {
    return harness.envoy(Map.of("openai", openai.uri(), "research-openai", research.uri(),
        "anthropic", anthropic.uri(), "rule:resilient", openai.uri()));
  }

  @AfterEach
  void stop() {
    openai.close();
    research.close();
    anthropic.close();
  }

  private List<FakeUpstream.Received> everythingUpstreamsGot() {
    List<FakeUpstream.Received> all = new ArrayList<>(openai.received());
    all.addAll(research.received());
    all.addAll(anthropic.received());
    return all;
  }

  private static JsonNode json(ProxyResponse r) throws Exception {
    return JSON.readTree(r.body());
  }

  // --- the key check ---

  @Test
  void aRequestWithoutAKeyIs401InOpenAisFormatAndReachesNoUpstream() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", CHAT));
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.localReply()).isTrue();
    assertThat(r.details()).isEqualTo("tollgate_client_key");
    JsonNode error = json(r).path("error");
    assertThat(error.path("type").asText()).isEqualTo("authentication_error");
    assertThat(error.path("message").asText()).contains("authorization: Bearer <key>", "x-api-key", "api-key");
    assertThat(everythingUpstreamsGot()).isEmpty();
  }

  @Test
  void anAnthropicClientWithoutAKeyGetsAnthropicsErrorShape() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/messages", MESSAGES, "anthropic-version", "2023-06-01"));
    assertThat(r.status()).isEqualTo(401);
    JsonNode body = json(r);
    assertThat(body.path("type").asText()).isEqualTo("error");
    assertThat(body.path("error").path("type").asText()).isEqualTo("authentication_error");
    assertThat(body.path("error").path("message").asText()).contains("x-api-key");
  }

  @Test
  void aWrongKeyAndAnExpiredKeyAre401() throws Exception {
    ProxyResponse wrong = envoy.send(HttpExchange.postJson("/v1/chat/completions", CHAT,
        "authorization", "Bearer " + RESEARCH_KEY + "x"));
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(json(wrong).path("error").path("message").asText()).contains("not valid");

    ProxyResponse expired = envoy.send(HttpExchange.postJson("/v1/chat/completions", CHAT, "api-key", OLD_KEY));
    assertThat(expired.status()).isEqualTo(401);
    assertThat(json(expired).path("error").path("message").asText()).contains("expired at 2020-01-01T00:00:00Z");
    assertThat(everythingUpstreamsGot()).isEmpty();
  }

  @Test
  void theModelListNeedsAKeyAndShowsTheConsumersModelsOnly() throws Exception {
    assertThat(envoy.send(HttpExchange.get("/v1/models")).status()).isEqualTo(401);
    ProxyResponse r = envoy.send(new HttpExchange("GET", "/v1/models", Map.of("authorization", "Bearer " + RESEARCH_KEY),
        null));
    assertThat(r.status()).isEqualTo(200);
    assertThat(json(r).path("data").findValuesAsText("id")).containsExactly("gpt-4o-mini", "resilient");
    ProxyResponse ops = envoy.send(new HttpExchange("GET", "/v1/models", Map.of("x-api-key", OPS_KEY), null));
    assertThat(json(ops).path("data").findValuesAsText("id")).containsExactly("gpt-4o-mini", "gpt-4o", "resilient");
  }

  // --- a valid key ---

  @Test
  void aValidKeyIsServedWithTheBackendsOwnKeyAndTheClientsKeyReachesNoUpstream() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", CHAT,
        "x-api-key", OPS_KEY, "api-key", OPS_KEY));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.cluster()).isEqualTo("openai");
    FakeUpstream.Received got = openai.last();
    assertThat(got.header("authorization")).as("the backend's key, added by its auth").isEqualTo("Bearer sk-openai");
    assertThat(got.headers()).doesNotContainKeys("x-api-key", "api-key");
    assertThat(got.headers().values()).noneMatch(v -> v.contains(OPS_KEY));
    assertThat(r.metadata(NS, "consumer").getStringValue()).isEqualTo("ops");
    assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(18);
  }

  @Test
  void aBearerKeyIsNotSentToABackendThatAuthenticatesWithAnotherHeader() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/messages", MESSAGES, "anthropic-version", "2023-06-01",
        "authorization", "Bearer " + RESEARCH_KEY));
    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
    FakeUpstream.Received got = anthropic.last();
    assertThat(got.header("x-api-key")).isEqualTo("sk-ant");
    assertThat(got.headers()).doesNotContainKey("authorization");
    assertThat(got.headers().values()).noneMatch(v -> v.contains(RESEARCH_KEY));
  }

  @Test
  void aModelOutsideTheConsumersAllowListIs403() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
        "{\"model\":\"gpt-4o\",\"messages\":[]}", "authorization", "Bearer " + RESEARCH_KEY));
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.details()).isEqualTo("tollgate_model_not_allowed");
    JsonNode error = json(r).path("error");
    assertThat(error.path("type").asText()).isEqualTo("permission_error");
    assertThat(error.path("message").asText()).contains("research-app", "gpt-4o", "gpt-4o-mini, claude-*");
    assertThat(everythingUpstreamsGot()).isEmpty();
    // a pattern of the list lets its models in
    ProxyResponse claude = envoy.send(HttpExchange.postJson("/v1/messages", MESSAGES, "anthropic-version", "2023-06-01",
        "x-api-key", RESEARCH_KEY));
    assertThat(claude.status()).isEqualTo(200);
  }

  @Test
  void rulesRouteByTheConsumersMetadataAndItsHeadersGoNoFurther() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", CHAT,
        "authorization", "Bearer " + RESEARCH_KEY));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.cluster()).isEqualTo("research-openai");
    assertThat(research.last().header("authorization")).isEqualTo("Bearer sk-research");
    assertThat(research.last().headers().keySet()).noneMatch(h -> h.startsWith("x-tollgate-consumer"));

    ProxyResponse ops = envoy.send(HttpExchange.postJson("/v1/chat/completions", CHAT, "x-api-key", OPS_KEY));
    assertThat(ops.cluster()).isEqualTo("openai");
  }

  @Test
  void aClientCannotClaimAConsumerOrItsMetadataByHeader() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", CHAT, "x-api-key", OPS_KEY,
        "x-tollgate-consumer", "research-app", "x-tollgate-consumer-team", "research"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.cluster()).as("the spoofed team matched no rule").isEqualTo("openai");
    assertThat(openai.last().headers().keySet()).noneMatch(h -> h.startsWith("x-tollgate-consumer"));
    assertThat(r.metadata(NS, "consumer").getStringValue()).isEqualTo("ops");
    assertThat(r.metadata(NS, "consumer_team")).isNull();
  }

  @Test
  void theConsumerIsInTheRequestHeadersAnswersMetadataAlongWithTheRequestForTheBody() throws Exception {
    try (RawExtProcStream stream = new RawExtProcStream(gateway.channel())) {
      ProcessingResponse r = stream.requestHeaders(false, ":method", "POST", ":path", "/v1/chat/completions",
          ":authority", "gw.local", "content-type", "application/json", "authorization", "Bearer " + RESEARCH_KEY,
          "x-tollgate-consumer-team", "ops");
      assertThat(r.hasRequestHeaders()).isTrue();
      assertThat(r.getModeOverride().getRequestBodyMode()).isEqualTo(ProcessingMode.BodySendMode.BUFFERED);
      Struct md = r.getDynamicMetadata().getFieldsOrThrow(NS).getStructValue();
      assertThat(md.getFieldsOrThrow("consumer").getStringValue()).isEqualTo("research-app");
      assertThat(md.getFieldsOrThrow("consumer_team").getStringValue()).isEqualTo("research");
      assertThat(md.getFieldsOrThrow("consumer_tier").getStringValue()).isEqualTo("gold");
      assertThat(r.getRequestHeaders().getResponse().getHeaderMutation().getRemoveHeadersList())
          .contains("authorization", "x-api-key", "api-key", "x-tollgate-consumer-team");
    }
  }

  // --- the budget's refusal ---

  /** A rate-limit filter that refuses research-app (as Envoy's would once its budget is spent) and records what it saw. */
  private final List<String> rateLimitChecks = new ArrayList<>();

  private EnvoyLikeClient.RateLimitFilter refusingResearch(Map<String, String> refusal) {
    return (headers, md) -> {
      String consumer = md.getFieldsOrThrow(NS).getStructValue().getFieldsOrThrow("consumer").getStringValue();
      rateLimitChecks.add(consumer + " " + headers.get("x-ai-eg-model") + " "
          + headers.values().stream().anyMatch(v -> v.contains(RESEARCH_KEY)));
      return consumer.equals("research-app") ? Optional.of(refusal) : Optional.empty();
    };
  }

  private static final Map<String, String> REFUSAL = Map.of("x-ratelimit-limit", "1000, 1000;w=3600",
      "x-ratelimit-remaining", "0", "x-ratelimit-reset", "1800");

  @Test
  void theRateLimitFiltersRefusalIsA429InTheClientsFormatWithRetryAfter() throws Exception {
    envoy.rateLimitFilter(refusingResearch(REFUSAL));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", CHAT,
        "authorization", "Bearer " + RESEARCH_KEY));
    assertThat(r.status()).isEqualTo(429);
    assertThat(r.headers()).containsEntry("retry-after", "1800").containsEntry("x-ratelimit-limit", "1000, 1000;w=3600")
        .containsEntry("x-ratelimit-remaining", "0").containsEntry("x-ratelimit-reset", "1800")
        .containsEntry("content-type", "application/json");
    // Envoy's own marker stays: it is an x-envoy-* header, which Tollgate leaves alone
    assertThat(r.headers()).containsEntry("x-envoy-ratelimited", "true");
    assertThat(r.rejectedHeaderMutations()).isZero();
    JsonNode error = json(r).path("error");
    assertThat(error.path("code").asText()).isEqualTo("rate_limit_exceeded");
    assertThat(error.path("message").asText()).contains("consumer 'research-app'", "resets in 1800 seconds");
    assertThat(rateLimitChecks).as("the filter saw the consumer and the model, and no client key")
        .containsExactly("research-app gpt-4o-mini false");
    assertThat(everythingUpstreamsGot()).isEmpty();

    ProxyResponse ops = envoy.send(HttpExchange.postJson("/v1/chat/completions", CHAT, "x-api-key", OPS_KEY));
    assertThat(ops.status()).isEqualTo(200);
  }

  @Test
  void anAnthropicClientGetsARateLimitError() throws Exception {
    envoy.rateLimitFilter(refusingResearch(REFUSAL));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/messages", MESSAGES, "anthropic-version", "2023-06-01",
        "x-api-key", RESEARCH_KEY));
    assertThat(r.status()).isEqualTo(429);
    assertThat(r.headers()).containsEntry("retry-after", "1800");
    JsonNode body = json(r);
    assertThat(body.path("type").asText()).isEqualTo("error");
    assertThat(body.path("error").path("type").asText()).isEqualTo("rate_limit_error");
    assertThat(body.path("error").path("message").asText()).contains("research-app");
  }

  @Test
  void aRuleOfPlacementUpstreamGetsTheSameRefusal() throws Exception {
    envoy.rateLimitFilter(refusingResearch(REFUSAL));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions",
        "{\"model\":\"resilient\",\"messages\":[]}", "authorization", "Bearer " + RESEARCH_KEY));
    assertThat(r.status()).isEqualTo(429);
    assertThat(r.headers()).containsEntry("retry-after", "1800").containsEntry("x-ratelimit-remaining", "0");
    assertThat(json(r).path("error").path("code").asText()).isEqualTo("rate_limit_exceeded");
    assertThat(json(r).path("error").path("message").asText()).contains("research-app");
    assertThat(everythingUpstreamsGot()).isEmpty();
  }

  @Test
  void anUpstreamsOwn429StaysTheUpstreams() throws Exception {
    openai.handler(req -> new FakeUpstream.Answer(429, Map.of("content-type", "application/json",
        "x-envoy-ratelimited", "true"), List.of(("{\"error\":{\"message\":\"Rate limit reached for gpt-4o-mini\","
        + "\"type\":\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}").getBytes())));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", CHAT, "x-api-key", OPS_KEY));
    assertThat(r.status()).isEqualTo(429);
    assertThat(json(r).path("error").path("message").asText()).isEqualTo("Rate limit reached for gpt-4o-mini");
    assertThat(r.headers()).doesNotContainKey("retry-after");
  }

  // --- costs ---

  @Test
  void aNegativeCostIsNotEmittedAndTheOthersAre() throws Exception {
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", CHAT, "x-api-key", OPS_KEY));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(18);
    assertThat(r.metadata(NS, "refund")).as("7 output tokens - 100 is no cost").isNull();
  }

  // --- reload ---

  @Test
  void aReloadedConfigWithoutAConsumerRefusesItsKey() throws Exception {
    try (TollgateHarness own = TollgateHarness.start(reloadDir, Plugins.dir(), config(true))) {
      EnvoyLikeClient client = envoyFor(own);
      assertThat(client.send(HttpExchange.postJson("/v1/chat/completions", CHAT, "x-api-key", OPS_KEY)).status())
          .isEqualTo(200);
      Files.writeString(own.configFile(), config(false));
      assertThat(own.platform().config().checkNow()).isTrue();
      ProxyResponse refused = client.send(HttpExchange.postJson("/v1/chat/completions", CHAT, "x-api-key", OPS_KEY));
      assertThat(refused.status()).isEqualTo(401);
      assertThat(json(refused).path("error").path("message").asText()).contains("not valid");
      assertThat(client.send(HttpExchange.postJson("/v1/chat/completions", CHAT, "x-api-key", RESEARCH_KEY))
          .status()).isEqualTo(200);
    }
  }

  // --- placement Upstream ---

  @Test
  void theHandOverToUpstreamAttemptsHoldsNoClientKey() throws Exception {
    try (RawExtProcStream router = new RawExtProcStream(gateway.channel())) {
      ProcessingResponse headers = router.requestHeaders(false, ":method", "POST", ":path", "/v1/chat/completions",
          ":authority", "gw.local", "content-type", "application/json", "authorization", "Bearer " + RESEARCH_KEY,
          "x-api-key", RESEARCH_KEY, "api-key", RESEARCH_KEY, "x-trace", "t-1");
      assertThat(headers.getRequestHeaders().getResponse().getHeaderMutation().getRemoveHeadersList())
          .contains("authorization", "x-api-key", "api-key");
      ProcessingResponse body = router.requestBody("{\"model\":\"resilient\",\"messages\":[]}");
      Struct handed = body.getDynamicMetadata().getFieldsOrThrow(UpstreamPlacement.HANDOFF_NAMESPACE).getStructValue()
          .getFieldsOrThrow("headers").getStructValue();
      assertThat(handed.getFieldsMap()).containsKey("x-trace").doesNotContainKeys("authorization", "x-api-key", "api-key");
      assertThat(handed.toString()).doesNotContain(RESEARCH_KEY);
    }
  }
}
