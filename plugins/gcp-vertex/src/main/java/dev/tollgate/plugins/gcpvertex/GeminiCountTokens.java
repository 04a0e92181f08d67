package dev.tollgate.plugins.gcpvertex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.NonBlocking;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.toolkit.CountTokensExchange;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.TranslatorFactoryBase;
import dev.tollgate.toolkit.PivotExtensions;
import dev.tollgate.toolkit.anthropic.AnthropicChatBridge;
import java.util.List;
import org.pf4j.Extension;

/**
 * Schema {@code GCPVertexAI}: Anthropic's token count ({@code POST /v1/messages/count_tokens}) for
 * Gemini models over Vertex AI's {@code .../publishers/google/models/{model}:countTokens}. The
 * Messages body is rewritten as the schema's chat translator would send it to
 * {@code :generateContent} ({@link AnthropicChatBridge#toChatRequest}, then
 * {@link GeminiRequestBuilder}), of which countTokens takes {@code contents},
 * {@code systemInstruction} and {@code tools}. Vertex answers {@code {"totalTokens": N, ...}};
 * the client gets {@code {"input_tokens": N}}. Settings as for chat clients.
 */
@NonBlocking
@Extension
public final class GeminiCountTokens extends TranslatorFactoryBase {
  /** The members of a CountTokensRequest that a generateContent request also has. */
  private static final List<String> COUNTED = List.of("contents", "systemInstruction", "tools");

  public GeminiCountTokens() {
    super("GCPVertexAI", Endpoint.MESSAGES_COUNT_TOKENS);
  }

  @Override
  public Translator create(BackendTarget backend, String at) throws InvalidConfigException {
    String models = GcpVertexTranslatorFactory.modelsPath(backend, at + ".schema.version");
    return request -> {
      String model = GcpVertexTranslatorFactory.checkedModel(backend.upstreamModel(request.model()));
      UpstreamRequest up = new UpstreamRequest("POST", models + model + ":countTokens",
          Headers.of("content-type", "application/json"), AnthropicChatBridge.ANTHROPIC_CLIENT_HEADERS,
          JsonSupport.bytes(countBody(request.parsed(), model)));
      return new CountTokensExchange(up, model, "totalTokens", "Vertex AI");
    };
  }

  /** The countTokens body for a Messages-shaped count body. */
  static ObjectNode countBody(JsonNode messagesBody, String model) throws GatewayException {
    ObjectNode gemini = GeminiRequestBuilder.build(AnthropicChatBridge.toChatRequest(messagesBody, model, PivotExtensions.Dialect.TOLLGATE));
    ObjectNode body = JsonSupport.object();
    for (String f : COUNTED) {
      if (gemini.has(f)) {
        body.set(f, gemini.get(f));
      }
    }
    return body;
  }
}
