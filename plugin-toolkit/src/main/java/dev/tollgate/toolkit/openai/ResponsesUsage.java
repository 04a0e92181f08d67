package dev.tollgate.toolkit.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.TokenUsage;

/**
 * The token usage of an OpenAI Responses API answer ({@code ResponseUsage}): {@code input_tokens}
 * (every prompt token, cached ones included), {@code output_tokens} (reasoning included),
 * {@code total_tokens}, {@code input_tokens_details.cached_tokens} (read from the prompt cache),
 * {@code input_tokens_details.cache_write_tokens} (written to it) and
 * {@code output_tokens_details.reasoning_tokens}. A whole {@code Response} carries it as
 * {@code usage}; a stream carries it in the {@code response} of its last event
 * ({@code response.completed}, {@code response.incomplete} or {@code response.failed}).
 */
public final class ResponsesUsage {
  private ResponsesUsage() {
  }

  /** The usage of a {@code Response} object; {@link TokenUsage#NONE} when it has none (or not as numbers). */
  public static TokenUsage ofResponse(JsonNode response) {
    return of(response == null ? null : response.get("usage"));
  }

  /** A {@code ResponseUsage} object as token counts; {@link TokenUsage#NONE} for null or anything else. */
  public static TokenUsage of(JsonNode usage) {
    if (usage == null || !usage.isObject()) {
      return TokenUsage.NONE;
    }
    long input = count(usage.get("input_tokens"));
    long output = count(usage.get("output_tokens"));
    long total = count(usage.get("total_tokens"));
    JsonNode in = usage.path("input_tokens_details");
    JsonNode out = usage.path("output_tokens_details");
    return new TokenUsage(input, output, total > 0 ? total : input + output, count(in.get("cached_tokens")),
        count(out.get("reasoning_tokens")), count(in.get("cache_write_tokens")));
  }

  private static long count(JsonNode n) {
    return n != null && n.canConvertToLong() && n.asLong() > 0 ? n.asLong() : 0;
  }
}
