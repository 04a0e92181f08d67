package com.example.tollgate.ollama;

import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PlatformServices;
import dev.tollgate.api.spi.NonBlocking;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.toolkit.TranslatorFactoryBase;
import dev.tollgate.toolkit.openai.ChatChunkWriter;
import dev.tollgate.toolkit.openai.ChatRequestFields;
import jakarta.inject.Inject;
import java.util.Set;
import org.pf4j.Extension;

/**
 * Schema {@code Ollama}: OpenAI chat completions to Ollama's native {@code POST /api/chat}.
 * Provider setting {@code keepAlive} (optional, e.g. {@code 10m}) is how long Ollama keeps the
 * model loaded; it is checked once, when the config loads.
 */
@NonBlocking
@Extension
public final class OllamaTranslatorFactory extends TranslatorFactoryBase {
  private final PlatformServices platform;

  @Inject
  public OllamaTranslatorFactory(PlatformServices platform) {
    super("Ollama", Endpoint.CHAT_COMPLETIONS);
    this.platform = platform;
  }

  @Override
  public Translator create(BackendTarget backend, String at) throws InvalidConfigException {
    backend.settings().allowOnly(Set.of("keepAlive"));
    String keepAlive = backend.settings().optionalString("keepAlive").orElse(null);
    if (keepAlive != null && !keepAlive.matches("-?[0-9]+(ms|s|m|h)?")) {
      throw new InvalidConfigException(backend.settings().field("keepAlive"), "'" + keepAlive
          + "' is not a duration such as 10m, 1h or -1 (keep loaded)");
    }
    return request -> {
      String model = backend.upstreamModel(request.model());
      ChatChunkWriter chunks = new ChatChunkWriter(ChatChunkWriter.newCompletionId(),
          platform.clock().instant().getEpochSecond(), model, ChatRequestFields.includeUsage(request.parsed()));
      return new OllamaExchange(OllamaRequest.of(request, model, keepAlive), model, chunks);
    };
  }
}
