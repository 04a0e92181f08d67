package dev.tollgate.controller.translate;

import dev.tollgate.core.config.ClientKeys;
import dev.tollgate.api.Settings;
import dev.tollgate.controller.ratelimit.Budget;
import dev.tollgate.controller.resource.ConsumerSpec;
import dev.tollgate.controller.resource.PriceTableSpec;
import dev.tollgate.controller.resource.Problem;
import dev.tollgate.controller.resource.Resource;
import dev.tollgate.controller.resource.ResourceSet;
import dev.tollgate.controller.resource.SecretData;
import dev.tollgate.controller.resource.TokenBudgetSpec;
import dev.tollgate.core.config.GatewayConfig.ClientKey;
import dev.tollgate.core.config.GatewayConfig.Consumer;
import dev.tollgate.core.config.GatewayConfig.CostSpec;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Consumers, TokenBudgets and PriceTables: Consumers become the gateway config's {@code consumers}
 * (a key from a Secret hashed here, so that no output holds it); each TokenBudget a global cost
 * {@code tollgate_budget_<name>} (its token type, or {@code PriceTable} with the table's prices, in
 * micro-dollars) and a {@link Budget} for Envoy and the rate-limit service. Problems name the
 * resource and field; never a key.
 */
final class BudgetTranslator {
  /** As ConfigParser checks them. */
  private static final Pattern METADATA_KEY = Pattern.compile("[a-z][a-z0-9_]*");
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");
  /** The Secret key a Consumer's secretRef reads by default. */
  static final String DEFAULT_SECRET_KEY = "key";
  static final String DEFAULT_TOKEN_TYPE = "TotalToken";
  static final String PRICE_TABLE_TYPE = "PriceTable";
  private static final BigDecimal MICROS = BigDecimal.valueOf(1_000_000);

  private final ResourceSet set;
  private final List<Problem> problems;
  private final List<String> warnings;

  /** One budget's outputs. */
  record BudgetOutput(Budget budget, CostSpec cost) {
  }

  BudgetTranslator(ResourceSet set, List<Problem> problems, List<String> warnings) {
    this.set = set;
    this.problems = problems;
    this.warnings = warnings;
  }

  /** The consumers, in name order; the wrong ones are left out after adding their problems. */
  List<Consumer> consumers() {
    List<Consumer> out = new ArrayList<>();
    Map<String, String> keyOwners = new HashMap<>();
    for (Resource<ConsumerSpec> c : set.consumers()) {
      Consumer consumer = consumer(c, keyOwners);
      if (consumer != null) {
        out.add(consumer);
      }
    }
    return out;
  }

