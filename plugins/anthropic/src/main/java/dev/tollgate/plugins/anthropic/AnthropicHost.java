package dev.tollgate.plugins.anthropic;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.Headers;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.toolkit.JsonSupport;
import java.util.Optional;
import java.util.Set;

/**
 * Schema {@code Anthropic}: the Anthropic Messages API ({@code POST /v1/messages}).
 * <ul>
 *   <li>converted requests (OpenAI clients) go to {@code /v1/messages} without the client's
 *       {@code authorization} (its gateway credential, not Anthropic's);</li>
 *   <li>Anthropic clients' bodies go on untouched (only the model is replaced when the backend
 *       overrides it), and the client's path and query are kept (e.g. {@code ?beta=true} from
 *       the Anthropic SDKs).</li>
 * </ul>
 * The {@code anthropic-version} header is the backend's schema version when set; otherwise the
 * client's own header (Anthropic clients) or {@value #DEFAULT_VERSION}. The API key is added by
 * an auth handler, e.g. {@code auth: {type: APIKey, header: x-api-key, file: ...}}.
 */
final class AnthropicHost implements ClaudeHost {
  static final String SCHEMA = "Anthropic";
  /** The API version sent when neither the backend nor the client names one. */
  static final String DEFAULT_VERSION = "2023-06-01";
  private static final String PATH = Endpoint.MESSAGES.path();

  private final Optional<String> version;

  AnthropicHost(BackendTarget backend, String at) {
    this.version = backend.version();
  }

  @Override
  public UpstreamRequest converted(ClientRequest request, String model, ObjectNode body) {
    return new UpstreamRequest("POST", PATH, headers(version.orElse(DEFAULT_VERSION)), Set.of("authorization"),
        JsonSupport.bytes(body));
  }

  @Override
  public UpstreamRequest passedOn(ClientRequest request, String model, ObjectNode body, boolean changed) {
    String clientVersion = request.headers().value("anthropic-version");
    String clientPath = request.headers().value(":path");
    String path = clientPath != null && clientPath.startsWith(PATH + "?") ? clientPath : PATH;
    return UpstreamRequest.post(path, headers(version.orElse(clientVersion != null ? clientVersion : DEFAULT_VERSION)),
        changed ? JsonSupport.bytes(body) : request.body());
  }

  /** {@code /v1/messages/count_tokens}, the client's body and headers (its {@code anthropic-beta} too) going on. */
  @Override
  public Count countTokens(ClientRequest request, String model, ObjectNode body) {
    String clientVersion = request.headers().value("anthropic-version");
    UpstreamRequest up = UpstreamRequest.post(Endpoint.MESSAGES_COUNT_TOKENS.path(),
        headers(version.orElse(clientVersion != null ? clientVersion : DEFAULT_VERSION)), JsonSupport.bytes(body));
    return new Count(up, "input_tokens", "Anthropic");
  }

  private static Headers headers(String version) {
    return Headers.of("content-type", "application/json", "anthropic-version", version);
  }
}
