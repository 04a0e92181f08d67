package dev.tollgate.plugins.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PlatformServices;
import dev.tollgate.api.Settings;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.NonBlocking;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.toolkit.TranslatorFactoryBase;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.openai.ChatChunkWriter;
import dev.tollgate.toolkit.openai.ChatRequestFields;
import jakarta.inject.Inject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.pf4j.Extension;

/**
 * Schema {@code AWSBedrock}: OpenAI chat completions go to the Bedrock Runtime Converse API
 * ({@code POST /model/{modelId}/converse}, or {@code /converse-stream} when the client streams),
 * OpenAI embeddings to InvokeModel with an Amazon Titan embeddings model
 * ({@code POST /model/{modelId}/invoke}). The translators build path and body only; the host,
 * region and SigV4 signature are the auth handler's (auth type {@code AWSCredentials}), so the
 * schema takes no provider settings. Error answers are the platform's to read: AWS's
 * {@code {"message":..}} with its {@code x-amzn-errortype} as the code.
 */
public final class BedrockTranslators {
  static final String SCHEMA = "AWSBedrock";
  private static final Headers JSON = Headers.of("content-type", "application/json");

  private BedrockTranslators() {
  }

  /** OpenAI chat completions over Converse and ConverseStream. */
  @NonBlocking
  @Extension
  public static final class Chat extends Factory {
    private final PlatformServices platform;

    @Inject
    public Chat(PlatformServices platform) {
      super(Endpoint.CHAT_COMPLETIONS);
      this.platform = platform;
    }

    @Override
    Translator translator(BackendTarget backend) {
      return request -> {
        String model = backend.upstreamModel(request.model());
        byte[] body = JsonSupport.bytes(ConverseRequestMapper.toConverse(request.parsed(), model));
        String id = ChatChunkWriter.newCompletionId();
        long created = platform.clock().instant().getEpochSecond();
        if (request.stream()) {
          return new ConverseStreamExchange(UpstreamRequest.post(modelPath(model, "converse-stream"), JSON, body),
              model, id, created, ChatRequestFields.includeUsage(request.parsed()));
        }
        return new ConverseExchange(UpstreamRequest.post(modelPath(model, "converse"), JSON, body), model, id,
            created);
      };
    }
  }

  /** OpenAI embeddings over InvokeModel with an Amazon Titan text embeddings model. */
  @NonBlocking
  @Extension
  public static final class Embeddings extends Factory {
    public Embeddings() {
      super(Endpoint.EMBEDDINGS);
    }

    @Override
    Translator translator(BackendTarget backend) {
      return request -> {
        String model = backend.upstreamModel(request.model());
        byte[] body = JsonSupport.bytes(TitanEmbeddings.toTitan(request.parsed(), model));
        UpstreamRequest up = UpstreamRequest.post(modelPath(model, "invoke"), JSON.with("accept", "application/json"),
            body);
        return new TitanEmbeddings.Exchange(up, model, TitanEmbeddings.base64(request.parsed()));
      };
    }
  }

  /** What both factories share: the schema, one endpoint, and a backend without provider settings. */
  abstract static class Factory extends TranslatorFactoryBase {
    Factory(Endpoint endpoint) {
      super(SCHEMA, endpoint);
    }

    @Override
    public final Translator create(BackendTarget backend, String at) throws InvalidConfigException {
      noProviderSettings(backend);
      return translator(backend);
    }

    /** The translator for a backend whose settings are checked. */
    abstract Translator translator(BackendTarget backend);
  }

  /** The region and host are the {@code AWSCredentials} auth's: a provider block here is a mistake. */
  static void noProviderSettings(BackendTarget backend) throws InvalidConfigException {
    Settings settings = backend.settings();
    if (!settings.keys().isEmpty()) {
      throw new InvalidConfigException(settings.field(settings.keys().iterator().next()), "is not a setting of schema "
          + SCHEMA + ", which takes none: the region and host are the AWSCredentials auth's");
    }
  }

  /** {@code /model/{modelId}/{operation}} with the model id percent-encoded as the AWS SDK does (':' → %3A, '/' → %2F). */
  static String modelPath(String modelId, String operation) {
    return "/model/" + encode(modelId) + "/" + operation;
  }

  /** RFC 3986 percent-encoding: everything but unreserved characters. */
  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
  }

  /** A whole answer's JSON object; anything else is a 502 for the client. */
  static JsonNode answerObject(byte[] body) throws GatewayException {
    JsonNode root = JsonSupport.tryParse(body);
    if (root == null || !root.isObject()) {
      throw new GatewayException(502, "server_error", "AWS Bedrock's answer is not a JSON object");
    }
    return root;
  }
}
