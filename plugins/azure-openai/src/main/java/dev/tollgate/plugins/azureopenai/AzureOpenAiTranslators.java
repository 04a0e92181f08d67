package dev.tollgate.plugins.azureopenai;

import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.spi.NonBlocking;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.toolkit.TranslatorFactoryBase;
import dev.tollgate.toolkit.anthropic.AnthropicChatBridge;
import dev.tollgate.toolkit.openai.OpenAiCompatibleTranslator;
import dev.tollgate.toolkit.openai.ResponsesPassthroughTranslator;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.pf4j.Extension;

/**
 * Schema {@code AzureOpenAI}: OpenAI requests to an Azure OpenAI resource. The deployment is the
 * upstream model name (the backend's {@code modelNameOverride}, else the client's model) and the
 * {@code api-version} is the backend's schema version, which is required and checked when the
 * config loads: {@code /openai/deployments/{deployment}/chat/completions?api-version={version}}
 * (likewise {@code /completions} and {@code /embeddings}).
 *
 * <p>The Responses API ({@code /v1/responses}) is not deployment-scoped on Azure: it is served by
 * the resource's OpenAI-compatible v1 API, {@code /openai/v1/responses}, with the deployment as the
 * body's {@code model} (the upstream model, as for the other endpoints). The schema version picks
 * the surface (see {@link #responsesPath}): {@code preview} adds {@code ?api-version=preview}
 * (the v1 API's preview features); a dated preview version (e.g. {@code 2025-04-01-preview}) takes
 * the earlier preview surface {@code /openai/responses?api-version=...}; any other version (a GA
 * date such as {@code 2024-10-21}, which only the deployment paths take, or {@code v1}) goes to
 * the v1 API without an api-version, which it does not need.
 */
public final class AzureOpenAiTranslators {
  static final String SCHEMA = "AzureOpenAI";
  private static final Pattern API_VERSION = Pattern.compile("[A-Za-z0-9._-]+");
  private static final Pattern DATED_PREVIEW = Pattern.compile("\\d{4}-\\d{2}-\\d{2}-preview");

  private AzureOpenAiTranslators() {
  }

  /** OpenAI clients: bodies go as sent (the model replaced when overridden); answers pass through while usage is read. */
  @NonBlocking
  @Extension
  public static final class Passthrough extends TranslatorFactoryBase {
    public Passthrough() {
      super(SCHEMA, Endpoint.CHAT_COMPLETIONS, Endpoint.COMPLETIONS, Endpoint.EMBEDDINGS);
    }

    @Override
    public Translator create(BackendTarget backend, String at) throws InvalidConfigException {
      String version = apiVersion(backend, at);
      return new OpenAiCompatibleTranslator(backend, (endpoint, deployment) -> deploymentPath(deployment, endpoint,
          version));
    }
  }

  /** Anthropic Messages clients: converted to the deployment's {@code /chat/completions} and back. */
  @NonBlocking
  @Extension
  public static final class Messages extends TranslatorFactoryBase {
    public Messages() {
      super(SCHEMA, Endpoint.MESSAGES);
    }

    @Override
    public Translator create(BackendTarget backend, String at) throws InvalidConfigException {
      String version = apiVersion(backend, at);
      return AnthropicChatBridge.translator(backend,
          deployment -> deploymentPath(deployment, Endpoint.CHAT_COMPLETIONS, version));
    }
  }

  /**
   * Responses API clients: the request goes as sent (the model, i.e. the deployment, replaced when
   * overridden) to the resource's Responses API, so what Azure stores for the client
   * ({@code previous_response_id}, {@code store}, {@code background}) works unchanged; answers
   * pass through while their usage is read.
   */
  @NonBlocking
  @Extension
  public static final class Responses extends TranslatorFactoryBase {
    public Responses() {
      super(SCHEMA, Endpoint.RESPONSES);
    }

    @Override
    public Translator create(BackendTarget backend, String at) throws InvalidConfigException {
      String path = responsesPath(apiVersion(backend, at));
      return new ResponsesPassthroughTranslator(backend, deployment -> path);
    }
  }

  /**
   * The Responses API's path for a schema version: {@code /openai/v1/responses}, with
   * {@code ?api-version=preview} for {@code preview}; {@code /openai/responses?api-version=V} for a
   * dated preview version V (the surface before the v1 API).
   */
  static String responsesPath(String version) {
    if (version.equalsIgnoreCase("preview")) {
      return "/openai/v1/responses?api-version=preview";
    }
    if (DATED_PREVIEW.matcher(version).matches()) {
      return "/openai/responses?api-version=" + version;
    }
    return "/openai/v1/responses";
  }

  static String deploymentPath(String deployment, Endpoint endpoint, String version) {
    return "/openai/deployments/" + URLEncoder.encode(deployment, StandardCharsets.UTF_8).replace("+", "%20")
        + endpoint.path().substring("/v1".length()) + "?api-version=" + version;
  }

  /** {@code schema.version} is the api-version: required, and safe to put in a query string. */
  static String apiVersion(BackendTarget backend, String at) throws InvalidConfigException {
    String v = backend.schemaVersion().trim();
    if (v.isEmpty()) {
      throw new InvalidConfigException(at + ".schema.version", "is required for schema AzureOpenAI: it is the "
          + "api-version, e.g. 2024-10-21");
    }
    if (!API_VERSION.matcher(v).matches()) {
      throw new InvalidConfigException(at + ".schema.version", "'" + v + "' is not an Azure OpenAI api-version "
          + "such as 2024-10-21 or 2025-01-01-preview");
    }
    return v;
  }
}
