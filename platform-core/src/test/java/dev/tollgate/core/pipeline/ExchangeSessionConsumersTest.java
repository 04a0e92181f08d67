package dev.tollgate.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.Headers;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.BackendAuth;
import dev.tollgate.api.spi.BackendAuthFactory;
import dev.tollgate.api.spi.CostCalculator;
import dev.tollgate.api.spi.CostCalculatorFactory;
import dev.tollgate.api.spi.ResponseHead;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.api.spi.TranslatorFactory;
import dev.tollgate.core.config.ClientKeys;
import dev.tollgate.core.config.CompiledConfig;
import dev.tollgate.core.config.ConfigCompiler;
import dev.tollgate.core.config.ConfigParser;
import dev.tollgate.core.plugin.PluginRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * Client keys and budgets in one exchange: the key check at the request headers, the consumer in
 * routing, metadata and allow-list, and the rate-limit filter's refusal written for the client.
 */
class ExchangeSessionConsumersTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NS = "io.envoy.ai_gateway";
  private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
  private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  /** A translator that sends the client's body as it is to {@code /echo} and passes the answer on. */
  private static final class Echo implements TranslatorFactory {
    @Override
    public String schema() {
      return "Echo";
    }

    @Override
    public Set<Endpoint> endpoints() {
      return Set.of(Endpoint.CHAT_COMPLETIONS, Endpoint.MESSAGES);
    }

    @Override
    public Translator create(BackendTarget backend, String at) {
      return request -> exchange(request);
    }

    private static Translator.Exchange exchange(ClientRequest request) {
      return new Translator.Exchange() {
        @Override
        public UpstreamRequest request() {
          return UpstreamRequest.post("/echo", Headers.empty(), request.body());
        }

        @Override
        public ResponseHead onResponseHeaders(int status, Headers headers) {
          return ResponseHead.unchanged(false);
        }

        @Override
        public byte[] onResponseBody(byte[] chunk, boolean endOfStream) {
          return chunk;
        }

        @Override
        public TokenUsage usage() {
          return TokenUsage.of(3, 4);
        }

        @Override
        public String responseModel() {
          return request.model();
        }
      };
    }
  }

  /** Sets {@code authorization: Bearer <key>}, the backend's own key. */
  private static final class BackendKey implements BackendAuthFactory {
    @Override
    public String type() {
      return "BackendKey";
    }

    @Override
    public BackendAuth create(Settings settings) throws InvalidConfigException {
      String key = settings.string("key");
      return (request, backend, clientHeaders) -> request.withHeader("authorization", "Bearer " + key);
    }
  }

  /** A cost of the configured {@code value}, whatever the usage. */
  private static final class Fixed implements CostCalculatorFactory {
    @Override
    public String type() {
      return "Fixed";
    }

    @Override
    public CostCalculator create(Settings settings) throws InvalidConfigException {
      long value = settings.longValue("value", 0);
      return input -> value;
    }
  }

  private static final String CONFIG = """
      costs:
        - {metadataKey: total, type: Fixed, value: 7}
        - {metadataKey: refund, type: Fixed, value: -5}
      rules:
        - name: research-first
          headers:
            - {name: x-ai-eg-model, type: Exact, value: gpt-4o-mini}
            - {name: x-tollgate-consumer-team, type: Exact, value: research}
          backends: [{name: research-backend}]
        - name: mini
          headers: [{name: x-ai-eg-model, type: Exact, value: gpt-4o-mini}]
          backends: [{name: main}]
        - name: claude
          headers: [{name: x-ai-eg-model, type: RegularExpression, value: "claude-.*"}]
          backends: [{name: main}]
        - name: listed
          headers: [{name: x-ai-eg-model, type: Exact, value: claude-haiku}]
          backends: [{name: main}]
        - name: other
          headers: [{name: x-ai-eg-model, type: Exact, value: gpt-4o}]
          backends: [{name: main}]
        - name: resilient
          placement: Upstream
          headers: [{name: x-ai-eg-model, type: Exact, value: resilient}]
          backends: [{name: main, priority: 0}, {name: research-backend, priority: 1}]
      backends:
        - name: main
          schema: {name: Echo}
          auth: {type: BackendKey, key: sk-main}
        - name: research-backend
          schema: {name: Echo}
          auth: {type: BackendKey, key: sk-research}
      consumers:
        - name: research-app
          metadata: {team: research}
          models: [gpt-4o-mini, "claude-*", resilient]
          keys:
            - sha256: %s
            - sha256: %s
              expires: 2026-06-01T12:00:00Z
        - name: ops
          keys:
            - sha256: %s
              expires: 2026-06-01T12:00:01Z
      """.formatted(ClientKeys.sha256Hex("key-research"), ClientKeys.sha256Hex("key-research-old"),
      ClientKeys.sha256Hex("key-ops"));

  private final List<String> localReplies = new ArrayList<>();
  private final List<String> failures = new ArrayList<>();
  private final GatewayListener listener = new GatewayListener() {
    @Override
    public void localReply(int status, String cause) {
      localReplies.add(status + " " + cause);
    }

    @Override
    public void pluginFailed(String backend, String extension, String cause) {
      failures.add(backend + " " + extension + " " + cause);
    }
  };

  private static CompiledConfig compile(String yaml) throws Exception {
    PluginRegistry plugins = new PluginRegistry(Map.of("Echo", Map.of(Endpoint.CHAT_COMPLETIONS, new Echo(),
        Endpoint.MESSAGES, new Echo())), Map.of("BackendKey", new BackendKey()), Map.of("Fixed", new Fixed()),
        Map.of(), Map.of());
    return new ConfigCompiler(plugins).compile(ConfigParser.parse(yaml));
  }

  private ExchangeSession session(String yaml) throws Exception {
    CompiledConfig compiled = compile(yaml);
    return new Gateway(() -> compiled, RandomGenerator.of("L64X128MixRandom"), listener,
        new FailureLog(Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofMinutes(1)), Clock.fixed(NOW, ZoneOffset.UTC))
        .newExchange();
  }

  private ExchangeSession session() throws Exception {
    return session(CONFIG);
  }

  private static Headers post(String path, String... more) {
    Headers h = Headers.of(":method", "POST", ":path", path, ":authority", "gw.local", "content-type", "application/json");
    for (int i = 0; i < more.length; i += 2) {
      h = h.with(more[i], more[i + 1]);
    }
    return h;
  }

  private static JsonNode json(byte[] body) throws Exception {
    return JSON.readTree(body);
  }

  private static String text(byte[] body) {
    return new String(body, StandardCharsets.UTF_8);
  }

  // --- the key check ---

  @Test
  void aRequestWithoutAKeyIs401InOpenAisFormatNamingWhereTheKeyGoes() throws Exception {
    PhaseResult r = session().onRequestHeaders(post("/v1/chat/completions"), false);
    assertThat(r.isLocalReply()).isTrue();
    assertThat(r.localReply().status()).isEqualTo(401);
    assertThat(r.localReply().details()).isEqualTo("tollgate_client_key");
    JsonNode error = json(r.localReply().body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("authentication_error");
    assertThat(error.path("message").asText()).contains("authorization: Bearer <key>").contains("x-api-key")
        .contains("api-key");
    assertThat(localReplies).containsExactly("401 client_key");
  }

  @Test
  void onTheMessagesPathThe401IsInAnthropicsFormat() throws Exception {
    PhaseResult r = session().onRequestHeaders(post("/v1/messages", "x-api-key", "nope"), false);
    assertThat(r.localReply().status()).isEqualTo(401);
    JsonNode body = json(r.localReply().body());
    assertThat(body.path("type").asText()).isEqualTo("error");
    assertThat(body.path("error").path("type").asText()).isEqualTo("authentication_error");
    assertThat(body.path("error").path("message").asText()).contains("not valid");
  }

  @Test
  void everyPathNeedsAKeyEvenTheModelListAndAnUnknownPath() throws Exception {
    PhaseResult models = session().onRequestHeaders(Headers.of(":method", "GET", ":path", "/v1/models"), true);
    assertThat(models.localReply().status()).isEqualTo(401);
    PhaseResult unknown = session().onRequestHeaders(post("/v1/unknown"), false);
    assertThat(unknown.localReply().status()).as("the key before the path: nothing is told to a stranger").isEqualTo(401);
    PhaseResult passthrough = session(CONFIG + "unknownPaths: PassThrough\n").onRequestHeaders(post("/health"), true);
    assertThat(passthrough.localReply().status()).isEqualTo(401);
  }

  @Test
  void aPassedThroughRequestLosesItsKeyCarriesTheConsumerAndGetsTheBudgetsRefusalInTheDefaultFormat()
      throws Exception {
    ExchangeSession s = session(CONFIG + "unknownPaths: PassThrough\nschema: {name: Anthropic}\n");
    PhaseResult r = s.onRequestHeaders(post("/health", "authorization", "Bearer key-research"), true);
    assertThat(r.isLocalReply()).isFalse();
    assertThat(r.removeHeaders()).contains("authorization");
    assertThat(r.metadata().get(NS)).containsEntry("consumer", "research-app");
    PhaseResult refused = s.onResponseHeaders(RATE_LIMITED, true);
    assertThat(json(refused.body()).path("error").path("type").asText()).isEqualTo("rate_limit_error");
    assertThat(json(refused.body()).path("type").asText()).isEqualTo("error");
    assertThat(refused.setHeaders().value("retry-after")).isEqualTo("37");
    // anything else passes as it is
    ExchangeSession other = session(CONFIG + "unknownPaths: PassThrough\n");
    other.onRequestHeaders(post("/health", "api-key", "key-ops"), true);
    assertThat(other.onResponseHeaders(Headers.of(":status", "429"), true)).isSameAs(PhaseResult.CONTINUE);
  }

  @Test
  void anExpiredKeyIs401SayingSoByTheSessionsClock() throws Exception {
    PhaseResult old = session().onRequestHeaders(post("/v1/chat/completions", "authorization", "Bearer key-research-old"),
        false);
    assertThat(old.localReply().status()).isEqualTo(401);
    assertThat(json(old.localReply().body()).path("error").path("message").asText())
        .contains("expired at 2026-06-01T12:00:00Z");
    // the clock is one second before the ops key's expiry
    PhaseResult ops = session().onRequestHeaders(post("/v1/chat/completions", "api-key", "key-ops"), false);
    assertThat(ops.isLocalReply()).isFalse();
  }

  @Test
  void aValidKeyGoesNoFurtherAndTheConsumerGoesIntoTheRequestHeadersMetadata() throws Exception {
    ExchangeSession s = session();
    PhaseResult r = s.onRequestHeaders(post("/v1/chat/completions", "authorization", "bearer key-research",
        "x-api-key", "key-research", "x-tollgate-consumer", "ops", "x-tollgate-consumer-team", "admins"), false);
    assertThat(r.isLocalReply()).isFalse();
    assertThat(r.removeHeaders()).contains("authorization", "x-api-key", "api-key", "x-tollgate-consumer",
        "x-tollgate-consumer-team", "x-ai-eg-model", "x-ai-eg-selected-backend");
    assertThat(r.requestBodyMode()).isEqualTo(PhaseResult.BodyMode.BUFFERED);
    assertThat(r.metadata()).containsExactly(Map.entry(NS, Map.of("consumer", "research-app",
        "consumer_team", "research")));
    assertThat(s.consumer()).get().extracting(c -> c.name()).isEqualTo("research-app");

    PhaseResult body = s.onRequestBody(CHAT.getBytes(StandardCharsets.UTF_8), true);
    assertThat(body.setHeaders().value("authorization")).as("the backend's own key").isEqualTo("Bearer sk-research");
    assertThat(body.setHeaders().asMap().values()).doesNotContain("key-research", "bearer key-research");
    assertThat(body.setHeaders().asMap().keySet()).noneMatch(h -> h.startsWith("x-tollgate-consumer"));
  }

  @Test
  void rulesMatchTheConsumerNotWhatTheClientClaims() throws Exception {
    ExchangeSession research = session();
    research.onRequestHeaders(post("/v1/chat/completions", "authorization", "Bearer key-research"), false);
    assertThat(research.onRequestBody(CHAT.getBytes(StandardCharsets.UTF_8), true).setHeaders()
        .value("x-ai-eg-selected-backend")).isEqualTo("research-backend");

    ExchangeSession ops = session();
    ops.onRequestHeaders(post("/v1/chat/completions", "api-key", "key-ops", "x-tollgate-consumer-team", "research",
        "x-tollgate-consumer", "research-app"), false);
    assertThat(ops.onRequestBody(CHAT.getBytes(StandardCharsets.UTF_8), true).setHeaders()
        .value("x-ai-eg-selected-backend")).isEqualTo("main");
  }

  @Test
  void aModelOutsideTheAllowListIs403() throws Exception {
    ExchangeSession s = session();
    s.onRequestHeaders(post("/v1/chat/completions", "authorization", "Bearer key-research"), false);
    PhaseResult r = s.onRequestBody("{\"model\":\"gpt-4o\",\"messages\":[]}".getBytes(StandardCharsets.UTF_8), true);
    assertThat(r.localReply().status()).isEqualTo(403);
    assertThat(r.localReply().details()).isEqualTo("tollgate_model_not_allowed");
    JsonNode error = json(r.localReply().body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("permission_error");
    assertThat(error.path("message").asText()).contains("'research-app'").contains("'gpt-4o'")
        .contains("gpt-4o-mini, claude-*");

    ExchangeSession glob = session();
    glob.onRequestHeaders(post("/v1/messages", "x-api-key", "key-research"), false);
    PhaseResult claude = glob.onRequestBody("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":5,\"messages\":[]}"
        .getBytes(StandardCharsets.UTF_8), true);
    assertThat(claude.isLocalReply()).isFalse();
  }

  @Test
  void theModelListShowsOnlyTheConsumersModels() throws Exception {
    ExchangeSession s = session();
    PhaseResult r = s.onRequestHeaders(Headers.of(":method", "GET", ":path", "/v1/models", "authorization",
        "Bearer key-research"), true);
    assertThat(r.localReply().status()).isEqualTo(200);
    assertThat(json(r.localReply().body()).path("data").findValuesAsText("id"))
        .containsExactly("gpt-4o-mini", "claude-haiku", "resilient");
    PhaseResult all = session().onRequestHeaders(Headers.of(":method", "GET", ":path", "/v1/models", "api-key",
        "key-ops"), true);
    assertThat(json(all.localReply().body()).path("data").findValuesAsText("id"))
        .containsExactly("gpt-4o-mini", "claude-haiku", "gpt-4o", "resilient");
  }

  @Test
  void theUpstreamPlacementsHandOverHoldsNoClientKey() throws Exception {
    ExchangeSession s = session();
    s.onRequestHeaders(post("/v1/chat/completions", "authorization", "Bearer key-research", "x-api-key", "key-research",
        "api-key", "key-research", "x-custom", "kept"), false);
    PhaseResult r = s.onRequestBody("{\"model\":\"resilient\",\"messages\":[]}".getBytes(StandardCharsets.UTF_8), true);
    Handoff handoff = Handoff.fromMetadata(r.metadata().get(UpstreamPlacement.HANDOFF_NAMESPACE));
    assertThat(handoff.headers().asMap()).containsEntry("x-custom", "kept")
        .doesNotContainKeys("authorization", "x-api-key", "api-key");
    assertThat(handoff.headers().asMap().values()).noneMatch(v -> v.contains("key-research"));

    // the attempt, shown headers that still carry a key (as if Envoy had not removed them), writes none of it
    ExchangeSession attempt = session();
    attempt.onAttemptHeaders(post("/v1/chat/completions", "x-api-key", "key-research"),
        new UpstreamAttempt("main", "main.example", 1, r.metadata().get(UpstreamPlacement.HANDOFF_NAMESPACE)), false);
    PhaseResult a = attempt.onRequestBody("{\"model\":\"resilient\",\"messages\":[]}".getBytes(StandardCharsets.UTF_8),
        true);
    assertThat(a.setHeaders().value("authorization")).isEqualTo("Bearer sk-main");
    assertThat(a.removeHeaders()).contains("x-api-key");
    assertThat(a.setHeaders().asMap().values()).noneMatch(v -> v.contains("key-research"));
  }

  @Test
  void withoutConsumersNoKeyIsAskedForButTheConsumerHeadersAreStillRemoved() throws Exception {
    String open = CONFIG.substring(0, CONFIG.indexOf("consumers:"));
    ExchangeSession s = session(open);
    PhaseResult r = s.onRequestHeaders(post("/v1/chat/completions", "x-tollgate-consumer-team", "research"), false);
    assertThat(r.isLocalReply()).isFalse();
    assertThat(r.removeHeaders()).contains("x-tollgate-consumer-team").doesNotContain("authorization");
    assertThat(r.metadata()).isEmpty();
    assertThat(s.onRequestBody(CHAT.getBytes(StandardCharsets.UTF_8), true).setHeaders()
        .value("x-ai-eg-selected-backend")).as("a spoofed team matches no rule").isEqualTo("main");
  }

  // --- the budget's refusal ---

  private static final Headers RATE_LIMITED = Headers.of(":status", "429", "x-envoy-ratelimited", "true",
      "x-ratelimit-limit", "1000, 1000;w=3600", "x-ratelimit-remaining", "0", "x-ratelimit-reset", "37");

  @Test
  void theRateLimitFiltersRefusalBecomesA429InTheClientsFormatWithRetryAfter() throws Exception {
    ExchangeSession s = session();
    s.onRequestHeaders(post("/v1/chat/completions", "authorization", "Bearer key-research"), false);
    s.onRequestBody(CHAT.getBytes(StandardCharsets.UTF_8), true);
    PhaseResult r = s.onResponseHeaders(RATE_LIMITED, true);
    assertThat(r.isLocalReply()).isFalse();
    assertThat(r.setHeaders().asMap()).containsEntry("retry-after", "37").containsEntry("content-type", "application/json");
    assertThat(r.removeHeaders()).doesNotContain("x-envoy-ratelimited").noneMatch(h -> h.startsWith("x-ratelimit-"));
    JsonNode error = json(r.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("rate_limit_exceeded");
    assertThat(error.path("type").asText()).isEqualTo("rate_limit_error");
    assertThat(error.path("message").asText()).contains("consumer 'research-app'").contains("resets in 37 seconds");
    assertThat(localReplies).containsExactly("429 budget");
    assertThat(r.metadata()).as("no costs: nothing was used").isEmpty();
  }

  @Test
  void inAnthropicsFormatItIsARateLimitError() throws Exception {
    ExchangeSession s = session();
    s.onRequestHeaders(post("/v1/messages", "x-api-key", "key-research"), false);
    s.onRequestBody("{\"model\":\"claude-haiku\",\"max_tokens\":5,\"messages\":[]}".getBytes(StandardCharsets.UTF_8), true);
    PhaseResult r = s.onResponseHeaders(RATE_LIMITED.with("content-type", "text/plain"), false);
    JsonNode body = json(r.body());
    assertThat(body.path("type").asText()).isEqualTo("error");
    assertThat(body.path("error").path("type").asText()).isEqualTo("rate_limit_error");
    assertThat(body.path("error").path("message").asText()).contains("research-app").contains("37 seconds");
  }

  @Test
  void aHandedOffExchangeGetsTheSameRefusal() throws Exception {
    ExchangeSession s = session();
    s.onRequestHeaders(post("/v1/chat/completions", "authorization", "Bearer key-research"), false);
    PhaseResult handed = s.onRequestBody("{\"model\":\"resilient\",\"messages\":[]}".getBytes(StandardCharsets.UTF_8),
        true);
    assertThat(handed.metadata()).containsKey(UpstreamPlacement.HANDOFF_NAMESPACE);
    PhaseResult r = s.onResponseHeaders(RATE_LIMITED.without("x-ratelimit-reset"), true);
    assertThat(r.setHeaders().asMap()).doesNotContainKey("retry-after");
    assertThat(r.removeHeaders()).doesNotContain("x-envoy-ratelimited");
    assertThat(json(r.body()).path("error").path("message").asText()).contains("research-app")
        .contains("try again later");
  }

  @Test
  void anUpstreamsOwn429IsNotTheBudgets() throws Exception {
    ExchangeSession s = session();
    s.onRequestHeaders(post("/v1/chat/completions", "authorization", "Bearer key-research"), false);
    s.onRequestBody(CHAT.getBytes(StandardCharsets.UTF_8), true);
    PhaseResult r = s.onResponseHeaders(RATE_LIMITED.with("x-envoy-upstream-service-time", "12")
        .with("content-type", "application/json"), false);
    assertThat(r.setHeaders().asMap()).doesNotContainKey("retry-after");
    assertThat(r.body()).as("the upstream's error body comes next").isNull();
    assertThat(r.responseBodyMode()).isEqualTo(PhaseResult.BodyMode.BUFFERED);
    PhaseResult body = s.onResponseBody("{\"error\":{\"message\":\"slow down\",\"type\":\"requests\"}}"
        .getBytes(StandardCharsets.UTF_8), true);
    assertThat(text(body.body())).contains("slow down");
    assertThat(localReplies).isEmpty();
    assertThat(ExchangeSession.isBudgetRefusal(RATE_LIMITED.with(UpstreamPlacement.ATTEMPT_HEADER, "main")))
        .as("an attempt's answer").isFalse();
    assertThat(ExchangeSession.isBudgetRefusal(RATE_LIMITED.without("x-envoy-ratelimited"))).isFalse();
    assertThat(ExchangeSession.isBudgetRefusal(RATE_LIMITED.with(":status", "503"))).isFalse();
    assertThat(ExchangeSession.isBudgetRefusal(RATE_LIMITED)).isTrue();
  }

  // --- costs ---

  @Test
  void aNegativeCostIsAFailureOfItsCalculatorAndIsNotEmitted() throws Exception {
    ExchangeSession s = session();
    s.onRequestHeaders(post("/v1/chat/completions", "authorization", "Bearer key-research"), false);
    s.onRequestBody(CHAT.getBytes(StandardCharsets.UTF_8), true);
    s.onResponseHeaders(Headers.of(":status", "200", "content-type", "application/json"), false);
    PhaseResult r = s.onResponseBody("{\"choices\":[]}".getBytes(StandardCharsets.UTF_8), true);
    assertThat(r.metadata().get(NS)).containsEntry("total", 7L).doesNotContainKey("refund");
    assertThat(failures).containsExactly("research-backend cost/Fixed IllegalStateException");
  }
}