  private Consumer consumer(Resource<ConsumerSpec> c, Map<String, String> keyOwners) {
    int before = problems.size();
    ConsumerSpec spec = c.spec();
    Map<String, String> metadata = new LinkedHashMap<>();
    if (spec.metadata() != null) {
      for (Map.Entry<String, String> e : new java.util.TreeMap<>(spec.metadata()).entrySet()) {
        String f = "spec.metadata." + e.getKey();
        if (!METADATA_KEY.matcher(e.getKey()).matches()) {
          problems.add(new Problem(c.origin(), f, "metadata keys are lower-case letters, digits and '_', starting with"
              + " a letter (they become rate-limit descriptor keys consumer_<key>)"));
        } else if (e.getValue() == null || e.getValue().isBlank()) {
          problems.add(new Problem(c.origin(), f, "is empty"));
        } else {
          metadata.put(e.getKey(), e.getValue());
        }
      }
    }
    List<String> models = spec.models() == null ? List.of() : spec.models();
    for (int i = 0; i < models.size(); i++) {
      if (models.get(i) == null || models.get(i).isBlank()) {
        problems.add(new Problem(c.origin(), "spec.models[" + i + "]", "is empty"));
      }
    }
    List<ConsumerSpec.Key> keys = spec.keys() == null ? List.of() : spec.keys();
    if (keys.isEmpty()) {
      problems.add(new Problem(c.origin(), "spec.keys", "a Consumer needs at least one key: its sha256, or a secretRef"
          + " to a Secret holding it (tollgate new-key makes one)"));
    }
    List<ClientKey> clientKeys = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      String f = "spec.keys[" + i + "]";
      ConsumerSpec.Key k = keys.get(i);
      if ((k.sha256() == null) == (k.secretRef() == null)) {
        problems.add(new Problem(c.origin(), f, "set exactly one of sha256 or secretRef"));
        continue;
      }
      String hash;
      if (k.sha256() != null) {
        if (!SHA256_HEX.matcher(k.sha256()).matches()) {
          // never repeat the value: it may be the key itself
          problems.add(new Problem(c.origin(), f + ".sha256", "must be the 64 hex digits of the key's SHA-256"
              + " (printf %s \"$KEY\" | sha256sum), never the key itself; or put the key in a Secret and use secretRef"));
          continue;
        }
        hash = k.sha256().toLowerCase(Locale.ROOT);
      } else {
        Optional<String> key = secretKey(c, f + ".secretRef", k.secretRef());
        if (key.isEmpty()) {
          continue;
        }
        hash = ClientKeys.sha256Hex(key.get());
      }
      Optional<Instant> expires = Optional.empty();
      if (k.expires() != null) {
        try {
          expires = Optional.of(Instant.parse(k.expires()));
        } catch (DateTimeParseException e) {
          problems.add(new Problem(c.origin(), f + ".expires", "must be an instant such as 2027-01-01T00:00:00Z, not '"
              + k.expires() + "'"));
          continue;
        }
      }
      String where = "Consumer '" + c.name() + "' " + f;
      String owner = keyOwners.putIfAbsent(hash, where);
      if (owner != null) {
        problems.add(new Problem(c.origin(), f, "is the same key as " + owner + "; a key identifies exactly one"
            + " consumer"));
        continue;
      }
      clientKeys.add(new ClientKey(hash, expires));
    }
    return problems.size() == before ? new Consumer(c.name(), metadata, models, clientKeys) : null;
  }

  /** The plain key a secretRef names, trimmed; empty after adding a problem (which never holds the key). */
  private Optional<String> secretKey(Resource<?> r, String field, dev.tollgate.controller.resource.SecretKeyRef ref) {
    String key = ref.key() == null ? DEFAULT_SECRET_KEY : ref.key();
    SecretData data = ref.name() == null ? null : set.secrets().get(ref.name());
    if (data == null) {
      problems.add(new Problem(r.origin(), field + ".name", "Secret '" + ref.name() + "' is not defined"));
      return Optional.empty();
    }
    String value = data.data().get(key);
    if (value == null || value.isBlank()) {
      problems.add(new Problem(r.origin(), field + (ref.key() == null ? "" : ".key"), "Secret '" + ref.name()
          + "' has no key '" + key + "'" + (ref.key() == null ? " (the default; name another with key)" : "")));
      return Optional.empty();
    }
    return Optional.of(value.trim());
  }

  /** Checks every PriceTable; the prices of each good one, as the PriceTable cost's settings, by name. */
  Map<String, Map<String, Object>> priceTables() {
    Map<String, Map<String, Object>> out = new HashMap<>();
    for (Resource<PriceTableSpec> t : set.priceTables()) {
      int before = problems.size();
      Map<String, PriceTableSpec.Price> prices = t.spec().prices() == null ? Map.of() : t.spec().prices();
      if (prices.isEmpty()) {
        problems.add(new Problem(t.origin(), "spec.prices", "a PriceTable needs at least one model's prices, e.g."
            + " gpt-4o-mini: {input: 0.15, output: 0.60}"));
      }
      Map<String, Object> byModel = new LinkedHashMap<>();
      for (Map.Entry<String, PriceTableSpec.Price> e : new java.util.TreeMap<>(prices).entrySet()) {
        String f = "spec.prices." + e.getKey();
        PriceTableSpec.Price p = e.getValue();
        if (e.getKey().isBlank()) {
          problems.add(new Problem(t.origin(), "spec.prices", "has an empty model name; use \"*\" for the default"));
          continue;
        }
        if (p == null) {
          problems.add(new Problem(t.origin(), f, "is empty: give input and output"));
          continue;
        }
        Map<String, Object> price = new LinkedHashMap<>();
        price(t, f + ".input", p.input(), true, "input", price);
        price(t, f + ".output", p.output(), true, "output", price);
        price(t, f + ".cachedInput", p.cachedInput(), false, "cachedInput", price);
        price(t, f + ".cacheCreation", p.cacheCreation(), false, "cacheCreation", price);
        byModel.put(e.getKey(), price);
      }
      if (problems.size() == before) {
        out.put(t.name(), Map.of("prices", byModel));
      }
    }
    return out;
  }

  private void price(Resource<?> t, String field, Double value, boolean required, String key, Map<String, Object> out) {
    if (value == null) {
      if (required) {
        problems.add(new Problem(t.origin(), field, "is missing: US dollars per million tokens"));
      }
      return;
    }
    if (value.isNaN() || value.isInfinite() || value < 0) {
      problems.add(new Problem(t.origin(), field, "must be 0 or more US dollars per million tokens, not " + value));
      return;
    }
    out.put(key, value);
  }

  /**
   * Checks every TokenBudget against the consumers; each good one's Budget and global cost (at
   * {@code costs[firstIndex + i]} of the gateway config, whose origins are recorded in {@code origins}).
   */
  List<BudgetOutput> budgets(List<Consumer> consumers, Map<String, Map<String, Object>> priceTables,
                             int firstIndex, ConfigOrigins origins) {
    Map<String, Consumer> byName = new HashMap<>();
    consumers.forEach(c -> byName.put(c.name(), c));
    Set<String> used = new java.util.HashSet<>();
    Map<String, Resource<PriceTableSpec>> tables = new HashMap<>();
    set.priceTables().forEach(t -> tables.put(t.name(), t));
    List<BudgetOutput> out = new ArrayList<>();
    for (Resource<TokenBudgetSpec> b : set.budgets()) {
      BudgetOutput o = budget(b, byName, consumers, priceTables, tables, firstIndex + out.size(), origins);
      if (o != null) {
        out.add(o);
      }
      if (b.spec().priceTable() != null) {
        used.add(b.spec().priceTable());
      }
    }
    for (Resource<PriceTableSpec> t : set.priceTables()) {
      if (!used.contains(t.name())) {
        warnings.add(t.origin() + ": has no effect: no TokenBudget names it in spec.priceTable");
      }
    }
    return out;
  }

  private BudgetOutput budget(Resource<TokenBudgetSpec> b, Map<String, Consumer> byName, List<Consumer> consumers,
                              Map<String, Map<String, Object>> priceTables,
                              Map<String, Resource<PriceTableSpec>> tables, int index, ConfigOrigins origins) {
    int before = problems.size();
    TokenBudgetSpec spec = b.spec();
    String per = spec.per() == null ? Budget.CONSUMER_KEY : spec.per();
    if (set.consumers().isEmpty()) {
      problems.add(new Problem(b.origin(), "spec.per", "a TokenBudget counts per consumer, but no Consumer is defined;"
          + " define Consumers (their keys tell who is spending)"));
    } else if (!per.equals(Budget.CONSUMER_KEY)) {
      Set<String> keys = new TreeSet<>();
      consumers.forEach(c -> keys.addAll(c.metadata().keySet()));
      if (!METADATA_KEY.matcher(per).matches() || !keys.contains(per)) {
        problems.add(new Problem(b.origin(), "spec.per", "no Consumer has the metadata key '" + per + "'; use consumer"
            + " or a key of the Consumers' spec.metadata" + (keys.isEmpty() ? " (none has metadata)"
            : " (" + String.join(", ", keys) + ")")));
      }
    }
    List<String> values = spec.values() == null ? List.of() : spec.values();
    Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < values.size(); i++) {
      String f = "spec.values[" + i + "]";
      String v = values.get(i);
      if (v == null || v.isBlank()) {
        problems.add(new Problem(b.origin(), f, "is empty"));
      } else if (!seen.add(v)) {
        problems.add(new Problem(b.origin(), f, "'" + v + "' is listed twice"));
      } else if (v.endsWith("*")) {
        problems.add(new Problem(b.origin(), f, "'" + v + "' ends with '*', which the rate-limit service reads as a"
            + " prefix; name whole values"));
      } else if (per.equals(Budget.CONSUMER_KEY)) {
        if (!byName.containsKey(v) && set.consumers().stream().noneMatch(c -> c.name().equals(v))) {
          problems.add(new Problem(b.origin(), f, "Consumer '" + v + "' is not defined"));
        }
      } else if (consumers.stream().noneMatch(c -> v.equals(c.metadata().get(per)))) {
        warnings.add(b.origin() + ": " + f + ": no Consumer has " + per + ": " + v + " (yet)");
      }
    }
    TokenBudgetSpec.Limit limit = spec.limit();
    if (limit == null) {
      problems.add(new Problem(b.origin(), "spec.limit", "is missing: set tokens or dollars, and unit"));
      return null;
    }
    Budget.Unit unit = null;
    if (limit.unit() == null) {
      problems.add(new Problem(b.origin(), "spec.limit.unit", "is missing: Second, Minute, Hour or Day"));
    } else {
      unit = Budget.Unit.byResourceName(limit.unit());
      if (unit == null) {
        problems.add(new Problem(b.origin(), "spec.limit.unit", "must be Second, Minute, Hour or Day, not '"
            + limit.unit() + "'"));
      }
    }
    if ((limit.tokens() == null) == (limit.dollars() == null)) {
      problems.add(new Problem(b.origin(), "spec.limit", "set exactly one of tokens or dollars"));
      return null;
    }
    boolean dollars = limit.dollars() != null;
    long amount = dollars ? micros(b, limit.dollars(), unit) : tokens(b, limit.tokens(), unit);
    String type;
    Map<String, Object> settings = Map.of();
    Resource<PriceTableSpec> table = null;
    if (dollars) {
      type = PRICE_TABLE_TYPE;
      if (spec.cost() != null) {
        problems.add(new Problem(b.origin(), "spec.cost", "only applies to a tokens limit; a dollars limit counts what"
            + " the PriceTable of spec.priceTable charges"));
      }
      if (spec.priceTable() == null || spec.priceTable().isBlank()) {
        problems.add(new Problem(b.origin(), "spec.priceTable", "is required for a dollars limit: name the PriceTable"
            + " that prices the tokens"));
      } else {
        table = tables.get(spec.priceTable());
        if (table == null) {
          problems.add(new Problem(b.origin(), "spec.priceTable", "PriceTable '" + spec.priceTable()
              + "' is not defined"));
        } else if (!priceTables.containsKey(spec.priceTable())) {
          return null; // the table's own problems are reported
        } else {
          settings = priceTables.get(spec.priceTable());
        }
      }
    } else {
      type = spec.cost() == null ? DEFAULT_TOKEN_TYPE : spec.cost();
      if (type.isBlank()) {
        problems.add(new Problem(b.origin(), "spec.cost", "is empty; name a token type such as TotalToken"));
      }
      if (spec.priceTable() != null) {
        problems.add(new Problem(b.origin(), "spec.priceTable", "only applies to a dollars limit; a tokens limit"
            + " counts the token type of spec.cost"));
      }
    }
    if (problems.size() != before) {
      return null;
    }
    String at = "costs[" + index + "]";
    origins.add(at, b.origin(), "spec");
    origins.add(at + ".type", b.origin(), dollars ? "spec.limit.dollars" : "spec.cost");
    if (table != null) {
      origins.add(at + ".prices", table.origin(), "spec.prices");
    }
    Budget budget = new Budget(b.name(), Budget.subjectKey(per), values, Boolean.TRUE.equals(spec.perModel()),
        Boolean.TRUE.equals(spec.perBackend()), unit, amount);
    return new BudgetOutput(budget, new CostSpec(budget.costKey(), type, Settings.of(at, settings)));
  }

  private long tokens(Resource<?> b, long tokens, Budget.Unit unit) {
    if (tokens < 1) {
      problems.add(new Problem(b.origin(), "spec.limit.tokens", "must be at least 1, not " + tokens));
    } else if (tokens > Budget.MAX_LIMIT) {
      problems.add(new Problem(b.origin(), "spec.limit.tokens", tokens + " is more than the rate-limit service counts"
          + " per unit (" + Budget.MAX_LIMIT + ")" + smallerUnit(unit, BigDecimal.valueOf(tokens), false)));
    }
    return tokens;
  }

  /** The dollars as micro-dollars; 0 after adding a problem. */
  private long micros(Resource<?> b, String text, Budget.Unit unit) {
    String f = "spec.limit.dollars";
    BigDecimal d;
    try {
      d = new BigDecimal(text.trim());
    } catch (NumberFormatException e) {
      problems.add(new Problem(b.origin(), f, "'" + text + "' is not a decimal number of US dollars such as \"2.50\""));
      return 0;
    }
    if (d.signum() <= 0) {
      problems.add(new Problem(b.origin(), f, "must be more than 0, not " + text));
      return 0;
    }
    BigDecimal micros = d.multiply(MICROS);
    if (micros.stripTrailingZeros().scale() > 0) {
      problems.add(new Problem(b.origin(), f, "'" + text + "' has more than 6 decimals; budgets count micro-dollars"));
      return 0;
    }
    if (micros.compareTo(BigDecimal.valueOf(Budget.MAX_LIMIT)) > 0) {
      problems.add(new Problem(b.origin(), f, text + " is more than the rate-limit service counts per unit ("
          + Budget.MAX_LIMIT + " micro-dollars, $4294.967295)" + smallerUnit(unit, d, true)));
      return 0;
    }
    return micros.longValueExact();
  }

  /** Advice for a limit too large for its unit: the same rate in the next shorter unit, where it fits. */
  private static String smallerUnit(Budget.Unit unit, BigDecimal amount, boolean dollars) {
    if (unit == null) {
      return "";
    }
    Budget.Unit shorter = unit.shorter();
    if (shorter == null) {
      return "; no unit is shorter than Second";
    }
    BigDecimal scaled = amount.multiply(BigDecimal.valueOf(shorter.seconds()))
        .divide(BigDecimal.valueOf(unit.seconds()), dollars ? 6 : 0, RoundingMode.DOWN);
    String value = dollars ? "dollars: \"" + scaled.stripTrailingZeros().toPlainString() + "\""
        : "tokens: " + scaled.toPlainString();
    return "; use a smaller unit, e.g. unit: " + shorter.resourceName() + " with " + value;
  }
}
