package dev.tollgate.plugins.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.anthropic.AnthropicChatBridge;
import dev.tollgate.api.openai.OpenAiAnswerExchange;
import dev.tollgate.api.spi.NonBlocking;
import dev.tollgate.api.spi.ProviderTranslator;
import java.io.IOException;
import org.pf4j.Extension;

/**
 * Schema {@code OpenAI}: the request goes upstream as the client sent it (only the model is
 * replaced when the backend overrides it); answers come back unchanged while their usage is
 * read, from the whole body or from the SSE chunk that carries it
 * ({@code stream_options.include_usage}). The schema version, when set, replaces the {@code v1}
 * path prefix (e.g. {@code api/v1} for gateways that mount the API elsewhere).
 *
 * <p>Anthropic Messages clients ({@code /v1/messages}) are served too: their request becomes a chat
 * completions request (see {@link AnthropicChatBridge}), their Anthropic headers
 * ({@code x-api-key}, {@code anthropic-version}, {@code anthropic-beta}) are not sent on, and the answer comes back as an Anthropic message, Anthropic stream events or
 * an Anthropic error with the upstream's status.
 */
@NonBlocking
@Extension
public final class OpenAiTranslator implements ProviderTranslator {
  static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public String schema() {
    return "OpenAI";
  }

  @Override
  public boolean supports(Endpoint endpoint) {
    return endpoint == Endpoint.CHAT_COMPLETIONS || endpoint == Endpoint.COMPLETIONS
        || endpoint == Endpoint.EMBEDDINGS || endpoint == Endpoint.MESSAGES;
  }

  @Override
  public Exchange start(ClientRequest request, BackendTarget backend) throws GatewayException {
    String upstreamModel = backend.upstreamModel(request.model());
    if (request.endpoint() == Endpoint.MESSAGES) {
      ObjectNode chat = AnthropicChatBridge.toChatRequest(request.parsed(), upstreamModel);
      String path = versioned(Endpoint.CHAT_COMPLETIONS.path(), backend);
      return AnthropicChatBridge.exchange(AnthropicChatBridge.upstreamRequest(path, chat), upstreamModel);
    }
    byte[] body = request.body();
    if (!upstreamModel.equals(request.model())) {
      ObjectNode json = request.json();
      json.put("model", upstreamModel);
      try {
        body = JSON.writeValueAsBytes(json);
      } catch (IOException e) {
        throw new GatewayException(500, "server_error", "cannot write the request body");
      }
    }
    String path = versioned(request.endpoint().path(), backend);
    UpstreamRequest upstream = UpstreamRequest.post(path, Headers.of("content-type", "application/json"), body);
    return new OpenAiAnswerExchange(upstream, upstreamModel, "upstream");
  }

  /** {@code /v1/...} with the schema version, when set, in place of {@code v1}. */
  private static String versioned(String path, BackendTarget backend) {
    if (backend.schemaVersion().isEmpty()) {
      return path;
    }
    return "/" + trimSlashes(backend.schemaVersion()) + path.substring("/v1".length());
  }

  private static String trimSlashes(String s) {
    return s.replaceAll("^/+|/+$", "");
  }
}
