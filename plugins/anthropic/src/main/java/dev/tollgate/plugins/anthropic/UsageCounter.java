package dev.tollgate.plugins.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.TokenUsage;

/**
 * Adds up Anthropic usage as it is reported: once in a whole answer, or spread over a stream
 * ({@code message_start} carries the input counts, {@code message_delta} the cumulative output
 * and, in newer API versions, the input counts again). Each count keeps its largest value.
 *
 * <p>Anthropic's {@code input_tokens} excludes the tokens read from or written to the prompt
 * cache. Tollgate's input tokens (and OpenAI's {@code prompt_tokens}) count every prompt token,
 * so input = input_tokens + cache_read_input_tokens + cache_creation_input_tokens, and the cached
 * part is cache_read_input_tokens.
 */
final class UsageCounter {
  private long input;
  private long cacheRead;
  private long cacheCreation;
  private long output;
  private boolean seen;

  /** Reads an Anthropic {@code usage} object; ignores anything else. */
  void add(JsonNode usage) {
    if (usage == null || !usage.isObject()) {
      return;
    }
    seen = true;
    input = Math.max(input, count(usage, "input_tokens"));
    cacheRead = Math.max(cacheRead, count(usage, "cache_read_input_tokens"));
    cacheCreation = Math.max(cacheCreation, count(usage, "cache_creation_input_tokens"));
    output = Math.max(output, count(usage, "output_tokens"));
  }

  private static long count(JsonNode usage, String field) {
    JsonNode n = usage.get(field);
    return n != null && n.canConvertToLong() && n.asLong() > 0 ? n.asLong() : 0;
  }

  TokenUsage usage() {
    if (!seen) {
      return TokenUsage.NONE;
    }
    long prompt = input + cacheRead + cacheCreation;
    return new TokenUsage(prompt, output, prompt + output, cacheRead, 0);
  }
}
