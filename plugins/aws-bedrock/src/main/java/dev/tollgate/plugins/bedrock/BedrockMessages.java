package dev.tollgate.plugins.bedrock;

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
 * Schema {@code AWSBedrock}: Anthropic Messages clients ({@code POST /v1/messages}) over the
 * Converse API, whole and streamed. The Messages request becomes a chat completions request
 * ({@link AnthropicChatBridge#toChatRequest}), which the schema's chat translator sends to
 * Converse or ConverseStream as it does for chat clients; what that translator makes of the answer
 * is rewritten as an Anthropic message or Anthropic stream events ({@link ChatPivot}).
 * System prompts, images (base64), tools and tool results go through; the client's
 * {@code x-api-key}, {@code anthropic-version} and {@code anthropic-beta} headers do not (the
 * AWSCredentials auth signs the request).
 */
@NonBlocking
@Extension
public final class BedrockMessages extends TranslatorFactoryBase {
  private final BedrockTranslators.Chat chat;

  @Inject
  public BedrockMessages(PlatformServices platform) {
    super(BedrockTranslators.SCHEMA, Endpoint.MESSAGES);
    this.chat = new BedrockTranslators.Chat(platform);
  }

  @Override
  public Translator create(BackendTarget backend, String at) throws InvalidConfigException {
    Translator converse = chat.create(backend, at);
    return request -> {
      ObjectNode body = AnthropicChatBridge.toChatRequest(request.parsed(), request.model(), PivotExtensions.Dialect.TOLLGATE);
      Translator.Exchange inner = converse.start(ChatPivot.asChat(request, body));
      return ChatPivot.exchange(inner, AnthropicChatBridge.exchange(inner.request(), inner.responseModel()),
          AnthropicChatBridge.ANTHROPIC_CLIENT_HEADERS);
    };
  }
}
