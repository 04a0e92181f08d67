package dev.tollgate.plugins.openai;

import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.spi.NonBlocking;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.toolkit.TranslatorFactoryBase;
import dev.tollgate.toolkit.anthropic.AnthropicChatBridge;
import dev.tollgate.toolkit.openai.OpenAiCompatibleTranslator;
import dev.tollgate.toolkit.openai.ResponsesPassthroughTranslator;
import org.pf4j.Extension;

/**
 * Schema {@code OpenAI}: any OpenAI-compatible upstream. The schema version, when set, replaces
 * the {@code v1} path prefix (e.g. {@code api/v1} for gateways that mount the API elsewhere).
 */
public final class OpenAiTranslators {
  static final String SCHEMA = "OpenAI";

  private OpenAiTranslators() {
  }

  /**
   * OpenAI clients: the request goes upstream as the client sent it (only the model is replaced
   * when the backend overrides it); answers come back unchanged while their usage is read.
   */
  @NonBlocking
  @Extension
  public static final class Passthrough extends TranslatorFactoryBase {
    public Passthrough() {
      super(SCHEMA, Endpoint.CHAT_COMPLETIONS, Endpoint.COMPLETIONS, Endpoint.EMBEDDINGS);
    }

    @Override
    public Translator create(BackendTarget backend, String at) {
      return new OpenAiCompatibleTranslator(backend, (endpoint, model) -> versioned(endpoint.path(), backend));
    }
  }

  /**
   * Anthropic Messages clients: their request becomes a chat completions request, their Anthropic
   * headers ({@code x-api-key}, {@code anthropic-version}, {@code anthropic-beta}) are not sent
   * on, and the answer comes back as an Anthropic message or Anthropic stream events.
   */
  @NonBlocking
  @Extension
  public static final class Messages extends TranslatorFactoryBase {
    public Messages() {
      super(SCHEMA, Endpoint.MESSAGES);
    }

    @Override
    public Translator create(BackendTarget backend, String at) {
      String chat = versioned(Endpoint.CHAT_COMPLETIONS.path(), backend);
      return AnthropicChatBridge.translator(backend, model -> chat);
    }
  }

  /**
   * OpenAI Responses API clients ({@code /v1/responses}): the request goes upstream as sent (the
   * model replaced when overridden), so what OpenAI keeps for the client (stored responses,
   * {@code previous_response_id}, {@code conversation}, {@code background}) works unchanged;
   * the answer, whole or as typed events, passes through while its usage is read.
   */
  @NonBlocking
  @Extension
  public static final class Responses extends TranslatorFactoryBase {
    public Responses() {
      super(SCHEMA, Endpoint.RESPONSES);
    }

    @Override
    public Translator create(BackendTarget backend, String at) {
      String path = versioned(Endpoint.RESPONSES.path(), backend);
      return new ResponsesPassthroughTranslator(backend, model -> path);
    }
  }

  /** {@code /v1/...} with the schema version, when set, in place of {@code v1}. */
  static String versioned(String path, BackendTarget backend) {
    if (backend.schemaVersion().isEmpty()) {
      return path;
    }
    return "/" + backend.schemaVersion().replaceAll("^/+|/+$", "") + path.substring("/v1".length());
  }
}
