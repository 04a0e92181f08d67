package dev.tollgate.plugins.anthropic;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.UpstreamRequest;

/**
 * Where one backend takes an Anthropic Messages body, and in what form: what the three schemas
 * differ in. Made once per backend when the config loads (its settings read there); thread-safe.
 */
interface ClaudeHost {
  /**
   * The upstream request for a Messages body converted from another client API.
   *
   * @param model the upstream model
   * @param body  the body, with {@code model} set; the host may change it
   */
  UpstreamRequest converted(ClientRequest request, String model, ObjectNode body);

  /**
   * The upstream request for an Anthropic Messages client's own body; by default as
   * {@link #converted}.
   *
   * @param body    a copy of the client's body with the upstream {@code model}; the host may change it
   * @param changed whether {@code body} differs from the client's bytes
   */
  default UpstreamRequest passedOn(ClientRequest request, String model, ObjectNode body, boolean changed) {
    return converted(request, model, body);
  }

  /**
   * The upstream request that counts the tokens of an Anthropic count_tokens client's body, and
   * where the count is in the answer.
   *
   * @param body a copy of the client's body with the upstream {@code model}; the host may change it
   */
  Count countTokens(ClientRequest request, String model, ObjectNode body);

  /** A count request, the answer's field with the count, and the provider's name for errors. */
  record Count(UpstreamRequest request, String answerField, String provider) {
  }

  /** Makes a backend's host, checking its settings. */
  @FunctionalInterface
  interface Maker {
    /** @param at the backend's place in the config, e.g. {@code backends[2]} */
    ClaudeHost make(BackendTarget backend, String at) throws InvalidConfigException;
  }
}
