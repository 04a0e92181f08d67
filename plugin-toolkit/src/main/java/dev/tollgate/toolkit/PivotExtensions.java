package dev.tollgate.toolkit;

/**
 * The non-standard fields of an OpenAI chat completions body that Tollgate's own chat translators
 * (Anthropic on its three hosts, Bedrock Converse, Gemini on Vertex AI) understand, in one place.
 * They say what standard chat cannot say exactly, so that a client API served through
 * {@link ChatPivot} (Anthropic Messages, Responses) keeps its meaning, and a chat client can ask
 * for what LiteLLM-style gateways accept. They are only ever put into a chat body that goes to one
 * of Tollgate's chat translators, never to OpenAI or Azure OpenAI, which reject unknown fields
 * (hence {@link Dialect}).
 *
 * <h2>Request fields</h2>
 * <ul>
 *   <li>{@value #THINKING} (top level): Anthropic's shape, {@code {"type":"enabled","budget_tokens":N}}
 *       or {@code {"type":"disabled"}}. It takes precedence over {@code reasoning_effort}. Anthropic:
 *       sent as {@code thinking}; Bedrock Converse: {@code additionalModelRequestFields.thinking}
 *       for Claude models, {@code reasoningConfig.maxReasoningEffort} (from the budget) for Amazon
 *       Nova; Gemini: {@code generationConfig.thinkingConfig.thinkingBudget}.</li>
 *   <li>{@value #CACHE_CONTROL} on a content part, on a message, or on a tool (LiteLLM's convention,
 *       Anthropic's shape): {@code {"type":"ephemeral"}}, optionally with {@code "ttl"}. Marks the
 *       end of a cacheable prompt prefix. Anthropic: kept on the block (a message's marker goes on
 *       its last block); Bedrock Converse: a {@code {"cachePoint":{"type":"default"}}} block after
 *       the marked content (in {@code messages}, {@code system} or {@code toolConfig.tools});
 *       Gemini caches implicitly and ignores it.</li>
 *   <li>{@value #CACHED_CONTENT} (or {@value #CACHED_CONTENT_CAMEL}), top level: the name of a Vertex
 *       AI {@code cachedContents} resource, sent as the Gemini request's {@code cachedContent}.</li>
 * </ul>
 *
 * <h2>Answer fields</h2>
 * <ul>
 *   <li>{@value #REASONING_CONTENT} in {@code choices[].message} (whole) and {@code choices[].delta}
 *       (streamed): the model's reasoning text (Anthropic thinking blocks, Converse
 *       {@code reasoningContent}, Gemini thought parts), never mixed into {@code content}. This is
 *       the extension DeepSeek, vLLM and LiteLLM write; OpenAI's schemas allow additional
 *       properties there. Read back by {@code AnthropicChatBridge} into {@code thinking} blocks.</li>
 *   <li>{@value #THINKING_BLOCKS} in {@code choices[].message} (LiteLLM's convention): the provider's
 *       reasoning blocks with what it needs to accept them back, {@code {"type":"thinking",
 *       "thinking":..,"signature":..}} or {@code {"type":"redacted_thinking","data":..}}. Streamed,
 *       each block comes whole in one {@code delta.thinking_blocks} once its signature came (its text
 *       having streamed as {@code reasoning_content}). Sent back on an assistant message of a later
 *       request, they become Anthropic thinking blocks or Converse {@code reasoningContent} blocks
 *       (Claude requires them before a tool result when thinking is on); Gemini ignores them.</li>
 *   <li>{@code usage.prompt_tokens_details.cache_write_tokens} (in OpenAI's usage schema): prompt
 *       tokens written to the cache; {@code cached_tokens} those read from it; both are part of
 *       {@code prompt_tokens}. {@code completion_tokens_details.reasoning_tokens}: the part of
 *       {@code completion_tokens} spent on reasoning, where the provider reports it (Gemini's
 *       {@code thoughtsTokenCount}; Anthropic and Converse do not count it apart).</li>
 * </ul>
 */
public final class PivotExtensions {
  public static final String THINKING = "thinking";
  public static final String CACHE_CONTROL = "cache_control";
  public static final String CACHED_CONTENT = "cached_content";
  public static final String CACHED_CONTENT_CAMEL = "cachedContent";
  public static final String REASONING_CONTENT = "reasoning_content";
  public static final String THINKING_BLOCKS = "thinking_blocks";
  /** The standard chat field the extensions refine. */
  public static final String REASONING_EFFORT = "reasoning_effort";

  /** Whether a chat body made for a backend may carry the extension fields. */
  public enum Dialect {
    /** Plain OpenAI chat completions: for OpenAI, Azure OpenAI and other compatible backends. */
    STANDARD,
    /** With the extension fields: for Tollgate's own chat translators, through {@link ChatPivot}. */
    TOLLGATE
  }

  private PivotExtensions() {
  }
}
