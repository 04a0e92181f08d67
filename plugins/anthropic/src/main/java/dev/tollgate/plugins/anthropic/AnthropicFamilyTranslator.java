package dev.tollgate.plugins.anthropic;

import dev.tollgate.api.JsonSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.PlatformServices;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.ProviderTranslator;
import java.time.Clock;

/**
 * What the three Anthropic schemas share: OpenAI chat clients get their request converted to
 * Anthropic Messages and the answer converted back; Anthropic Messages clients get their body
 * sent on (adjusted for the cloud where needed) and the answer passed back. Subclasses only say
 * where the request goes and how the body and headers differ.
 */
abstract class AnthropicFamilyTranslator implements ProviderTranslator {
  private final Clock clock;

  AnthropicFamilyTranslator(PlatformServices platform) {
    this.clock = platform == null ? Clock.systemUTC() : platform.clock();
  }

  @Override
  public boolean supports(Endpoint endpoint) {
    return endpoint == Endpoint.CHAT_COMPLETIONS || endpoint == Endpoint.MESSAGES;
  }

  @Override
  public Exchange start(ClientRequest request, BackendTarget backend) throws GatewayException {
    String model = backend.upstreamModel(request.model());
    if (request.endpoint() == Endpoint.CHAT_COMPLETIONS) {
      ObjectNode body = ChatToMessages.convert(request.parsed(), model);
      UpstreamRequest upstream = upstream(request, backend, model, body, true);
      boolean includeUsage = request.parsed().path("stream_options").path("include_usage").asBoolean(false);
      if (!upstream.setHeaders().contains("authorization")) {
        // the client's gateway credential is not the provider's
        upstream = upstream.withoutHeader("authorization");
      }
      return new ChatExchange(upstream, model, clock.millis() / 1000, includeUsage);
    }
    if (request.endpoint() != Endpoint.MESSAGES) {
      throw GatewayException.badRequest("schema " + schema() + " does not serve " + request.endpoint().path());
    }
    ObjectNode body = request.json();
    boolean changed = !model.equals(request.model());
    if (changed) {
      body.put("model", model);
    }
    return new MessagesExchange(upstream(request, backend, model, body, changed), model);
  }

  /**
   * The upstream request for an Anthropic Messages body.
   *
   * @param body    the body, with the upstream model set; the subclass may change it
   * @param changed whether {@code body} differs from the client's bytes
   */
  abstract UpstreamRequest upstream(ClientRequest request, BackendTarget backend, String model, ObjectNode body,
                                    boolean changed) throws GatewayException;

  /**
   * For the clouds: {@code model} leaves the body (it is in the path), {@code anthropic_version}
   * goes in, and the client's {@code anthropic-beta} header becomes {@code anthropic_beta}.
   */
  static void adjustForCloud(ObjectNode body, String anthropicVersion, ClientRequest request) {
    body.remove("model");
    body.remove("anthropic_version");
    ObjectNode copy = JsonSupport.object();
    copy.put("anthropic_version", anthropicVersion);
    copy.setAll(body);
    body.removeAll();
    body.setAll(copy);
    String beta = request.headers().value("anthropic-beta");
    if (beta != null && !beta.isBlank() && !body.has("anthropic_beta")) {
      ArrayNode betas = body.putArray("anthropic_beta");
      for (String b : beta.split(",")) {
        if (!b.isBlank()) {
          betas.add(b.trim());
        }
      }
    }
  }

  /** RFC 3986 percent-encoding of a path segment (model ids hold ':' and, as ARNs, '/'). */
  static String pathSegment(String s) {
    StringBuilder sb = new StringBuilder();
    for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
          || c == '_' || c == '~' || c == '@') {
        sb.append(c);
      } else {
        sb.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return sb.toString();
  }

  static boolean streaming(JsonNode body) {
    return body.path("stream").asBoolean(false);
  }
}
