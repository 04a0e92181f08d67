package dev.tollgate.api;

/** The API a client speaks to Tollgate; errors go back in its own format. */
public enum ClientApi {
  /** OpenAI-compatible: chat completions, completions, embeddings, models. */
  OPENAI,
  /** Anthropic Messages. */
  ANTHROPIC
}
