package dev.tollgate.plugins.gcpvertex;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import dev.tollgate.api.spi.ProviderTranslator;
import jakarta.inject.Inject;
import java.io.IOException;
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
 * replaces {@code v1} (e.g. {@code v1beta1}). The body is rewritten into a Gemini
 * {@code GenerateContentRequest} (see {@link GeminiRequestBuilder}); answers come back as OpenAI
 * chat completions or chunks (see {@link GeminiExchange}). The settings are checked when the
 * config is loaded ({@link #validate}).
 */
@NonBlocking
@Extension
public final class GcpVertexTranslator implements ProviderTranslator {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Characters safe in a Vertex path segment; anything else would change the URL's meaning. */
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._@-]+");
  private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9._-]+");

  private final PlatformServices platform;

  @Inject
  public GcpVertexTranslator(PlatformServices platform) {
    this.platform = platform;
  }

  @Override
  public String schema() {
    return "GCPVertexAI";
  }

  @Override
  public boolean supports(Endpoint endpoint) {
    return endpoint == Endpoint.CHAT_COMPLETIONS;
  }

  @Override
  public Exchange start(ClientRequest request, BackendTarget backend) throws GatewayException {
    Location where = location(backend);
    String model = backend.upstreamModel(request.model());
    if (!SEGMENT.matcher(model).matches()) {
      throw GatewayException.badRequest("model '" + model + "' cannot be used in a Vertex AI path; "
          + "use letters, digits, '.', '_', '@' and '-'");
    }
    ObjectNode body = GeminiRequestBuilder.build(request.parsed());
    String path = "/" + where.version() + "/projects/" + where.project() + "/locations/" + where.region()
        + "/publishers/google/models/" + model
        + (request.stream() ? ":streamGenerateContent?alt=sse" : ":generateContent");
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new GatewayException(500, "server_error", "cannot write the Vertex AI request body");
    }
    boolean includeUsage = request.parsed().path("stream_options").path("include_usage").asBoolean(false);
    UpstreamRequest upstream = UpstreamRequest.post(path, Headers.of("content-type", "application/json"), bytes);
    return new GeminiExchange(upstream, model, request.stream(), includeUsage,
        platform.clock().instant().getEpochSecond());
  }

  /** Where the backend's models live. */
  record Location(String version, String project, String region) {
  }

  /**
   * {@code provider.project} and {@code provider.region} are required and must be safe path
   * segments; no other provider settings exist; {@code schema.version}, when set, must be an API
   * version such as {@code v1beta1}.
   */
  @Override
  public void validate(BackendTarget backend, String at) throws InvalidConfigException {
    read(backend, at + ".schema.version");
  }

  /** Reads the backend's settings; {@link #validate} has refused wrong ones at config load. */
  static Location location(BackendTarget backend) throws GatewayException {
    try {
      return read(backend, "schema.version");
    } catch (InvalidConfigException e) {
      throw new GatewayException(500, "server_error", "backend '" + backend.name() + "' (schema GCPVertexAI) is "
          + "misconfigured: " + e.getMessage());
    }
  }

  private static Location read(BackendTarget backend, String versionField) throws InvalidConfigException {
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
    return new Location(version, project, region);
  }
}
