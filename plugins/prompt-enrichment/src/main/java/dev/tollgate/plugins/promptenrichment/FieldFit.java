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
 * <p>Every field goes only to generation requests (chat completions, completions, responses,
 * messages), never to embeddings. A field that only one client API has goes only to that API's
 * requests; {@code stream_options} goes only to chat and completions requests with
 * {@code "stream": true}. OpenAI's Responses API rejects unknown parameters, so only the fields it
 * has go to its requests ({@code max_output_tokens}, not {@code max_tokens}). Any other field goes
 * to every chat, completions and messages request.
 *
 * @param endpoints    the endpoints whose requests take the field
 * @param streamedOnly whether the field is valid only with {@code "stream": true}
 */
record FieldFit(Set<Endpoint> endpoints, boolean streamedOnly) {
  private static final Set<Endpoint> OPENAI = Set.copyOf(EnumSet.of(Endpoint.CHAT_COMPLETIONS, Endpoint.COMPLETIONS));
  private static final Set<Endpoint> OPENAI_ALL = Set.copyOf(EnumSet.of(Endpoint.CHAT_COMPLETIONS,
      Endpoint.COMPLETIONS, Endpoint.RESPONSES));
  private static final Set<Endpoint> RESPONSES = Set.of(Endpoint.RESPONSES);
  private static final Set<Endpoint> ALL = Set.copyOf(EnumSet.of(Endpoint.CHAT_COMPLETIONS, Endpoint.COMPLETIONS,
      Endpoint.RESPONSES, Endpoint.MESSAGES));
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
        "max_completion_tokens", "n", "seed", "response_format", "reasoning_effort", "modalities", "prediction"}) {
      m.put(openAiOnly, new FieldFit(OPENAI, false));
    }
    for (String openAiAll : new String[] {"top_logprobs", "parallel_tool_calls", "user", "store", "service_tier",
        "safety_identifier", "prompt_cache_key"}) {
      m.put(openAiAll, new FieldFit(OPENAI_ALL, false));
    }
    for (String responsesOnly : new String[] {"max_output_tokens", "instructions", "text", "reasoning", "truncation",
        "include", "max_tool_calls", "background"}) {
      m.put(responsesOnly, new FieldFit(RESPONSES, false));
    }
    for (String everywhere : new String[] {"temperature", "top_p", "metadata", "tool_choice"}) {
      m.put(everywhere, new FieldFit(ALL, false));
    }
    for (String anthropicOnly : new String[] {"top_k", "stop_sequences", "thinking", "system"}) {
      m.put(anthropicOnly, new FieldFit(ANTHROPIC, false));
    }
    return Map.copyOf(m);
  }
}
