package dev.tollgate.controller.ratelimit;

import java.util.List;
import java.util.Locale;

/**
 * A TokenBudget as Envoy's rate-limit filter and the rate-limit service see it: the descriptor
 * {@code budget=<name>}, then the subject (the consumer's name or one of its metadata values, as
 * Tollgate emits them in dynamic metadata), then optionally the model and the backend; the limit
 * is per unit of time, counted in the budget's cost (tokens or micro-dollars), which Tollgate emits
 * under {@link #costKey()}.
 *
 * @param name       the TokenBudget's name
 * @param subject    the descriptor key, and the dynamic-metadata key it is read from:
 *                   {@code consumer}, or {@code consumer_<metadatakey>}
 * @param values     only these subject values, each its own budget; empty: every value, each its own
 * @param perModel   a budget per model as well
 * @param perBackend a budget per backend as well
 * @param unit       the unit of time
 * @param limit      the amount per unit, 1 to {@link #MAX_LIMIT}
 */
public record Budget(String name, String subject, List<String> values, boolean perModel, boolean perBackend,
                     Unit unit, long limit) {
  /** The rate-limit domain of every budget. */
  public static final String DOMAIN = "tollgate";
  /** The prefix of the budgets' cost keys. */
  public static final String COST_PREFIX = "tollgate_budget_";
  /** The descriptor keys. */
  public static final String BUDGET_KEY = "budget";
  public static final String CONSUMER_KEY = "consumer";
  public static final String MODEL_KEY = "model";
  public static final String BACKEND_KEY = "backend";
  /** The rate-limit service counts {@code requests_per_unit} as a uint32. */
  public static final long MAX_LIMIT = 4_294_967_295L;

  public Budget {
    values = List.copyOf(values);
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("budget " + name + ": limit " + limit + " is not between 1 and " + MAX_LIMIT);
    }
  }

  /** The dynamic-metadata key of the budget's cost. */
  public String costKey() {
    return costKey(name);
  }

  /** The dynamic-metadata key of the cost of budget {@code name}. */
  public static String costKey(String name) {
    return COST_PREFIX + name;
  }

  /** The subject key for {@code per}: {@code consumer}, or {@code consumer_<per>} for a metadata key. */
  public static String subjectKey(String per) {
    return per.equals(CONSUMER_KEY) ? CONSUMER_KEY : CONSUMER_KEY + "_" + per;
  }

  /** The rate-limit service's units of time. */
  public enum Unit {
    SECOND(1), MINUTE(60), HOUR(3600), DAY(86_400);

    private final long seconds;

    Unit(long seconds) {
      this.seconds = seconds;
    }

    public long seconds() {
      return seconds;
    }

    /** As the rate-limit service's configuration writes it: {@code second}, {@code minute}, ... */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** As a TokenBudget names it: {@code Second}, {@code Minute}, ... */
    public String resourceName() {
      return name().charAt(0) + name().substring(1).toLowerCase(Locale.ROOT);
    }

    /** The unit named so in a TokenBudget, or null. */
    public static Unit byResourceName(String name) {
      for (Unit u : values()) {
        if (u.resourceName().equals(name)) {
          return u;
        }
      }
      return null;
    }

    /** The next shorter unit, or null for {@link #SECOND}. */
    public Unit shorter() {
      return ordinal() == 0 ? null : values()[ordinal() - 1];
    }
  }
}
