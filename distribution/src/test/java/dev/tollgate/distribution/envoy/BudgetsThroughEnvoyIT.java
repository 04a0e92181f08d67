package dev.tollgate.distribution.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.testkit.FakeAnthropic;
import dev.tollgate.testkit.FakeOpenAi;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.FakeUpstream.Received;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client keys and token budgets through the real parts: Envoy 1.40 with its rate-limit filter,
 * Envoy's rate-limit service ({@code github.com/envoyproxy/ratelimit}) on Redis, and Tollgate, all
 * set up from what {@code tollgate translate} makes of Consumer, TokenBudget and PriceTable
 * resources. Two Envoys, each with its own Tollgate, share the one rate-limit service, as replicas
 * on several machines would. The clients are the official OpenAI and Anthropic Python SDKs and curl.
 *
 * <p>Budgets count in fixed windows aligned to the clock (the service's own), so a test that must
 * see one window waits for a fresh one when the current one is about to end; and since a request is
 * charged when its stream is done, after its answer, each test waits for the charge to land in
 * Redis before its next request. Each test spends the budgets of consumers of its own, so that the
 * tests can run in any order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BudgetsThroughEnvoyIT {
  private static final String BACKEND_KEY = "sk-backend-budgets";
  private static final String CLAUDE_KEY = "sk-ant-budgets";
  /** Every chat answer of the OpenAI fake: 300 prompt + 100 completion tokens. */
  private static final int PROMPT = 300;
  private static final int COMPLETION = 100;
  private static final int TOTAL = PROMPT + COMPLETION;

  @TempDir
  static Path dir;
  private FakeUpstream openai;
  private FakeUpstream claude;
  private RateLimitStack rateLimits;
  private EnvoyAndTollgate first;
  private EnvoyAndTollgate second;
  private Path resources;

  @BeforeAll
  void start() throws Exception {
    openai = new FakeUpstream(FakeOpenAi.handler(BACKEND_KEY, PROMPT, COMPLETION));
    claude = new FakeUpstream(FakeAnthropic.handler(CLAUDE_KEY,
        FakeAnthropic.text("claude-haiku-4-5", "Hello", " from Claude.", 600, 0, 100)));
    resources = Files.createDirectories(dir.resolve("resources"));
    Files.writeString(resources.resolve("gateway.yaml"), routes());
    Files.writeString(resources.resolve("consumers.yaml"), consumers(true));
    rateLimits = new RateLimitStack(dir.resolve("ratelimit"));
    first = new EnvoyAndTollgate(Files.createDirectories(dir.resolve("first"))).reloadInterval("1s");
    second = new EnvoyAndTollgate(Files.createDirectories(dir.resolve("second")));
    EnvoyAndTollgate.Translated one = translate(first, dir.resolve("first/ratelimit.yaml"));
    EnvoyAndTollgate.Translated two = translate(second, dir.resolve("second/ratelimit.yaml"));
    assertThat(Files.readString(dir.resolve("first/ratelimit.yaml")))
        .isEqualTo(Files.readString(dir.resolve("second/ratelimit.yaml")));
    rateLimits.start(dir.resolve("first/ratelimit.yaml"));
    first.start(one.gatewayConfig(), one.bootstrap());
    second.start(two.gatewayConfig(), two.bootstrap());
  }

  private EnvoyAndTollgate.Translated translate(EnvoyAndTollgate gateway, Path rateLimitConfig) throws Exception {
    return gateway.translate(resources, "--ratelimit-address", rateLimits.address(),
        "--ratelimit-config-out", rateLimitConfig.toString());
  }

  @AfterAll
  void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {first, second, rateLimits, openai, claude}) {
      if (c != null) {
        c.close();
      }
    }
  }

  private String routes() {
    return """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: budgets}
        spec:
          rules:
            - {name: claude, model: claude-haiku-4-5, backendRefs: [{name: claude}]}
            - {name: openai, backendRefs: [{name: openai}]}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: openai}
        spec:
          schema: {name: OpenAI}
          endpoint: {host: 127.0.0.1, port: %d, tls: false}
          backendSecurityPolicyRef: {name: openai-key}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: openai-key}
        spec: {type: APIKey, apiKey: {inline: %s}}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIServiceBackend
        metadata: {name: claude}
        spec:
          schema: {name: Anthropic}
          endpoint: {host: 127.0.0.1, port: %d, tls: false}
          backendSecurityPolicyRef: {name: claude-key}
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: BackendSecurityPolicy
        metadata: {name: claude-key}
        spec: {type: APIKey, apiKey: {inline: %s}}
        ---
        # every consumer may use 1000 tokens a minute, each on its own
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: TokenBudget
        metadata: {name: per-key}
        spec:
          per: consumer
          limit: {tokens: 1000, unit: Minute}
        ---
        # the ops team together may spend $0.0007 a minute, priced by the table below
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: TokenBudget
        metadata: {name: ops-dollars}
        spec:
          per: team
          values: [ops]
          limit: {dollars: "0.0007", unit: Minute}
          priceTable: prices
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: PriceTable
        metadata: {name: prices}
        spec:
          prices:
            gpt-4o-mini: {input: 1, output: 2}
            "*": {input: 5, output: 10}
        """.formatted(openai.port(), BACKEND_KEY, claude.port(), CLAUDE_KEY);
  }

  /** The consumers; {@code withFrank} false revokes frank's key. */
  private static String consumers(boolean withFrank) {
    StringBuilder s = new StringBuilder();
    for (String name : new String[] {"alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank", "ivan"}) {
      if (name.equals("frank") && !withFrank) {
        continue;
      }
      String team = name.equals("hank") ? "ops" : "research";
      String models = name.equals("carol") ? "\n  models: [gpt-4o-mini]" : "";
      s.append("""
          apiVersion: aigateway.tollgate.dev/v1alpha1
          kind: Consumer
          metadata: {name: %s}
          spec:
            metadata: {team: %s}%s
            keys:
              - sha256: %s
          ---
          """.formatted(name, team, models, sha256(key(name))));
    }
    return s.toString();
  }

  private static String key(String consumer) {
    return "tg-test-key-of-" + consumer;
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode chat(EnvoyAndTollgate gateway, String consumer, String model) throws Exception {
    return Clients.pythonWithKey(key(consumer), gateway.base(), "chat", model);
  }

  /** Waits until the rate-limit service has counted {@code expected} for this budget and subject. */
  private void awaitCharged(String budget, String subject, long expected) throws Exception {
    Pattern p = Pattern.compile("(?m)^tollgate_budget_" + Pattern.quote(budget) + "_" + Pattern.quote(subject)
        + "_\\d+=(\\d+)$");
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    String keys = "";
    while (System.nanoTime() < deadline) {
      keys = rateLimits.redisKeys();
      Matcher m = p.matcher(keys);
      if (m.find() && Long.parseLong(m.group(1)) == expected) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the rate-limit service did not count " + expected + " for " + budget + "/" + subject
        + "; Redis holds: " + keys);
  }

  /** When fewer than {@code needed} remain of the current minute, waits for the next one. */
  private static void awaitRoomInWindow(Duration needed) throws InterruptedException {
    long intoMinute = Instant.now().getEpochSecond() % 60;
    if (60 - intoMinute < needed.toSeconds()) {
      Thread.sleep((60 - intoMinute) * 1000 + 200);
    }
  }

  @Test
  void aBudgetServesUntilItsTokensAreSpentThenRefusesInTheClientsFormatAndServesAgainInTheNextWindow()
      throws Exception {
    awaitRoomInWindow(Duration.ofSeconds(25));
    long window = Instant.now().getEpochSecond() / 60;
    for (int i = 1; i <= 3; i++) { // checked at 0, 400 and 800 tokens: within 1000
      JsonNode ok = chat(first, "alice", "gpt-4o-mini");
      assertThat(ok.path("content").asText()).as("request %d: %s", i, ok).isEqualTo("Hello from the fake.");
      awaitCharged("per-key", "consumer_alice", (long) TOTAL * i);
    }
    JsonNode refused = chat(first, "alice", "gpt-4o-mini"); // 1200 spent
    assertThat(refused.path("error").path("status").asInt()).as(refused.toString()).isEqualTo(429);
    assertThat(refused.path("error").path("type").asText()).isEqualTo("RateLimitError");
    assertThat(refused.path("error").path("body").path("message").asText()).contains("alice");
    JsonNode headers = refused.path("error").path("headers");
    assertThat(headers.path("x-ratelimit-limit").asText()).startsWith("1000");
    assertThat(headers.path("x-ratelimit-remaining").asText()).isEqualTo("0");
    long reset = headers.path("x-ratelimit-reset").asLong(-1);
    assertThat(reset).isBetween(0L, 60L);
    assertThat(headers.path("retry-after").asText()).isEqualTo(Long.toString(reset));
    assertThat(openai.received().stream().filter(r -> r.bodyText().contains("gpt-4o-mini")).count())
        .as("the refused request reached no upstream").isGreaterThanOrEqualTo(3);
    // the same minute still refuses; the next one serves again
    assertThat(Instant.now().getEpochSecond() / 60).as("the test ran within one window").isEqualTo(window);
    Thread.sleep((reset + 1) * 1000);
    JsonNode again = chat(first, "alice", "gpt-4o-mini");
    assertThat(again.path("content").asText()).as(again.toString()).isEqualTo("Hello from the fake.");
  }

  @Test
  void twoConsumersBudgetsAreIndependent() throws Exception {
    awaitRoomInWindow(Duration.ofSeconds(20));
    for (int i = 1; i <= 3; i++) {
      assertThat(chat(first, "bob", "gpt-4o-mini").path("content").asText()).isNotEmpty();
      awaitCharged("per-key", "consumer_bob", (long) TOTAL * i);
    }
    assertThat(chat(first, "bob", "gpt-4o-mini").path("error").path("status").asInt()).isEqualTo(429);
    // dave's budget is untouched by bob's: a streamed answer, charged when its stream ends
    JsonNode streamed = Clients.pythonWithKey(key("dave"), first.base(), "chat_stream", "gpt-4o-mini");
    assertThat(streamed.path("content").asText()).as(streamed.toString()).isEqualTo("Hello from the fake.");
    assertThat(streamed.path("usage").path("total_tokens").asInt()).isEqualTo(TOTAL);
    awaitCharged("per-key", "consumer_dave", TOTAL);
    Clients.Curl next = Clients.curl("-H", "authorization: Bearer " + key("dave"), "-H",
        "content-type: application/json", first.url("/v1/chat/completions").toString(),
        "-d", Clients.chatJson("gpt-4o-mini", false));
    assertThat(next.status()).isEqualTo(200);
    assertThat(next.headers()).contains("x-ratelimit-remaining: " + (1000 - TOTAL));
  }

  @Test
  void twoEnvoysAndTwoTollgatesShareOneBudget() throws Exception {
    awaitRoomInWindow(Duration.ofSeconds(20));
    assertThat(chat(first, "erin", "gpt-4o-mini").path("content").asText()).isNotEmpty();
    awaitCharged("per-key", "consumer_erin", TOTAL);
    assertThat(chat(second, "erin", "gpt-4o-mini").path("content").asText()).isNotEmpty();
    awaitCharged("per-key", "consumer_erin", 2L * TOTAL);
    assertThat(chat(first, "erin", "gpt-4o-mini").path("content").asText()).isNotEmpty();
    awaitCharged("per-key", "consumer_erin", 3L * TOTAL);
    assertThat(chat(second, "erin", "gpt-4o-mini").path("error").path("status").asInt()).isEqualTo(429);
    assertThat(chat(first, "erin", "gpt-4o-mini").path("error").path("status").asInt()).isEqualTo(429);
  }

  @Test
  void aDollarBudgetStopsTheTeamOnceItsPriceTableCostIsSpent() throws Exception {
    awaitRoomInWindow(Duration.ofSeconds(20));
    long perRequest = PROMPT * 1L + COMPLETION * 2L; // micro-dollars: tokens x $ per million tokens
    assertThat(chat(first, "hank", "gpt-4o-mini").path("content").asText()).isNotEmpty();
    awaitCharged("ops-dollars", "consumer_team_ops", perRequest);
    assertThat(chat(first, "hank", "gpt-4o-mini").path("content").asText()).isNotEmpty();
    awaitCharged("ops-dollars", "consumer_team_ops", 2 * perRequest);
    // 1000 micro-dollars spent of 700, while its token budget (800 of 1000) would still serve it
    JsonNode refused = chat(first, "hank", "gpt-4o-mini");
    assertThat(refused.path("error").path("status").asInt()).as(refused.toString()).isEqualTo(429);
    assertThat(refused.path("error").path("headers").path("x-ratelimit-limit").asText()).startsWith("700");
  }

  @Test
  void anthropicClientsAreRefusedInAnthropicsFormat() throws Exception {
    awaitRoomInWindow(Duration.ofSeconds(20));
    JsonNode ok = Clients.pythonWithKey(key("gina"), first.base(), "messages", "claude-haiku-4-5");
    assertThat(ok.path("text").asText()).as(ok.toString()).isEqualTo("Hello from Claude.");
    awaitCharged("per-key", "consumer_gina", 700);
    assertThat(Clients.pythonWithKey(key("gina"), first.base(), "messages", "claude-haiku-4-5")
        .path("text").asText()).isNotEmpty();
    awaitCharged("per-key", "consumer_gina", 1400);
    JsonNode refused = Clients.pythonWithKey(key("gina"), first.base(), "messages", "claude-haiku-4-5");
    assertThat(refused.path("error").path("status").asInt()).as(refused.toString()).isEqualTo(429);
    assertThat(refused.path("error").path("type").asText()).isEqualTo("RateLimitError");
    assertThat(refused.path("error").path("body").path("type").asText()).isEqualTo("rate_limit_error");
    for (Received r : claude.received()) {
      assertThat(r.header("x-api-key")).isEqualTo(CLAUDE_KEY);
      assertThat(r.headers().toString()).doesNotContain(key("gina"));
    }
  }

  @Test
  void keysAreCheckedAndNeverSentUpstream() throws Exception {
    JsonNode missing = Clients.pythonWithKey("not-a-key", first.base(), "chat", "gpt-4o-mini");
    assertThat(missing.path("error").path("status").asInt()).as(missing.toString()).isEqualTo(401);
    assertThat(missing.path("error").path("type").asText()).isEqualTo("AuthenticationError");
    JsonNode anthropic = Clients.pythonWithKey("not-a-key", first.base(), "messages", "claude-haiku-4-5");
    assertThat(anthropic.path("error").path("status").asInt()).isEqualTo(401);
    assertThat(anthropic.path("error").path("body").path("type").asText()).isEqualTo("authentication_error");
    Clients.Curl none = Clients.curl("-H", "content-type: application/json", first.url("/v1/chat/completions").toString(),
        "-d", Clients.chatJson("gpt-4o-mini", false));
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.json().path("error").path("message").asText()).containsIgnoringCase("key");
    for (Received r : openai.received()) {
      assertThat(r.header("authorization")).isEqualTo("Bearer " + BACKEND_KEY);
      assertThat(r.headers().toString()).doesNotContain("tg-test-key-of-");
    }
  }

  @Test
  void aModelOutsideTheKeysListIsForbidden() throws Exception {
    JsonNode allowed = chat(first, "carol", "gpt-4o-mini");
    assertThat(allowed.path("content").asText()).as(allowed.toString()).isNotEmpty();
    int before = openai.received().size();
    JsonNode forbidden = chat(first, "carol", "gpt-4o");
    assertThat(forbidden.path("error").path("status").asInt()).as(forbidden.toString()).isEqualTo(403);
    assertThat(forbidden.path("error").path("type").asText()).isEqualTo("PermissionDeniedError");
    assertThat(forbidden.path("error").path("body").path("message").asText()).contains("gpt-4o");
    assertThat(openai.received()).hasSize(before);
  }

  @Test
  void aRevokedKeyIsRefusedWithinOneReloadInterval() throws Exception {
    assertThat(chat(first, "frank", "gpt-4o-mini").path("content").asText()).isNotEmpty();
    Files.writeString(resources.resolve("consumers.yaml"), consumers(false));
    Path out = Files.createDirectories(dir.resolve("revoked"));
    EnvoyAndTollgate.Translated t = first.translateInto(out, resources, "--ratelimit-address", rateLimits.address(),
        "--ratelimit-config-out", out.resolve("ratelimit.yaml").toString());
    Path live = dir.resolve("first/gateway.yaml");
    try {
      // as the controller writes it: the new config replaces the live one in one rename
      Files.copy(t.gatewayConfig(), dir.resolve("first/.gateway.yaml.new"), StandardCopyOption.REPLACE_EXISTING);
      Files.move(dir.resolve("first/.gateway.yaml.new"), live, StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      long written = System.nanoTime();
      int status = 0;
      while (System.nanoTime() - written < Duration.ofSeconds(10).toNanos()) {
        Clients.Curl c = Clients.curl("-H", "authorization: Bearer " + key("frank"), "-H",
            "content-type: application/json", first.url("/v1/chat/completions").toString(), "-d",
            Clients.chatJson("gpt-4o-mini", false));
        status = c.status();
        if (status == 401) {
          break;
        }
        Thread.sleep(100);
      }
      Duration took = Duration.ofNanos(System.nanoTime() - written);
      assertThat(status).isEqualTo(401);
      // one reload interval (1 s) plus the request's own time
      assertThat(took).isLessThan(Duration.ofSeconds(3));
      // another consumer's key still works (one no other test spends: budgets are counted per window)
      JsonNode other = chat(first, "ivan", "gpt-4o-mini");
      assertThat(other.path("content").asText()).as(other.toString()).isEqualTo("Hello from the fake.");
    } finally {
      Files.writeString(resources.resolve("consumers.yaml"), consumers(true));
    }
  }
}
