package dev.tollgate.plugins.anthropic;

import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PlatformServices;
import dev.tollgate.api.spi.NonBlocking;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.api.spi.TranslatorFactory;
import dev.tollgate.toolkit.TranslatorFactoryBase;
import dev.tollgate.toolkit.responses.ResponsesChatBridge;
import jakarta.inject.Inject;
import org.pf4j.Extension;

/**
 * OpenAI Responses API clients ({@code /v1/responses}) of Claude on its three hosts (schemas
 * {@code Anthropic}, {@code AWSAnthropic}, {@code GCPAnthropic}): Anthropic has no Responses API,
 * so each request is rewritten as a chat completions request for the schema's chat translator
 * (the {@link AnthropicTranslators} chat factories: converted to Messages, answered back as chat),
 * and that answer comes back as a {@code Response} or the Responses stream events
 * ({@link ResponsesChatBridge}). No host keeps responses: {@code previous_response_id} and OpenAI's
 * built-in tools are refused with a 400.
 */
public final class ClaudeResponses {
  private ClaudeResponses() {
  }

  @NonBlocking
  @Extension
  public static final class AnthropicResponses extends Over {
    @Inject
    public AnthropicResponses(PlatformServices platform) {
      super(new AnthropicTranslators.AnthropicChat(platform));
    }
  }

  @NonBlocking
  @Extension
  public static final class BedrockResponses extends Over {
    @Inject
    public BedrockResponses(PlatformServices platform) {
      super(new AnthropicTranslators.BedrockChat(platform));
    }
  }

  @NonBlocking
  @Extension
  public static final class VertexResponses extends Over {
    @Inject
    public VertexResponses(PlatformServices platform) {
      super(new AnthropicTranslators.VertexChat(platform));
    }
  }

  /** Responses clients over a chat factory of the same schema. */
  abstract static class Over extends TranslatorFactoryBase {
    private final TranslatorFactory chat;

    Over(TranslatorFactory chat) {
      super(chat.schema(), Endpoint.RESPONSES);
      this.chat = chat;
    }

    @Override
    public final Translator create(BackendTarget backend, String at) throws InvalidConfigException {
      return ResponsesChatBridge.over(chat.create(backend, at));
    }
  }
}
