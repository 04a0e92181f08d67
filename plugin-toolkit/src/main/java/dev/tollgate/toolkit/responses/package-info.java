/**
 * OpenAI Responses API clients in front of backends without one (AWS Bedrock, Gemini on Vertex,
 * Claude on its hosts, …), pivoted through the backend's chat completions translator:
 * {@link dev.tollgate.toolkit.responses.ResponsesChatBridge}.
 */
package dev.tollgate.toolkit.responses;
