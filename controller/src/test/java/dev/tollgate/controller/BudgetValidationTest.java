package dev.tollgate.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tollgate.controller.resource.InvalidResourcesException;
import dev.tollgate.controller.resource.Problem;
import dev.tollgate.controller.translate.GatewaySettings;
import dev.tollgate.controller.translate.Translation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wrong Consumers, TokenBudgets and PriceTables are refused, each problem naming the file, the
 * resource and the field; no problem ever shows a key.
 */
class BudgetValidationTest {
  @TempDir
  Path dir;

  private Translation translate() throws Exception {
    return TestPlugins.translate(GatewaySettings.defaults(), TestPlugins.withPriceTable(), dir);
  }

  /** The problems of the fixture's backends and consumers plus {@code yaml} in bad.yaml. */
  private List<Problem> problems(String yaml) throws Exception {
    Files.writeString(dir.resolve("backends.yaml"), BudgetFixtures.BACKENDS);
    if (!Files.exists(dir.resolve("consumers.yaml"))) {
      Files.writeString(dir.resolve("consumers.yaml"), BudgetFixtures.CONSUMERS);
    }
    Files.writeString(dir.resolve("bad.yaml"), yaml);
    InvalidResourcesException e = catchThrowableOfType(InvalidResourcesException.class, this::translate);
    assertThat(e).as("expected the resources to be rejected").isNotNull();
    for (Problem p : e.problems()) {
      assertThat(p.toString()).doesNotContain(BudgetFixtures.RESEARCH_KEY, BudgetFixtures.BATCH_KEY);
    }
    return e.problems();
  }

  /** The one problem, which is at {@code field} of {@code kind name} in bad.yaml. */
  private Problem only(List<Problem> problems, String kind, String name, String field) {
    assertThat(problems).as("%s", problems).hasSize(1);
    Problem p = problems.get(0);
    assertThat(p.origin()).isEqualTo("bad.yaml (" + kind + " " + name + ")");
    assertThat(p.field()).isEqualTo(field);
    return p;
  }

  private static String budget(String name, String spec) {
    return """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: TokenBudget
        metadata: {name: %s}
        spec:
        %s
        """.formatted(name, spec.indent(2).stripTrailing());
  }

  private static String consumer(String name, String spec) {
    return """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: Consumer
        metadata: {name: %s}
        spec:
        %s
        """.formatted(name, spec.indent(2).stripTrailing());
  }

  @Test
  void aBudgetNeedsConsumers() throws Exception {
    Files.writeString(dir.resolve("consumers.yaml"), "");
    Problem p = only(problems(budget("b", "limit: {tokens: 10, unit: Minute}")), "TokenBudget", "b", "spec.per");
    assertThat(p.message()).contains("no Consumer is defined");
  }

  @Test
  void valuesPerConsumerMustNameConsumers() throws Exception {
    Problem p = only(problems(budget("b", "values: [research-app, nobody]\nlimit: {tokens: 10, unit: Minute}")),
        "TokenBudget", "b", "spec.values[1]");
    assertThat(p.message()).isEqualTo("Consumer 'nobody' is not defined");
  }

  @Test
  void valuesOfAMetadataKeyNoConsumerHasAreOnlyAWarning() throws Exception {
    Files.writeString(dir.resolve("backends.yaml"), BudgetFixtures.BACKENDS);
    Files.writeString(dir.resolve("consumers.yaml"), BudgetFixtures.CONSUMERS);
    Files.writeString(dir.resolve("b.yaml"), budget("b", "per: team\nvalues: [research, future]\n"
        + "limit: {tokens: 10, unit: Minute}"));
    assertThat(translate().warnings()).containsExactly("b.yaml (TokenBudget b): spec.values[1]: no Consumer has"
        + " team: future (yet)");
  }

  @Test
  void perMustBeAMetadataKeySomeConsumerHas() throws Exception {
    Problem p = only(problems(budget("b", "per: region\nlimit: {tokens: 10, unit: Minute}")), "TokenBudget", "b",
        "spec.per");
    assertThat(p.message()).contains("no Consumer has the metadata key 'region'", "(team, tier)");
  }

  @Test
  void dollarsNeedAPriceTableThatExists() throws Exception {
    assertThat(only(problems(budget("b", "limit: {dollars: \"1\", unit: Day}")), "TokenBudget", "b",
        "spec.priceTable").message()).contains("is required for a dollars limit");
    assertThat(only(problems(budget("b", "limit: {dollars: \"1\", unit: Day}\npriceTable: nope")), "TokenBudget", "b",
        "spec.priceTable").message()).isEqualTo("PriceTable 'nope' is not defined");
  }

