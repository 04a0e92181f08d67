package dev.tollgate.toolkit.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.toolkit.PivotExtensions;
import java.util.Locale;

/**
 * The reasoning a chat request asks for: the extension field {@code thinking} (Anthropic's shape,
 * see {@link PivotExtensions}) when present, else OpenAI's {@code reasoning_effort}. Both come out
 * as a token budget and an effort, so each provider takes the one it understands. Efforts map to
 * budgets {@code minimal} and {@code low} {@value #LOW}, {@code medium} {@value #MEDIUM},
 * {@code high} {@value #HIGH}, {@code xhigh} {@value #XHIGH} (Anthropic's smallest budget is
 * 1024); budgets map back to efforts low (up to {@value #LOW_UP_TO}), medium (up to
 * {@value #MEDIUM_UP_TO}) or high.
 *
 * @param budgetTokens the reasoning token budget
 * @param effort       {@code low}, {@code medium} or {@code high}
 */
public record ChatReasoning(int budgetTokens, String effort) {
  public static final int LOW = 1024;
  public static final int MEDIUM = 4096;
  public static final int HIGH = 16384;
  public static final int XHIGH = 32768;
  static final int LOW_UP_TO = 2048;
  static final int MEDIUM_UP_TO = 8192;

  /**
   * The reasoning {@code chat} asks for; null when it asks for none ({@code reasoning_effort}
   * absent or {@code none}, {@code thinking.type} {@code disabled}).
   *
   * @throws GatewayException 400 naming the field when it is malformed
   */
  public static ChatReasoning read(JsonNode chat) throws GatewayException {
    JsonNode thinking = chat.get(PivotExtensions.THINKING);
    if (thinking != null && !thinking.isNull()) {
      String type = thinking.path("type").asText("");
      switch (type) {
        case "disabled" -> {
          return null;
        }
        case "enabled" -> {
          JsonNode budget = thinking.get("budget_tokens");
          if (budget == null || !budget.canConvertToInt() || budget.asInt() < 1) {
            throw GatewayException.badRequest("thinking.budget_tokens must be a positive whole number");
          }
          return ofBudget(budget.asInt());
        }
        default -> throw GatewayException.badRequest("thinking.type must be enabled or disabled");
      }
    }
    JsonNode effort = chat.get(PivotExtensions.REASONING_EFFORT);
    if (effort == null || effort.isNull()) {
      return null;
    }
    String e = effort.isTextual() ? effort.asText().toLowerCase(Locale.ROOT) : "";
    return switch (e) {
      case "none" -> null;
      case "minimal", "low" -> new ChatReasoning(LOW, "low");
      case "medium" -> new ChatReasoning(MEDIUM, "medium");
      case "high" -> new ChatReasoning(HIGH, "high");
      case "xhigh" -> new ChatReasoning(XHIGH, "high");
      default -> throw GatewayException.badRequest("reasoning_effort must be none, minimal, low, medium or high");
    };
  }

  /** A budget with the effort it amounts to. */
  public static ChatReasoning ofBudget(int budgetTokens) {
    String effort = budgetTokens <= LOW_UP_TO ? "low" : budgetTokens <= MEDIUM_UP_TO ? "medium" : "high";
    return new ChatReasoning(budgetTokens, effort);
  }

  /** The same effort with another budget (e.g. one fitted under the output limit). */
  public ChatReasoning withBudget(int budget) {
    return new ChatReasoning(budget, effort);
  }
}
