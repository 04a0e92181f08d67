package dev.tollgate.toolkit.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Headers;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.toolkit.JsonSupport;
import java.util.function.Function;

/**
 * OpenAI Responses API requests to an upstream that serves the Responses API itself (OpenAI,
 * Azure OpenAI): the body goes as the client sent it, only {@code model} replaced when the backend
 * overrides it, so everything the upstream keeps for the client (stored responses,
 * {@code previous_response_id}, {@code conversation}, {@code background}) works as it does
 * without the gateway; the answer comes back through a {@link ResponsesPassthroughExchange}.
 */
public final class ResponsesPassthroughTranslator implements Translator {
  private final BackendTarget backend;
  private final Function<String, String> path;

  /**
   * @param backend the backend (its model override applies)
   * @param path    the upstream path, query included, for the upstream model
   */
  public ResponsesPassthroughTranslator(BackendTarget backend, Function<String, String> path) {
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
    UpstreamRequest upstream = UpstreamRequest.post(path.apply(model), Headers.of("content-type", "application/json"),
        body);
    return new ResponsesPassthroughExchange(upstream, model);
  }
}
