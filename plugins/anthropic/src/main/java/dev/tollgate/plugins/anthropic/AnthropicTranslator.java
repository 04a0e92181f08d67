package dev.tollgate.plugins.anthropic;

import dev.tollgate.api.JsonSupport;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.Headers;
import dev.tollgate.api.PlatformServices;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.NonBlocking;
import jakarta.inject.Inject;
import org.pf4j.Extension;

/**
 * Schema {@code Anthropic}: the Anthropic Messages API ({@code POST /v1/messages}).
 * <ul>
 *   <li>OpenAI chat completions clients: the request is converted to Messages and the answer
 *       (whole or streamed) back to chat completions;</li>
 *   <li>Anthropic Messages clients: the body goes on untouched (only the model is replaced when
 *       the backend overrides it), the client's path and query are kept, and the answer comes
 *       back as it is while its usage is read.</li>
 * </ul>
 * The {@code anthropic-version} header is the backend's schema version when set; otherwise the
 * client's own header (Anthropic clients) or {@value #DEFAULT_VERSION}. The API key is added by
 * an auth handler, e.g. {@code auth: {type: APIKey, header: x-api-key, file: ...}}.
 */
@NonBlocking
@Extension
public final class AnthropicTranslator extends AnthropicFamilyTranslator {
  /** The API version sent when neither the backend nor the client names one. */
  public static final String DEFAULT_VERSION = "2023-06-01";

  @Inject
  public AnthropicTranslator(PlatformServices platform) {
    super(platform);
  }

  @Override
  public String schema() {
    return "Anthropic";
  }

  @Override
  UpstreamRequest upstream(ClientRequest request, BackendTarget backend, String model, ObjectNode body,
                           boolean changed) {
    boolean anthropicClient = request.endpoint() == Endpoint.MESSAGES;
    String version = backend.version()
        .orElse(anthropicClient && request.headers().contains("anthropic-version")
            ? request.headers().value("anthropic-version") : DEFAULT_VERSION);
    String path = Endpoint.MESSAGES.path();
    String clientPath = request.headers().value(":path");
    if (anthropicClient && clientPath != null && clientPath.startsWith(path + "?")) {
      path = clientPath; // e.g. ?beta=true from the Anthropic SDKs
    }
    byte[] bytes = anthropicClient && !changed ? request.body() : JsonSupport.bytes(body);
    return UpstreamRequest.post(path, Headers.of("content-type", "application/json", "anthropic-version", version),
        bytes);
  }
}
