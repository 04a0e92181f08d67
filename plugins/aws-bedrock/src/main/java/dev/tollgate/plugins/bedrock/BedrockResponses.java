package dev.tollgate.plugins.bedrock;

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
 * Schema {@code AWSBedrock}, OpenAI Responses API clients ({@code /v1/responses}): Bedrock has no
 * Responses API, so each request is rewritten as a chat completions request and goes through the
 * schema's chat translator ({@link BedrockTranslators.Chat}, Converse and ConverseStream); its
 * answer comes back as a {@code Response} or the Responses stream events
 * ({@link ResponsesChatBridge}). Bedrock keeps no responses: {@code previous_response_id} and
 * OpenAI's built-in tools are refused with a 400.
 */
@NonBlocking
@Extension
public final class BedrockResponses extends TranslatorFactoryBase {
  private final BedrockTranslators.Chat chat;

  @Inject
  public BedrockResponses(PlatformServices platform) {
    super(BedrockTranslators.SCHEMA, Endpoint.RESPONSES);
    this.chat = new BedrockTranslators.Chat(platform);
  }

  @Override
  public Translator create(BackendTarget backend, String at) throws InvalidConfigException {
    return ResponsesChatBridge.over(chat.create(backend, at));
  }
}
