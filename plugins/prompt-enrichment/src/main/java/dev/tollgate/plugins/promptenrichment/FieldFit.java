package dev.tollgate.plugins.promptenrichment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Endpoint;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Where a request field that enrichment sets (a default or an override) is valid, so that it is
 * set only on requests that accept it: OpenAI rejects {@code stream_options} on a request that is
 * not streamed, and Anthropic's Messages API knows none of OpenAI's own fields.
 *
 * <p>Every field goes only to generation requests (chat completions, completions, messages), never
 * to embeddings. A field that only one client API has goes only to that API's requests;
 * {@code stream_options} goes only to OpenAI requests with {@code "stream": true}. Any other field
 * goes to every generation request.
 *
 * @param endpoints    the endpoints whose requests take the field
 * @param streamedOnly whether the field is valid only with {@code "stream": true}
 */
record FieldFit(Set<Endpoint> endpoints, boolean streamedOnly) {
  private static final Set<Endpoint> OPENAI = Set.copyOf(EnumSet.of(Endpoint.CHAT_COMPLETIONS, Endpoint.COMPLETIONS));
  private static final Set<Endpoint> ANTHROPIC = Set.of(Endpoint.MESSAGES);
  private static final FieldFit ANY_GENERATION = new FieldFit(Set.copyOf(EnumSet.of(Endpoint.CHAT_COMPLETIONS,
      Endpoint.COMPLETIONS, Endpoint.MESSAGES)), false);
  private static final Map<String, FieldFit> KNOWN = known();

  FieldFit {
    endpoints = Set.copyOf(endpoints);
  }

  /** Where {@code field}, a top-level request field, is valid. */
  static FieldFit of(String field) {
    return KNOWN.getOrDefault(field, ANY_GENERATION);
  }

  /** Whether the field may be set on {@code body}, a request to {@code endpoint}. */
  boolean fits(Endpoint endpoint, ObjectNode body) {
    return endpoints.contains(endpoint) && (!streamedOnly || body.path("stream").asBoolean(false));
  }

  private static Map<String, FieldFit> known() {
    Map<String, FieldFit> m = new HashMap<>();
    m.put("stream_options", new FieldFit(OPENAI, true));
    for (String openAiOnly : new String[] {"frequency_penalty", "presence_penalty", "logit_bias", "logprobs",
        "top_logprobs", "max_completion_tokens", "n", "seed", "response_format", "parallel_tool_calls",
        "reasoning_effort", "user", "store", "modalities", "prediction", "service_tier"}) {
      m.put(openAiOnly, new FieldFit(OPENAI, false));
    }
    for (String anthropicOnly : new String[] {"top_k", "stop_sequences", "thinking", "system"}) {
      m.put(anthropicOnly, new FieldFit(ANTHROPIC, false));
    }
    return Map.copyOf(m);
  }
}
