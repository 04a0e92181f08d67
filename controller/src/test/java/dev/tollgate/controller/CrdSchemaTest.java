package dev.tollgate.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What {@code tollgate crds} prints says what every field is, so that {@code kubectl explain} has an answer. */
class CrdSchemaTest {
  /** Kind to its schema's {@code spec}, as {@code tollgate crds} prints them and kubectl (YAML 1.1) reads them. */
  private static final Map<String, Map<?, ?>> SPECS = new LinkedHashMap<>();

  @BeforeAll
  static void printCrds() {
    TranslateCommandTest.Run run = TranslateCommandTest.run("crds");
    assertThat(run.exit()).as(run.err()).isZero();
    for (Object doc : new org.yaml.snakeyaml.Yaml().loadAll(run.out())) {
      Map<?, ?> crd = (Map<?, ?>) doc;
      Map<?, ?> version = (Map<?, ?>) ((List<?>) at(crd, "spec", "versions")).get(0);
      SPECS.put((String) at(crd, "spec", "names", "kind"),
          (Map<?, ?>) at(version, "schema", "openAPIV3Schema", "properties", "spec"));
    }
    assertThat(SPECS).containsOnlyKeys("AIGatewayRoute", "AIServiceBackend", "BackendSecurityPolicy", "PromptPolicy",
        "Consumer", "TokenBudget", "PriceTable");
  }

  @Test
  void everyFieldOfEverySpecHasADescription() {
    List<String> undescribed = new ArrayList<>();
    int fields = 0;
    for (Map.Entry<String, Map<?, ?>> e : SPECS.entrySet()) {
      fields += walk(e.getKey() + ".spec", e.getValue(), undescribed);
    }
    assertThat(undescribed).as("fields without a description").isEmpty();
    assertThat(fields).as("fields walked").isGreaterThan(80);
  }

  @Test
  void fieldsThatTakeAFixedSetListIt() {
    assertThat(enumOf("BackendSecurityPolicy", "type"))
        .containsExactlyInAnyOrder("APIKey", "AWSCredentials", "AzureCredentials", "GCPCredentials");
    assertThat(enumOf("AIGatewayRoute", "rules", "headers", "type")).containsExactlyInAnyOrder("Exact", "RegularExpression");
    assertThat(enumOf("AIGatewayRoute", "llmRequestCosts", "scope")).containsExactlyInAnyOrder("Route", "Global");
    assertThat(enumOf("PromptPolicy", "guards", "on")).containsExactlyInAnyOrder("Request", "Response");
    assertThat(enumOf("PromptPolicy", "guards", "regex", "builtins"))
        .containsExactlyInAnyOrder("creditCard", "ssn", "email", "phone");
    assertThat(enumOf("PromptPolicy", "guards", "regex", "action")).containsExactlyInAnyOrder("Reject", "Mask");
    assertThat(enumOf("PromptPolicy", "enrichment", "prepend", "role"))
        .containsExactlyInAnyOrder("system", "developer", "user", "assistant");
    assertThat(enumOf("TokenBudget", "limit", "unit")).containsExactlyInAnyOrder("Second", "Minute", "Hour", "Day");
  }

  @Test
  void theBudgetKindsHaveTheirFields() {
    assertThat(properties(SPECS.get("Consumer"))).containsExactlyInAnyOrder("metadata", "models", "keys");
    assertThat(properties((Map<?, ?>) field("Consumer", "keys").get("items")))
        .containsExactlyInAnyOrder("sha256", "secretRef", "expires");
    assertThat(properties(SPECS.get("TokenBudget")))
        .containsExactlyInAnyOrder("per", "values", "limit", "cost", "priceTable", "perModel", "perBackend");
    assertThat(properties(field("TokenBudget", "limit"))).containsExactlyInAnyOrder("tokens", "dollars", "unit");
    Map<?, ?> price = (Map<?, ?>) field("PriceTable", "prices").get("additionalProperties");
    assertThat(properties(price)).containsExactlyInAnyOrder("input", "output", "cachedInput", "cacheCreation");
    assertThat(List.<Object>copyOf((List<?>) price.get("required"))).containsExactlyInAnyOrder("input", "output");
  }

  private static List<Object> properties(Map<?, ?> schema) {
    return List.copyOf(((Map<?, ?>) schema.get("properties")).keySet());
  }

  @Test
  void namesThatPluginsAddStayOpenAndSaySo() {
    for (List<String> open : List.of(List.of("AIServiceBackend", "schema", "name"),
        List.of("AIGatewayRoute", "llmRequestCosts", "type"), List.of("PromptPolicy", "guards", "type"),
        List.of("TokenBudget", "cost"))) {
      Map<?, ?> field = field(open.get(0), open.subList(1, open.size()).toArray(String[]::new));
      assertThat(field.get("enum")).as("%s", open).isNull();
      assertThat((String) field.get("description")).as("%s", open).contains("open", "plugins");
    }
  }

  /** Counts the fields under {@code schema} and adds to {@code undescribed} those without a description. */
  private static int walk(String path, Map<?, ?> schema, List<String> undescribed) {
    int count = 1;
    Object description = schema.get("description");
    if (!(description instanceof String s) || s.isBlank()) {
      undescribed.add(path);
    }
    Map<?, ?> inner = schema.get("items") instanceof Map<?, ?> items ? items : schema;
    if (inner.get("properties") instanceof Map<?, ?> properties) {
      for (Map.Entry<?, ?> p : properties.entrySet()) {
        count += walk(path + "." + p.getKey(), (Map<?, ?>) p.getValue(), undescribed);
      }
    }
    return count;
  }

  /** The field of {@code kind}'s spec at {@code names}, going through arrays to their items. */
  private static Map<?, ?> field(String kind, String... names) {
    Map<?, ?> schema = SPECS.get(kind);
    for (String name : names) {
      Map<?, ?> inner = schema.get("items") instanceof Map<?, ?> items ? items : schema;
      schema = (Map<?, ?>) at(inner, "properties", name);
      assertThat(schema).as("%s %s", kind, List.of(names)).isNotNull();
    }
    return schema;
  }

  private static List<Object> enumOf(String kind, String... names) {
    Map<?, ?> f = field(kind, names);
    Map<?, ?> inner = f.get("items") instanceof Map<?, ?> items ? items : f;
    return List.copyOf((List<?>) inner.get("enum"));
  }

  private static Object at(Map<?, ?> map, String... keys) {
    Object o = map;
    for (String k : keys) {
      o = o instanceof Map<?, ?> m ? m.get(k) : null;
    }
    return o;
  }
}
