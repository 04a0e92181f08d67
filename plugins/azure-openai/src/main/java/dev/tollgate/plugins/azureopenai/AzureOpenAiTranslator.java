package dev.tollgate.plugins.azureopenai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.openai.OpenAiAnswerExchange;
import dev.tollgate.api.anthropic.AnthropicChatBridge;
import dev.tollgate.api.spi.NonBlocking;
import dev.tollgate.api.spi.ProviderTranslator;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.pf4j.Extension;

/**
 * Schema {@code AzureOpenAI}: OpenAI requests to an Azure OpenAI resource. The deployment is the
 * upstream model name (the backend's {@code modelNameOverride}, else the client's model) and the
 * {@code api-version} is the backend's schema version, which is required:
 * {@code /openai/deployments/{deployment}/chat/completions?api-version={version}} (likewise
 * {@code /completions} and {@code /embeddings}). The body goes as the client sent it (with the
 * model replaced when overridden); answers are OpenAI-shaped and pass through while their usage is
 * read (see {@link OpenAiAnswerExchange}). The api-version is checked when the config is loaded.
 *
 * <p>Anthropic Messages clients ({@code /v1/messages}) go to the deployment's
 * {@code /chat/completions}: the request is converted and the answer converted back by the plugin
 * API's {@link AnthropicChatBridge} (Anthropic message, stream events or error with the upstream's
 * status).
 */
@NonBlocking
@Extension
public final class AzureOpenAiTranslator implements ProviderTranslator {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern API_VERSION = Pattern.compile("[A-Za-z0-9._-]+");

  @Override
  public String schema() {
    return "AzureOpenAI";
  }

  @Override
  public boolean supports(Endpoint endpoint) {
    return endpoint == Endpoint.CHAT_COMPLETIONS || endpoint == Endpoint.COMPLETIONS
        || endpoint == Endpoint.EMBEDDINGS || endpoint == Endpoint.MESSAGES;
  }

  /** {@code schema.version} is the api-version: required, and safe to put in a query string. */
  @Override
  public void validate(BackendTarget backend, String at) throws InvalidConfigException {
    String v = backend.schemaVersion().trim();
    if (v.isEmpty()) {
      throw new InvalidConfigException(at + ".schema.version", "is required for schema AzureOpenAI: it is the "
          + "api-version, e.g. 2024-10-21");
    }
    if (!API_VERSION.matcher(v).matches()) {
      throw new InvalidConfigException(at + ".schema.version", "'" + v + "' is not an Azure OpenAI api-version "
          + "such as 2024-10-21 or 2025-01-01-preview");
    }
  }

  @Override
  public Exchange start(ClientRequest request, BackendTarget backend) throws GatewayException {
    String version = apiVersion(backend);
    String deployment = backend.upstreamModel(request.model());
    if (request.endpoint() == Endpoint.MESSAGES) {
      ObjectNode chat = AnthropicChatBridge.toChatRequest(request.parsed(), deployment);
      return AnthropicChatBridge.exchange(AnthropicChatBridge.upstreamRequest(
          deploymentPath(deployment, Endpoint.CHAT_COMPLETIONS, version), chat), deployment);
    }
    byte[] body = request.body();
    if (!deployment.equals(request.model())) {
      ObjectNode json = request.json();
      json.put("model", deployment);
      try {
        body = JSON.writeValueAsBytes(json);
      } catch (IOException e) {
        throw new GatewayException(500, "server_error", "cannot write the request body");
      }
    }
    String path = deploymentPath(deployment, request.endpoint(), version);
    UpstreamRequest upstream = UpstreamRequest.post(path, Headers.of("content-type", "application/json"), body);
    return new OpenAiAnswerExchange(upstream, deployment, "Azure OpenAI");
  }

  private static String deploymentPath(String deployment, Endpoint endpoint, String version) {
    return "/openai/deployments/" + URLEncoder.encode(deployment, StandardCharsets.UTF_8).replace("+", "%20")
        + endpoint.path().substring("/v1".length()) + "?api-version=" + version;
  }

  /**
   * The backend's api-version. {@link #validate} refuses a config without a good one; this check
   * remains for callers that skip validation, as a 500 that tells the operator what to set.
   */
  static String apiVersion(BackendTarget backend) throws GatewayException {
    String v = backend.schemaVersion().trim();
    if (v.isEmpty()) {
      throw new GatewayException(500, "server_error", "backend '" + backend.name() + "' (schema AzureOpenAI) has no "
          + "api-version: set schema.version to an Azure OpenAI API version, e.g. 2024-10-21");
    }
    if (!API_VERSION.matcher(v).matches()) {
      throw new GatewayException(500, "server_error", "backend '" + backend.name() + "' (schema AzureOpenAI): "
          + "schema.version '" + v + "' is not an Azure OpenAI API version such as 2024-10-21");
    }
    return v;
  }
}