  @Test
  void tokensMustFitTheServicesCounter() throws Exception {
    assertThat(only(problems(budget("b", "limit: {tokens: 0, unit: Minute}")), "TokenBudget", "b",
        "spec.limit.tokens").message()).isEqualTo("must be at least 1, not 0");
    assertThat(only(problems(budget("b", "limit: {tokens: 5000000000, unit: Day}")), "TokenBudget", "b",
        "spec.limit.tokens").message()).isEqualTo("5000000000 is more than the rate-limit service counts per unit"
        + " (4294967295); use a smaller unit, e.g. unit: Hour with tokens: 208333333");
    assertThat(only(problems(budget("b", "limit: {tokens: 5000000000, unit: Second}")), "TokenBudget", "b",
        "spec.limit.tokens").message()).endsWith("; no unit is shorter than Second");
  }

  @Test
  void dollarsMustFitTheServicesCounterInMicroDollars() throws Exception {
    String table = """
        ---
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: PriceTable
        metadata: {name: t}
        spec: {prices: {"*": {input: 1, output: 1}}}
        """;
    Files.writeString(dir.resolve("table.yaml"), table);
    assertThat(only(problems(budget("b", "limit: {dollars: \"5000\", unit: Day}\npriceTable: t")), "TokenBudget",
        "b", "spec.limit.dollars").message()).isEqualTo("5000 is more than the rate-limit service counts per unit"
        + " (4294967295 micro-dollars, $4294.967295); use a smaller unit, e.g. unit: Hour with dollars: \"208.333333\"");
    assertThat(only(problems(budget("b", "limit: {dollars: \"0.0000001\", unit: Day}\npriceTable: t")), "TokenBudget",
        "b", "spec.limit.dollars").message()).contains("more than 6 decimals");
    assertThat(only(problems(budget("b", "limit: {dollars: \"-1\", unit: Day}\npriceTable: t")), "TokenBudget",
        "b", "spec.limit.dollars").message()).isEqualTo("must be more than 0, not -1");
    assertThat(only(problems(budget("b", "limit: {dollars: \"two\", unit: Day}\npriceTable: t")), "TokenBudget",
        "b", "spec.limit.dollars").message()).contains("is not a decimal number");
  }

  @Test
  void theLimitTakesOneAmountAndAKnownUnit() throws Exception {
    assertThat(only(problems(budget("b", "limit: {tokens: 5, unit: Week}")), "TokenBudget", "b",
        "spec.limit.unit").message()).isEqualTo("must be Second, Minute, Hour or Day, not 'Week'");
    assertThat(only(problems(budget("b", "limit: {tokens: 5}")), "TokenBudget", "b",
        "spec.limit.unit").message()).contains("is missing");
    assertThat(only(problems(budget("b", "limit: {tokens: 5, dollars: \"1\", unit: Day}")), "TokenBudget", "b",
        "spec.limit").message()).isEqualTo("set exactly one of tokens or dollars");
    assertThat(only(problems(budget("b", "per: consumer")), "TokenBudget", "b", "spec.limit").message())
        .contains("is missing");
    assertThat(only(problems(budget("b", "limit: {tokens: 5, unit: Day, burst: 3}")), "TokenBudget", "b",
        "spec.limit.burst").message()).contains("is not a known field", "dollars, tokens, unit");
  }

  @Test
  void costAndPriceTableBelongToTheirKindOfLimit() throws Exception {
    Files.writeString(dir.resolve("table.yaml"), """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: PriceTable
        metadata: {name: t}
        spec: {prices: {"*": {input: 1, output: 1}}}
        """);
    assertThat(only(problems(budget("b", "limit: {dollars: \"1\", unit: Day}\npriceTable: t\ncost: InputToken")),
        "TokenBudget", "b", "spec.cost").message()).contains("only applies to a tokens limit");
    assertThat(only(problems(budget("b", "limit: {tokens: 1, unit: Day}\npriceTable: t")),
        "TokenBudget", "b", "spec.priceTable").message()).contains("only applies to a dollars limit");
  }

