package dev.tollgate.controller.resource;

import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Required;
import java.util.List;
import java.util.Map;

/**
 * What a {@code PromptPolicy} says: guards on prompts and answers, prompt enrichment and request
 * defaults for the routes it targets.
 *
 * @param targetRefs the {@code AIGatewayRoute}s this applies to
 * @param guards     guards, run in order
 * @param enrichment text added to every prompt
 * @param defaults   request parameters used when the client sets none
 */
public record PromptPolicySpec(@Required List<LocalRef> targetRefs, List<Guard> guards, Enrichment enrichment,
                               Defaults defaults) {

  /**
   * A prompt guard.
   *
   * @param name     optional name for logs
   * @param type     the guard plugin, e.g. {@code Regex}, {@code Webhook}
   * @param phase    {@code Request} (default), {@code Response} or {@code Both}
   * @param settings the guard's settings
   */
  public record Guard(String name, @Required String type, String phase,
                      @PreserveUnknownFields Map<String, Object> settings) {
  }

  /**
   * Prompt enrichment.
   *
   * @param systemPrompt    a system message added to every request
   * @param position        {@code Prepend} (default) or {@code Append} relative to the client's messages
   */
  public record Enrichment(@Required String systemPrompt, String position) {
  }

  /** Request defaults. */
  public record Defaults(Double temperature, Double topP, Integer maxTokens) {
  }
}
