package dev.tollgate.core.clientapi;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.Endpoint;

/** An OpenAI-compatible endpoint: OpenAI's errors, and streams that end with {@code data: [DONE]}. */
abstract class OpenAiSpec implements EndpointSpec {
  private static final String DONE = "[DONE]";
  private static final StreamEnd END = new StreamEnd("data: " + DONE);

  private final Endpoint endpoint;

  OpenAiSpec(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  @Override
  public final Endpoint endpoint() {
    return endpoint;
  }

  @Override
  public final ClientApi clientApi() {
    return ClientApi.OPENAI;
  }

  @Override
  public final StreamEnd streamEnd() {
    return END;
  }

  @Override
  public final boolean endsStream(String data, JsonNode event) {
    return DONE.equals(data);
  }
}
