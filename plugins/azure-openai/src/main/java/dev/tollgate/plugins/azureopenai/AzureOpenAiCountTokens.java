package dev.tollgate.plugins.azureopenai;

import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.spi.NonBlocking;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.toolkit.CountTokensExchange;
import dev.tollgate.toolkit.TranslatorFactoryBase;
import org.pf4j.Extension;

/**
 * Schema {@code AzureOpenAI}: Anthropic's token count ({@code POST /v1/messages/count_tokens}) is
 * refused with a 501 in Anthropic's format that names the schemas that can count: Azure OpenAI's API
 * has no token counting endpoint, and a local estimate would not be the provider's count.
 */
@NonBlocking
@Extension
public final class AzureOpenAiCountTokens extends TranslatorFactoryBase {
  public AzureOpenAiCountTokens() {
    super(AzureOpenAiTranslators.SCHEMA, Endpoint.MESSAGES_COUNT_TOKENS);
  }

  @Override
  public Translator create(BackendTarget backend, String at) {
    return request -> {
      throw CountTokensExchange.notCounted("Azure OpenAI");
    };
  }
}
