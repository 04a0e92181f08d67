package dev.tollgate.toolkit.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.Headers;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.toolkit.JsonSupport;
import java.util.function.BiFunction;

/**
 * OpenAI requests to an OpenAI-compatible upstream: the body goes as the client sent it (only the
 * model is replaced when the backend overrides it) to the upstream path for the client's endpoint,
 * and the answer comes back through an {@link OpenAiPassthroughExchange}.
 */
public final class OpenAiCompatibleTranslator implements Translator {
  private final BackendTarget backend;
  private final BiFunction<Endpoint, String, String> path;

  /**
   * @param backend the backend (its model override applies)
   * @param path    the upstream path, query included, for a client endpoint and the upstream model
   */
  public OpenAiCompatibleTranslator(BackendTarget backend, BiFunction<Endpoint, String, String> path) {
    this.backend = backend;
    this.path = path;
  }

  @Override
  public Exchange start(ClientRequest request) {
    String model = backend.upstreamModel(request.model());
    byte[] body = request.body();
    if (!model.equals(request.model())) {
      ObjectNode json = request.json();
      json.put("model", model);
      body = JsonSupport.bytes(json);
    }
    UpstreamRequest upstream = UpstreamRequest.post(path.apply(request.endpoint(), model),
        Headers.of("content-type", "application/json"), body);
    return new OpenAiPassthroughExchange(upstream, model);
  }
}
