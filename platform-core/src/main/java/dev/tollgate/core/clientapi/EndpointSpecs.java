package dev.tollgate.core.clientapi;

import dev.tollgate.api.Endpoint;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The spec of every {@link Endpoint}; a missing or mismatched spec fails when the class loads. */
public final class EndpointSpecs {
  private static final Map<Endpoint, EndpointSpec> SPECS = index(List.of(new ChatCompletionsSpec(),
      new CompletionsSpec(), new EmbeddingsSpec(), new ModelsSpec(), new ResponsesSpec(), new MessagesSpec(),
      new CountTokensSpec()));

  private EndpointSpecs() {
  }

  public static EndpointSpec of(Endpoint endpoint) {
    return SPECS.get(endpoint);
  }

  /** The specs by endpoint: one for each endpoint, speaking the endpoint's client API. */
  static Map<Endpoint, EndpointSpec> index(List<EndpointSpec> specs) {
    Map<Endpoint, EndpointSpec> byEndpoint = new EnumMap<>(Endpoint.class);
    for (EndpointSpec spec : specs) {
      Endpoint e = spec.endpoint();
      if (spec.clientApi() != e.clientApi()) {
        throw new IllegalStateException(spec.getClass().getSimpleName() + " speaks " + spec.clientApi() + " but "
            + e + " is " + e.clientApi());
      }
      if (byEndpoint.put(e, spec) != null) {
        throw new IllegalStateException("two specs for " + e);
      }
    }
    for (Endpoint e : Endpoint.values()) {
      if (!byEndpoint.containsKey(e)) {
        throw new IllegalStateException("no EndpointSpec for " + e + " (" + e.path() + "); add one to EndpointSpecs");
      }
    }
    return byEndpoint;
  }
}
