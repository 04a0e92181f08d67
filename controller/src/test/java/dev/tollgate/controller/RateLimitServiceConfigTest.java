package dev.tollgate.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.controller.ratelimit.Budget;
import dev.tollgate.controller.ratelimit.RateLimitServiceConfig;
import dev.tollgate.controller.translate.GatewaySettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The rate-limit service's configuration: domain tollgate, budget → subject [value] → [model] →
 * [backend] → rate_limit, read back as the service's YAML 1.1 parser (yaml.v2) reads it.
 */
class RateLimitServiceConfigTest {
  @TempDir
  Path dir;

  @SuppressWarnings("unchecked")
  private static Map<String, Object> parse(String yaml) {
    return (Map<String, Object>) new Yaml().load(yaml);
  }

  /** As SnakeYAML reads the limit: an Integer where it fits. */
  private static Map<String, Object> limit(String unit, long n) {
    return Map.of("unit", unit, "requests_per_unit", n <= Integer.MAX_VALUE ? (Object) (int) n : (Object) n);
  }

  @Test
  void theTranslatedBudgetsBecomeOneDescriptorTreeEach() throws Exception {
    BudgetFixtures.writeAll(dir);
    String yaml = TestPlugins.translate(GatewaySettings.defaults(), TestPlugins.withPriceTable(), dir)
        .rateLimitConfigYaml();
    Map<String, Object> root = parse(yaml);
    assertThat(root.keySet()).containsExactly("domain", "descriptors");
    assertThat(root.get("domain")).isEqualTo("tollgate");
    assertThat((List<Object>) root.get("descriptors")).containsExactly(
        // per consumer: no value, so each consumer counts on its own
        Map.of("key", "budget", "value", "hourly", "descriptors", List.of(
            Map.of("key", "consumer", "rate_limit", limit("hour", 100_000)))),
        // per team, only research
        Map.of("key", "budget", "value", "research-daily", "descriptors", List.of(
            Map.of("key", "consumer_team", "value", "research", "rate_limit", limit("day", 2_000_000)))),
        // per consumer, model and backend, in micro-dollars
        Map.of("key", "budget", "value", "spend", "descriptors", List.of(
            Map.of("key", "consumer", "descriptors", List.of(
                Map.of("key", "model", "descriptors", List.of(
                    Map.of("key", "backend", "rate_limit", limit("day", 2_500_000)))))))));
    assertThat(yaml).as("the service's own key names").contains("requests_per_unit: 2500000", "unit: day");
  }

  @Test
  void eachValueIsABudgetOfItsOwnAndPerModelNestsUnderIt() {
    String yaml = RateLimitServiceConfig.yaml(List.of(new Budget("teams", "consumer_team", List.of("a", "b"), true,
        false, Budget.Unit.MINUTE, 10)));
    assertThat(parse(yaml).get("descriptors")).isEqualTo(List.of(
        Map.of("key", "budget", "value", "teams", "descriptors", List.of(
            Map.of("key", "consumer_team", "value", "a", "descriptors", List.of(
                Map.of("key", "model", "rate_limit", limit("minute", 10)))),
            Map.of("key", "consumer_team", "value", "b", "descriptors", List.of(
                Map.of("key", "model", "rate_limit", limit("minute", 10))))))));
  }

  @Test
  void valuesThatLookLikeNumbersOrBooleansStayStrings() {
    // the service's key check takes strings, whole numbers and booleans only: a float would stop it loading
    String yaml = RateLimitServiceConfig.yaml(List.of(new Budget("odd", "consumer_team", List.of("1.5", "yes", "on",
        "007", "null"), false, false, Budget.Unit.SECOND, Budget.MAX_LIMIT)));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> subjects = (List<Map<String, Object>>) ((List<Map<String, Object>>) parse(yaml)
        .get("descriptors")).get(0).get("descriptors");
    assertThat(subjects).extracting(s -> s.get("value")).containsExactly("1.5", "yes", "on", "007", "null");
    assertThat(subjects.get(0).get("rate_limit")).isEqualTo(limit("second", 4_294_967_295L));
  }

  @Test
  void withoutBudgetsTheDomainHasNoDescriptors() throws Exception {
    Files.writeString(dir.resolve("backends.yaml"), BudgetFixtures.BACKENDS);
    assertThat(TestPlugins.translate(dir).rateLimitConfigYaml()).isEqualTo("domain: tollgate\ndescriptors: []\n");
  }
}
