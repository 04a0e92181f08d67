package dev.tollgate.extproc;

import dev.tollgate.api.Endpoint;
import java.util.Locale;
import java.util.Map;

/**
 * Values of the OpenTelemetry GenAI semantic conventions' {@code gen_ai.operation.name} and
 * {@code gen_ai.provider.name} attributes for Tollgate's endpoints and backend schemas.
 */
final class GenAiAttributes {
  /** Schemas of the built-in plugins, by the provider that serves them. */
  private static final Map<String, String> PROVIDERS = Map.of(
      "OpenAI", "openai",
      "AzureOpenAI", "azure.ai.openai",
      "AWSBedrock", "aws.bedrock",
      "AWSAnthropic", "aws.bedrock",
      "Anthropic", "anthropic",
      "GCPAnthropic", "gcp.vertex_ai",
      "GCPVertexAI", "gcp.vertex_ai");

  private GenAiAttributes() {
  }

  /** The operation of a client endpoint; empty for none. */
  static String operation(Endpoint endpoint) {
    if (endpoint == null) {
      return "";
    }
    return switch (endpoint) {
      case CHAT_COMPLETIONS, RESPONSES, MESSAGES -> "chat";
      case COMPLETIONS -> "text_completion";
      case EMBEDDINGS -> "embeddings";
      case MODELS -> "list_models";
      case MESSAGES_COUNT_TOKENS -> "count_tokens";
    };
  }

  /**
   * The provider behind a backend's schema: the convention's value for the built-in schemas, the
   * schema's name in lower case for a third-party plugin's, empty before routing.
   */
  static String provider(String schema) {
    if (schema == null) {
      return "";
    }
    return PROVIDERS.getOrDefault(schema, schema.toLowerCase(Locale.ROOT));
  }
}
