package dev.tollgate.controller.up;

import dev.tollgate.controller.resource.RawDocument;
import java.util.List;

/** Whether a set of resources has token budgets, the one thing that makes {@code up} start the ratelimit service. */
public final class Budgets {
  /** The kind of a token budget resource. */
  public static final String KIND = "TokenBudget";

  private Budgets() {
  }

  /** True when some document is a {@value #KIND} (read before validation: a wrong one still needs its tools named). */
  public static boolean present(List<RawDocument> documents) {
    return documents.stream()
        .anyMatch(d -> d.tree() != null && KIND.equals(d.tree().get("kind")));
  }
}
