package dev.tollgate.plugins.bedrock;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.PlatformServices;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.NonBlocking;
import dev.tollgate.api.spi.ProviderTranslator;
import jakarta.inject.Inject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.pf4j.Extension;

/**
 * Schema {@code AWSBedrock}: OpenAI chat completions go to the Bedrock Runtime Converse API
 * ({@code POST /model/{modelId}/converse}, or {@code /converse-stream} when the client streams),
 * OpenAI embeddings to InvokeModel with an Amazon Titan embeddings model
 * ({@code POST /model/{modelId}/invoke}). The translator builds path and body only; the host,
 * region and SigV4 signature are the auth handler's (auth type {@code AWSCredentials}).
 */
@NonBlocking
@Extension
public final class BedrockTranslator implements ProviderTranslator {
  private final PlatformServices platform;

  @Inject
  public BedrockTranslator(PlatformServices platform) {
    this.platform = platform;
  }

  @Override
  public String schema() {
    return "AWSBedrock";
  }

  @Override
  public boolean supports(Endpoint endpoint) {
    return endpoint == Endpoint.CHAT_COMPLETIONS || endpoint == Endpoint.EMBEDDINGS;
  }

  @Override
  public Exchange start(ClientRequest request, BackendTarget backend) throws GatewayException {
    String model = backend.upstreamModel(request.model());
    Headers json = Headers.of("content-type", "application/json");
    if (request.endpoint() == Endpoint.EMBEDDINGS) {
      ObjectNode body = TitanEmbeddings.toTitan(request.parsed(), model);
      UpstreamRequest up = UpstreamRequest.post(modelPath(model, "invoke"), json.with("accept", "application/json"),
          bytes(body));
      return new TitanEmbeddings.Exchange(up, model, "base64".equals(request.parsed().path("encoding_format").asText()));
    }
    if (request.endpoint() != Endpoint.CHAT_COMPLETIONS) {
      throw GatewayException.badRequest("AWS Bedrock backends do not serve " + request.endpoint().path());
    }
    ObjectNode body = ConverseRequestMapper.toConverse(request.parsed());
    long created = platform.clock().instant().getEpochSecond();
    // unique, not secret: a SecureRandom UUID costs a /dev/urandom read per request
    ThreadLocalRandom random = ThreadLocalRandom.current();
    String id = "chatcmpl-" + new UUID(random.nextLong(), random.nextLong()).toString().replace("-", "");
    if (request.stream()) {
      boolean includeUsage = request.parsed().path("stream_options").path("include_usage").asBoolean(false);
      UpstreamRequest up = UpstreamRequest.post(modelPath(model, "converse-stream"), json, bytes(body));
      return new ConverseStreamExchange(up, model, id, created, includeUsage);
    }
    UpstreamRequest up = UpstreamRequest.post(modelPath(model, "converse"), json, bytes(body));
    return new ConverseExchange(up, model, id, created);
  }

  /** {@code /model/{modelId}/{operation}} with the model id percent-encoded as the AWS SDK does (':' → %3A, '/' → %2F). */
  static String modelPath(String modelId, String operation) {
    return "/model/" + encode(modelId) + "/" + operation;
  }

  /** RFC 3986 percent-encoding: everything but unreserved characters. */
  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
  }

  private static byte[] bytes(ObjectNode body) {
    return body.toString().getBytes(StandardCharsets.UTF_8);
  }
}
