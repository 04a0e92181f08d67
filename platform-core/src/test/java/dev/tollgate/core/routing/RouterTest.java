package dev.tollgate.core.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.core.config.ConfigParser;
import dev.tollgate.core.config.GatewayConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class RouterTest {
  private static GatewayConfig config(String extra) throws Exception {
    return ConfigParser.parse(extra + """
        rules:
          - name: by-tenant
            headers:
              - {name: x-ai-eg-model, type: Exact, value: gpt-4o}
              - {name: x-tenant, type: Exact, value: blue}
            backends: [{name: blue}]
          - name: gpt
            headers: [{name: x-ai-eg-model, type: RegularExpression, value: "gpt-.*"}]
            backends: [{name: a, weight: 1}, {name: b, weight: 9}, {name: off, weight: 0}]
        backends:
          - {name: a, schema: {name: OpenAI}}
          - {name: b, schema: {name: OpenAI}}
          - {name: blue, schema: {name: OpenAI}}
          - {name: off, schema: {name: OpenAI}}
          - {name: direct-only, schema: {name: OpenAI}}
        """);
  }

  @Test
  void firstRuleWhoseMatchesAllHoldWins() throws Exception {
    Router r = new Router(config(""));
    RandomGenerator rnd = RandomGenerator.of("L64X128MixRandom");
    assertThat(r.route(Headers.of("x-ai-eg-model", "gpt-4o", "x-tenant", "blue"), rnd).backend()).isEqualTo("blue");
    assertThat(r.route(Headers.of("x-ai-eg-model", "gpt-4o", "x-tenant", "red"), rnd).rule()).isEqualTo("gpt");
  }

  @Test
  void weightsAreHonouredAndZeroWeightTakesNothing() throws Exception {
    Router r = new Router(config(""));
    RandomGenerator rnd = RandomGenerator.of("L64X128MixRandom");
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 10_000; i++) {
      counts.merge(r.route(Headers.of("x-ai-eg-model", "gpt-x"), rnd).backend(), 1, Integer::sum);
    }
    assertThat(counts).doesNotContainKey("off");
    // expected 1000 to a; sd = sqrt(10000*.1*.9) = 30
    assertThat(counts.get("a")).isBetween(850, 1150);
  }

  @Test
  void noMatchIs404NamingTheModel() throws Exception {
    Router r = new Router(config(""));
    assertThatThrownBy(() -> r.route(Headers.of("x-ai-eg-model", "claude"), RandomGenerator.getDefault()))
        .isInstanceOf(GatewayException.class).hasMessageContaining("claude")
        .satisfies(e -> assertThat(((GatewayException) e).status()).isEqualTo(404));
  }

  @Test
  void routingHeaderWinsForAllowedBackendsAndIsRefusedOtherwise() throws Exception {
    Router implicit = new Router(config("routingHeader: {enabled: true}\n"));
    RandomGenerator rnd = RandomGenerator.getDefault();
    assertThat(implicit.route(Headers.of("x-ai-eg-model", "gpt-4o", "x-ai-eg-backend", "a"), rnd).backend()).isEqualTo("a");
    assertThatThrownBy(() -> implicit.route(Headers.of("x-ai-eg-backend", "direct-only"), rnd))
        .isInstanceOf(GatewayException.class).hasMessageContaining("direct-only")
        .satisfies(e -> assertThat(((GatewayException) e).status()).isEqualTo(400));

    Router explicit = new Router(config("routingHeader: {name: x-backend, allowedBackends: [direct-only]}\n"));
    assertThat(explicit.route(Headers.of("x-backend", "direct-only"), rnd).backend()).isEqualTo("direct-only");
    assertThatThrownBy(() -> explicit.route(Headers.of("x-backend", "a"), rnd)).isInstanceOf(GatewayException.class);
  }
}
