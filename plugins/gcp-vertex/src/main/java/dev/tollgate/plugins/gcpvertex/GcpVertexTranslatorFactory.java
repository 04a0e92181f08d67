package dev.tollgate.plugins.gcpvertex;

import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.ClientRequest;
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
import dev.tollgate.toolkit.openai.ChatRequestFields;
import jakarta.inject.Inject;
import java.util.Set;
import java.util.regex.Pattern;
import org.pf4j.Extension;

/**
 * Schema {@code GCPVertexAI}: OpenAI chat completions to Gemini models on Vertex AI.
 *
 * <p>The request goes to
 * {@code /v1/projects/{project}/locations/{region}/publishers/google/models/{model}:generateContent}
 * ({@code :streamGenerateContent?alt=sse} when the client streams). {@code project} and
 * {@code region} come from the backend's {@code provider} block; the schema version, when set,
 * replaces {@code v1} (e.g. {@code v1beta1}). All three are checked once, when the config loads.
 * The body is rewritten into a Gemini {@code GenerateContentRequest} (see
 * {@link GeminiRequestBuilder}); answers come back as OpenAI chat completions or chunks (see
 * {@link GeminiExchange}).
 */
@NonBlocking
@Extension
public final class GcpVertexTranslatorFactory extends TranslatorFactoryBase {
  /** Characters safe in a Vertex path segment; anything else would change the URL's meaning. */
  static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._@-]+");
  private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9._-]+");

  private final PlatformServices platform;

  @Inject
  public GcpVertexTranslatorFactory(PlatformServices platform) {
    super("GCPVertexAI", Endpoint.CHAT_COMPLETIONS);
    this.platform = platform;
  }

  /**
   * {@code provider.project} and {@code provider.region} are required and must be safe path
   * segments; no other provider settings exist; {@code schema.version}, when set, must be an API
   * version such as {@code v1beta1}.
   */
  @Override
  public Translator create(BackendTarget backend, String at) throws InvalidConfigException {
    String models = modelsPath(backend, at + ".schema.version");
    return request -> start(request, backend.upstreamModel(request.model()), models);
  }

  private Translator.Exchange start(ClientRequest request, String model, String models) throws GatewayException {
    checkedModel(model);
    byte[] body = JsonSupport.bytes(GeminiRequestBuilder.build(request.parsed()));
    String path = models + model + (request.stream() ? ":streamGenerateContent?alt=sse" : ":generateContent");
    UpstreamRequest upstream = UpstreamRequest.post(path, Headers.of("content-type", "application/json"), body);
    return new GeminiExchange(upstream, model, ChatRequestFields.includeUsage(request.parsed()),
        platform.clock().instant().getEpochSecond());
  }

  /** The model, when it is a safe Vertex path segment; a 400 otherwise. */
  static String checkedModel(String model) throws GatewayException {
    if (!SEGMENT.matcher(model).matches()) {
      throw GatewayException.badRequest("model '" + model + "' cannot be used in a Vertex AI path; "
          + "use letters, digits, '.', '_', '@' and '-'");
    }
    return model;
  }

  /** {@code /{version}/projects/{project}/locations/{region}/publishers/google/models/}. */
  static String modelsPath(BackendTarget backend, String versionField) throws InvalidConfigException {
    Settings s = backend.settings();
    s.allowOnly(Set.of("project", "region"));
    String project = s.string("project");
    String region = s.string("region");
    if (!SEGMENT.matcher(project).matches()) {
      throw new InvalidConfigException(s.field("project"), "'" + project + "' is not a GCP project id");
    }
    if (!SEGMENT.matcher(region).matches()) {
      throw new InvalidConfigException(s.field("region"), "'" + region + "' is not a GCP region");
    }
    String version = backend.schemaVersion().isEmpty() ? "v1" : backend.schemaVersion().replaceAll("^/+|/+$", "");
    if (!VERSION.matcher(version).matches()) {
      throw new InvalidConfigException(versionField, "'" + version + "' is not a Vertex AI API version such as v1");
    }
    return "/" + version + "/projects/" + project + "/locations/" + region + "/publishers/google/models/";
  }
}
