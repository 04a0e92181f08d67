/**
 * Anthropic Messages clients in front of OpenAI-schema backends (OpenAI, Azure OpenAI and other
 * chat-completions-compatible APIs). {@link dev.tollgate.toolkit.anthropic.AnthropicChatBridge} converts
 * a Messages request into a chat completions request and the answer back (whole, streamed as
 * Anthropic SSE events, errors in Anthropic's shape). It lives in the plugin API so that every
 * translator plugin can use the same conversion from its own class loader.
 */
package dev.tollgate.toolkit.anthropic;
