package dev.tollgate.plugins.anthropic;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Headers;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.toolkit.JsonSupport;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;

/**
 * Claude on a cloud, for both client APIs alike: the model goes in the path (percent-encoded, as
 * the clouds' SDKs send it), {@code model} leaves the body and {@code anthropic_version} (the
 * backend's schema version, else the cloud's default) comes first in it, and the client's
 * {@code anthropic-beta} header becomes {@code anthropic_beta}. The client's {@code authorization},
 * {@code x-api-key} and {@code anthropic-*} headers are not sent on; the cloud credential is the
 * backend's auth handler's business, which sees the final path and body.
 */
abstract class CloudHost implements ClaudeHost {
  private static final Set<String> CLIENT_HEADERS =
      Set.of("authorization", "x-api-key", "anthropic-version", "anthropic-beta");

  private final String version;
  private final boolean streamInBody;

  CloudHost(BackendTarget backend, String defaultVersion, boolean streamInBody) {
    this.version = backend.version().orElse(defaultVersion);
    this.streamInBody = streamInBody;
  }

  @Override
  public final UpstreamRequest converted(ClientRequest request, String model, ObjectNode body) {
    boolean stream = body.path("stream").asBoolean(false);
    if (!streamInBody) {
      body.remove("stream");
    }
    return new UpstreamRequest("POST", path(segment(model), stream), headers(stream), CLIENT_HEADERS,
        JsonSupport.bytes(cloudBody(request, body)));
  }

  /**
   * The body as the cloud takes it: without {@code model}, {@code anthropic_version} first, the
   * client's {@code anthropic-beta} header as {@code anthropic_beta}.
   */
  final ObjectNode cloudBody(ClientRequest request, ObjectNode body) {
    body.remove("model");
    body.remove("anthropic_version");
    ObjectNode sent = JsonSupport.object().put("anthropic_version", version);
    sent.setAll(body);
    betas(request, sent);
    return sent;
  }

  /** The client's {@code anthropic-beta} header (comma-separated) as the body's {@code anthropic_beta}, unless set. */
  static void betas(ClientRequest request, ObjectNode body) {
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

  /** A POST of JSON {@code body} to {@code path}, without the client's Anthropic and credential headers. */
  static UpstreamRequest post(String path, ObjectNode body) {
    return new UpstreamRequest("POST", path, Headers.of("content-type", "application/json", "accept",
        "application/json"), CLIENT_HEADERS, JsonSupport.bytes(body));
  }

  /** The upstream path for the (encoded) model. */
  abstract String path(String model, boolean stream);

  abstract Headers headers(boolean stream);

  /** RFC 3986 percent-encoding of a path segment (model ids hold ':' and, as ARNs, '/'). */
  static String segment(String s) {
    StringBuilder sb = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
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

  /**
   * Schema {@code AWSAnthropic}: Claude on Amazon Bedrock through InvokeModel,
   * {@code POST /model/{modelId}/invoke}, or {@code /invoke-with-response-stream} when streaming.
   * Bedrock refuses {@code stream} in the body too. Streamed answers arrive as AWS event-stream
   * frames ({@link BedrockEventStream}).
   */
  static final class Bedrock extends CloudHost {
    static final String SCHEMA = "AWSAnthropic";
    /** The {@code anthropic_version} Bedrock documents. */
    static final String DEFAULT_VERSION = "bedrock-2023-05-31";

    Bedrock(BackendTarget backend, String at) {
      super(backend, DEFAULT_VERSION, false);
    }

    @Override
    String path(String model, boolean stream) {
      return "/model/" + model + (stream ? "/invoke-with-response-stream" : "/invoke");
    }

    /**
     * Bedrock's CountTokens, {@code POST /model/{modelId}/count-tokens}, with the InvokeModel body
     * (base64, as the API's blob fields travel in JSON) in {@code input.invokeModel.body}. Claude's
     * InvokeModel body needs {@code max_tokens}, which a count request has no use for: 1 when absent.
     */
    @Override
    public Count countTokens(ClientRequest request, String model, ObjectNode body) {
      ObjectNode invoke = cloudBody(request, body);
      invoke.remove("stream");
      if (!invoke.has("max_tokens")) {
        invoke.put("max_tokens", 1);
      }
      ObjectNode count = JsonSupport.object();
      count.putObject("input").putObject("invokeModel")
          .put("body", Base64.getEncoder().encodeToString(JsonSupport.bytes(invoke)));
      return new Count(post("/model/" + segment(model) + "/count-tokens", count), "inputTokens", "AWS Bedrock");
    }

    @Override
    Headers headers(boolean stream) {
      return stream
          ? Headers.of("content-type", "application/json", "accept", BedrockEventStream.CONTENT_TYPE,
              "x-amzn-bedrock-accept", "application/json")
          : Headers.of("content-type", "application/json", "accept", "application/json");
    }
  }

  /**
   * Schema {@code GCPAnthropic}: Claude on Vertex AI,
   * {@code POST /v1/projects/{project}/locations/{region}/publishers/anthropic/models/{model}:rawPredict}
   * ({@code :streamRawPredict} when streaming). Provider settings: {@code project} and
   * {@code region}, both required, and no others.
   */
  static final class Vertex extends CloudHost {
    static final String SCHEMA = "GCPAnthropic";
    /** The {@code anthropic_version} Vertex AI documents. */
    static final String DEFAULT_VERSION = "vertex-2023-10-16";

    private final String models;

    Vertex(BackendTarget backend, String at) throws InvalidConfigException {
      super(backend, DEFAULT_VERSION, true);
      Settings s = backend.settings();
      s.allowOnly(Set.of("project", "region"));
      this.models = "/v1/projects/" + segment(s.string("project")) + "/locations/" + segment(s.string("region"))
          + "/publishers/anthropic/models/";
    }

    @Override
    String path(String model, boolean stream) {
      return models + model + (stream ? ":streamRawPredict" : ":rawPredict");
    }

    /**
     * Vertex AI's {@code .../publishers/anthropic/models/count-tokens:rawPredict}: the Anthropic
     * count body with the model in it (and the client's {@code anthropic-beta} as {@code anthropic_beta}).
     */
    @Override
    public Count countTokens(ClientRequest request, String model, ObjectNode body) {
      betas(request, body);
      return new Count(post(models + "count-tokens:rawPredict", body), "input_tokens", "Vertex AI");
    }

    @Override
    Headers headers(boolean stream) {
      return Headers.of("content-type", "application/json");
    }
  }
}
