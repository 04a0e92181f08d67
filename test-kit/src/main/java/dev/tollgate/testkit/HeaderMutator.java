package dev.tollgate.testkit;

import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * Applies an ext_proc {@link HeaderMutation} the way Envoy's {@code MutationUtils::applyHeaderMutations}
 * does, checked by {@code mutation_rules} as Envoy's {@code Checker} does:
 * <ul>
 *   <li>removes first, then sets;</li>
 *   <li>only {@code raw_value} is read: a header that sets only {@code value} gets an empty value,
 *       and one that sets both is an error (Envoy answers the client with 500);</li>
 *   <li>{@code append_action} is ignored; only the deprecated {@code append} bool appends;</li>
 *   <li>a mutation the rules do not allow is ignored and counted (Envoy's
 *       {@code rejected_header_mutations}), or is an error with {@code disallowIsError}.</li>
 * </ul>
 * Headers are kept one value per name; an append joins with a comma.
 */
public final class HeaderMutator {
  /**
   * The filter's {@code mutation_rules} (envoy.config.common.mutation_rules.v3.HeaderMutationRules),
   * as far as they matter here; all false is Envoy's default.
   */
  public record MutationRules(boolean allowAllRouting, boolean allowEnvoy, boolean disallowSystem,
                              boolean disallowAll, boolean disallowIsError) {
    public static final MutationRules DEFAULT = new MutationRules(false, false, false, false, false);

    /** What Tollgate's Envoy configs set: {@code allow_all_routing: true}, the rest default. */
    public static MutationRules tollgate() {
      return new MutationRules(true, false, false, false, false);
    }

    public MutationRules withAllowEnvoy(boolean allow) {
      return new MutationRules(allowAllRouting, allow, disallowSystem, disallowAll, disallowIsError);
    }

    public MutationRules withDisallowIsError(boolean isError) {
      return new MutationRules(allowAllRouting, allowEnvoy, disallowSystem, disallowAll, isError);
    }
  }

  /** A mutation Envoy refuses outright; the exchange ends with a 500 local reply. */
  public static final class InvalidMutation extends Exception {
    InvalidMutation(String message) {
      super(message);
    }
  }

  private enum Op { SET, APPEND, REMOVE }

  private final MutationRules rules;
  private int rejected;

  public HeaderMutator(MutationRules rules) {
    this.rules = rules;
  }

  /** How many mutations were ignored because the rules did not allow them. */
  public int rejected() {
    return rejected;
  }

  /** Applies {@code m} to {@code headers} (lower-case names), in place. */
  public void apply(HeaderMutation m, Map<String, String> headers) throws InvalidMutation {
    for (String name : m.getRemoveHeadersList()) {
      String k = name.toLowerCase(Locale.ROOT);
      if (allowed(Op.REMOVE, k, "", name)) {
        headers.remove(k);
      }
    }
    for (HeaderValueOption o : m.getSetHeadersList()) {
      if (!o.hasHeader()) {
        continue;
      }
      HeaderValue h = o.getHeader();
      if (!h.getValue().isEmpty() && !h.getRawValue().isEmpty()) {
        rejected++;
        throw new InvalidMutation("header " + h.getKey() + " sets both value and raw_value");
      }
      String k = h.getKey().toLowerCase(Locale.ROOT);
      String v = h.getRawValue().toString(StandardCharsets.UTF_8);
      boolean append = o.hasAppend() && o.getAppend().getValue();
      Op op = append && headers.containsKey(k) ? Op.APPEND : Op.SET;
      if (!allowed(op, k, v, h.getKey())) {
        continue;
      }
      headers.put(k, op == Op.APPEND ? headers.get(k) + "," + v : v);
    }
  }

  private boolean allowed(Op op, String name, String value, String asSent) throws InvalidMutation {
    if (!name.isEmpty() && validValue(name, value) && isAllowed(op, name)) {
      return true;
    }
    return reject(op, asSent);
  }

  private boolean reject(Op op, String name) throws InvalidMutation {
    if (rules.disallowIsError()) {
      throw new InvalidMutation(op + " of header " + name + " is not allowed by the mutation rules");
    }
    rejected++;
    return false;
  }

  /** Envoy's {@code Checker::isAllowed}. */
  private boolean isAllowed(Op op, String name) {
    if (op == Op.REMOVE && (name.startsWith(":") || name.equals("host"))) {
      return false;
    }
    if (rules.disallowAll()) {
      return false;
    }
    if (op == Op.APPEND && name.startsWith(":")) {
      return false;
    }
    if (name.equals("host") || name.equals(":authority") || name.equals(":method") || name.equals(":scheme")) {
      return rules.allowAllRouting();
    }
    if (name.startsWith("x-envoy")) {
      return rules.allowEnvoy();
    }
    return !(rules.disallowSystem() && name.startsWith(":"));
  }

  /** Envoy's {@code Checker::isValidValue}, for the headers it checks. */
  private static boolean validValue(String name, String value) {
    return switch (name) {
      case ":scheme" -> value.equals("http") || value.equals("https");
      case ":authority", "host" -> !value.isEmpty() && value.chars().noneMatch(c -> c <= ' ' || c == '/');
      case ":status" -> value.matches("[1-5][0-9][0-9]");
      default -> true;
    };
  }
}
