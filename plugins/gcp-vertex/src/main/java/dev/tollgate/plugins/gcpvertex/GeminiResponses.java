package dev.tollgate.plugins.gcpvertex;

import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PlatformServices;
import dev.tollgate.api.spi.NonBlocking;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.toolkit.TranslatorFactoryBase;
import dev.tollgate.toolkit.responses.ResponsesChatBridge;
import jakarta.inject.Inject;
import org.pf4j.Extension;

/**
 * Schema {@code GCPVertexAI}, OpenAI Responses API clients ({@code /v1/responses}): Gemini has no
 * Responses API, so each request is rewritten as a chat completions request for the schema's chat
 * translator ({@link GcpVertexTranslatorFactory}, generateContent and streamGenerateContent, its
 * provider settings checked the same way), and its answer comes back as a {@code Response} or the
 * Responses stream events ({@link ResponsesChatBridge}). Vertex keeps no responses:
 * {@code previous_response_id} and OpenAI's built-in tools are refused with a 400.
 */
@NonBlocking
@Extension
public final class GeminiResponses extends TranslatorFactoryBase {
  private final GcpVertexTranslatorFactory chat;

  @Inject
  public GeminiResponses(PlatformServices platform) {
    super("GCPVertexAI", Endpoint.RESPONSES);
    this.chat = new GcpVertexTranslatorFactory(platform);
  }

  @Override
  public Translator create(BackendTarget backend, String at) throws InvalidConfigException {
    return ResponsesChatBridge.over(chat.create(backend, at));
  }
}
