package dev.tollgate.plugins.gcpvertex;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PlatformServices;
import dev.tollgate.api.spi.NonBlocking;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.toolkit.ChatPivot;
import dev.tollgate.toolkit.TranslatorFactoryBase;
import dev.tollgate.toolkit.PivotExtensions;
import dev.tollgate.toolkit.anthropic.AnthropicChatBridge;
import jakarta.inject.Inject;
import org.pf4j.Extension;

/**
 * Schema {@code GCPVertexAI}: Anthropic Messages clients ({@code POST /v1/messages}) of Gemini
 * models, whole and streamed. The Messages request becomes a chat completions request
 * ({@link AnthropicChatBridge#toChatRequest}) that the schema's chat translator sends to
 * {@code :generateContent} / {@code :streamGenerateContent} as it does for chat clients; its
 * chat completions answer is rewritten as an Anthropic message or stream events
 * ({@link ChatPivot}). System prompts, images, tools and tool results go through; the client's
 * Anthropic headers do not (the GCP auth sets the credential). Settings as for chat clients.
 */
@NonBlocking
@Extension
public final class GeminiMessages extends TranslatorFactoryBase {
  private final GcpVertexTranslatorFactory chat;

  @Inject
  public GeminiMessages(PlatformServices platform) {
    super("GCPVertexAI", Endpoint.MESSAGES);
    this.chat = new GcpVertexTranslatorFactory(platform);
  }

  @Override
  public Translator create(BackendTarget backend, String at) throws InvalidConfigException {
    Translator gemini = chat.create(backend, at);
    return request -> {
      ObjectNode body = AnthropicChatBridge.toChatRequest(request.parsed(), request.model(), PivotExtensions.Dialect.TOLLGATE);
      Translator.Exchange inner = gemini.start(ChatPivot.asChat(request, body));
      return ChatPivot.exchange(inner, AnthropicChatBridge.exchange(inner.request(), inner.responseModel()),
          AnthropicChatBridge.ANTHROPIC_CLIENT_HEADERS);
    };
  }
}
