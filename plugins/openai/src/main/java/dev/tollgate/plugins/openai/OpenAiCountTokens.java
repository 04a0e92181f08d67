package dev.tollgate.plugins.openai;

import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.spi.NonBlocking;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.toolkit.CountTokensExchange;
import dev.tollgate.toolkit.TranslatorFactoryBase;
import org.pf4j.Extension;

/**
 * Schema {@code OpenAI}: Anthropic's token count ({@code POST /v1/messages/count_tokens}) is
 * refused with a 501 in Anthropic's format that names the schemas that can count: OpenAI's API
 * has no token counting endpoint, and a local estimate would not be the provider's count.
 */
@NonBlocking
@Extension
public final class OpenAiCountTokens extends TranslatorFactoryBase {
  public OpenAiCountTokens() {
    super(OpenAiTranslators.SCHEMA, Endpoint.MESSAGES_COUNT_TOKENS);
  }

  @Override
  public Translator create(BackendTarget backend, String at) {
    return request -> {
      throw CountTokensExchange.notCounted("OpenAI");
    };
  }
}