  @Test
  void anUnknownTokenTypeIsTheCostPluginsToRefuseAtTheBudgetsCostField() throws Exception {
    Problem p = only(problems(budget("b", "limit: {tokens: 1, unit: Day}\ncost: BogusToken")), "TokenBudget", "b",
        "spec.cost");
    assertThat(p.message()).startsWith("no installed plugin provides cost type 'BogusToken'");
  }

  @Test
  void wrongConsumersNameTheirField() throws Exception {
    assertThat(only(problems(consumer("c", "keys: [{sha256: " + BudgetFixtures.RESEARCH_KEY + "}]")), "Consumer", "c",
        "spec.keys[0].sha256").message()).as("the value, maybe a key, is not repeated")
        .contains("64 hex digits", "never the key itself");
    assertThat(only(problems(consumer("c", "keys: [{sha256: " + BudgetFixtures.sha256("x")
        + ", secretRef: {name: client-keys}}]")), "Consumer", "c", "spec.keys[0]").message())
        .isEqualTo("set exactly one of sha256 or secretRef");
    assertThat(only(problems(consumer("c", "keys: [{secretRef: {name: missing}}]")), "Consumer", "c",
        "spec.keys[0].secretRef.name").message()).isEqualTo("Secret 'missing' is not defined");
    assertThat(only(problems(consumer("c", "keys: [{secretRef: {name: client-keys, key: other}}]")), "Consumer", "c",
        "spec.keys[0].secretRef.key").message()).isEqualTo("Secret 'client-keys' has no key 'other'");
    assertThat(only(problems(consumer("c", "keys: [{secretRef: {name: client-keys}}]")), "Consumer", "c",
        "spec.keys[0].secretRef").message()).contains("has no key 'key' (the default");
    assertThat(only(problems(consumer("c", "keys: [{sha256: " + BudgetFixtures.sha256("x")
        + ", expires: tomorrow}]")), "Consumer", "c", "spec.keys[0].expires").message())
        .contains("must be an instant such as 2027-01-01T00:00:00Z");
    assertThat(only(problems(consumer("c", "keys: []")), "Consumer", "c", "spec.keys").message())
        .contains("at least one key");
    assertThat(only(problems(consumer("c", "metadata: {Team: x}\nkeys: [{sha256: " + BudgetFixtures.sha256("x")
        + "}]")), "Consumer", "c", "spec.metadata.Team").message()).contains("lower-case letters");
    assertThat(only(problems(consumer("c", "models: [\"\"]\nkeys: [{sha256: " + BudgetFixtures.sha256("x") + "}]")),
        "Consumer", "c", "spec.models[0]").message()).isEqualTo("is empty");
  }

  @Test
  void aKeyIdentifiesOneConsumerWhetherHashedOrInASecret() throws Exception {
    Problem p = only(problems(consumer("zz-copy", "keys: [{sha256: " + BudgetFixtures.sha256(BudgetFixtures.RESEARCH_KEY)
        + "}]")), "Consumer", "zz-copy", "spec.keys[0]");
    assertThat(p.message()).isEqualTo("is the same key as Consumer 'research-app' spec.keys[0]; a key identifies"
        + " exactly one consumer");
  }

  @Test
  void wrongPricesNameTheirField() throws Exception {
    String yaml = """
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: PriceTable
        metadata: {name: t}
        spec:
          prices:
            gpt-4o: {input: -1, output: 1}
            claude: {input: 1}
        """;
    List<Problem> problems = problems(yaml);
    assertThat(problems).extracting(Problem::toString).containsExactly(
        "bad.yaml (PriceTable t): spec.prices.claude.output: is missing: US dollars per million tokens",
        "bad.yaml (PriceTable t): spec.prices.gpt-4o.input: must be 0 or more US dollars per million tokens, not -1.0");
    assertThat(only(problems("""
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: PriceTable
        metadata: {name: t}
        spec: {prices: {}}
        """), "PriceTable", "t", "spec.prices").message()).contains("at least one model");
  }

  @Test
  void routeCostsMayNotTakeABudgetsKey() throws Exception {
    Problem p = only(problems("""
        apiVersion: aigateway.tollgate.dev/v1alpha1
        kind: AIGatewayRoute
        metadata: {name: other}
        spec:
          rules: [{name: other, model: x, backendRefs: [{name: openai}]}]
          llmRequestCosts: [{metadataKey: tollgate_budget_x, type: TotalToken}]
        """), "AIGatewayRoute", "other", "spec.llmRequestCosts[0].metadataKey");
    assertThat(p.message()).contains("are the TokenBudgets' costs");
  }
}
