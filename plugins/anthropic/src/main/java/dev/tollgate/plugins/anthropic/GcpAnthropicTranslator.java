package dev.tollgate.plugins.anthropic;

import dev.tollgate.api.JsonSupport;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PlatformServices;
import dev.tollgate.api.Settings;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.NonBlocking;
import jakarta.inject.Inject;
import java.util.Set;
import org.pf4j.Extension;

/**
 * Schema {@code GCPAnthropic}: Claude on Vertex AI.
 * {@code POST /v1/projects/{project}/locations/{region}/publishers/anthropic/models/{model}:rawPredict}
 * ({@code :streamRawPredict} when streaming). The body is an Anthropic Messages body without
 * {@code model} and with {@code anthropic_version} (the backend's schema version, else
 * {@value #DEFAULT_VERSION}). Provider settings: {@code project} and {@code region}, both required
 * (checked when the config is loaded).
 * The Google credential is added by the backend's auth handler; the client's {@code authorization},
 * {@code x-api-key} and {@code anthropic-*} headers are not sent on.
 */
@NonBlocking
@Extension
public final class GcpAnthropicTranslator extends AnthropicFamilyTranslator {
  /** The {@code anthropic_version} Vertex AI documents. */
  public static final String DEFAULT_VERSION = "vertex-2023-10-16";

  @Inject
  public GcpAnthropicTranslator(PlatformServices platform) {
    super(platform);
  }

  @Override
  public String schema() {
    return "GCPAnthropic";
  }

  /** {@code provider.project} and {@code provider.region} are required; no other provider settings exist. */
  @Override
  public void validate(BackendTarget backend, String at) throws InvalidConfigException {
    Settings s = backend.settings();
    s.allowOnly(Set.of("project", "region"));
    s.string("project");
    s.string("region");
  }

  @Override
  UpstreamRequest upstream(ClientRequest request, BackendTarget backend, String model, ObjectNode body,
                           boolean changed) throws GatewayException {
    String project;
    String region;
    try {
      project = backend.settings().string("project");
      region = backend.settings().string("region");
    } catch (InvalidConfigException e) {
      // validate() refused this config at load; kept for translators called without it
      throw new GatewayException(500, "server_error", "backend '" + backend.name()
          + "' (schema GCPAnthropic) is misconfigured: " + e.getMessage());
    }
    boolean stream = streaming(body);
    adjustForCloud(body, backend.version().orElse(DEFAULT_VERSION), request);
    String path = "/v1/projects/" + pathSegment(project) + "/locations/" + pathSegment(region)
        + "/publishers/anthropic/models/" + pathSegment(model) + (stream ? ":streamRawPredict" : ":rawPredict");
    return new UpstreamRequest("POST", path, Headers.of("content-type", "application/json"),
        Set.of("authorization", "x-api-key", "anthropic-version", "anthropic-beta"), JsonSupport.bytes(body));
  }
}
