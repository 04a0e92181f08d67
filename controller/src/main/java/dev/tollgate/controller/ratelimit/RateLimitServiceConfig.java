package dev.tollgate.controller.ratelimit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The configuration of Envoy's rate-limit service (github.com/envoyproxy/ratelimit) for the
 * budgets: domain {@value Budget#DOMAIN}, one descriptor tree per budget,
 * {@code budget=<name>} → subject [= value] → [model] → [backend] → {@code rate_limit}. A subject
 * (or model, backend) without a value makes each distinct value its own counter. Without budgets
 * the domain has no descriptors (nothing is limited).
 */
public final class RateLimitServiceConfig {
  /**
   * Strings that look like numbers are quoted: the service's key check takes only strings, whole
   * numbers and booleans (a metadata value such as 1.5 would otherwise stop it loading the file).
   */
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS));

  private RateLimitServiceConfig() {
  }

  /** The service's YAML for these budgets. */
  public static String yaml(List<Budget> budgets) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("domain", Budget.DOMAIN);
    List<Object> descriptors = new ArrayList<>();
    for (Budget b : budgets) {
      descriptors.add(budget(b));
    }
    root.put("descriptors", descriptors);
    try {
      return YAML.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, Object> budget(Budget b) {
    Map<String, Object> rateLimit = new LinkedHashMap<>();
    rateLimit.put("unit", b.unit().configName());
    rateLimit.put("requests_per_unit", b.limit());
    // innermost first: backend, then model, then the subject
    List<String> inner = new ArrayList<>();
    if (b.perModel()) {
      inner.add(Budget.MODEL_KEY);
    }
    if (b.perBackend()) {
      inner.add(Budget.BACKEND_KEY);
    }
    List<Map<String, Object>> subjects = new ArrayList<>();
    if (b.values().isEmpty()) {
      subjects.add(node(b.subject(), null, inner, rateLimit));
    } else {
      for (String v : b.values()) {
        subjects.add(node(b.subject(), v, inner, rateLimit));
      }
    }
    Map<String, Object> top = new LinkedHashMap<>();
    top.put("key", Budget.BUDGET_KEY);
    top.put("value", b.name());
    top.put("descriptors", subjects);
    return top;
  }

  /** A descriptor of {@code key} (= {@code value}), with the keys of {@code inner} below it, the limit at the bottom. */
  private static Map<String, Object> node(String key, String value, List<String> inner, Map<String, Object> rateLimit) {
    Map<String, Object> n = new LinkedHashMap<>();
    n.put("key", key);
    if (value != null) {
      n.put("value", value);
    }
    if (inner.isEmpty()) {
      n.put("rate_limit", rateLimit);
    } else {
      n.put("descriptors", List.of(node(inner.get(0), null, inner.subList(1, inner.size()), rateLimit)));
    }
    return n;
  }
}
