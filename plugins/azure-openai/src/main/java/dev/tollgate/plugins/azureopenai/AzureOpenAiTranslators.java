package dev.tollgate.plugins.azureopenai;

import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.spi.NonBlocking;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.toolkit.TranslatorFactoryBase;
import dev.tollgate.toolkit.anthropic.AnthropicChatBridge;
import dev.tollgate.toolkit.openai.OpenAiCompatibleTranslator;
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
 */
public final class AzureOpenAiTranslators {
  static final String SCHEMA = "AzureOpenAI";
  private static final Pattern API_VERSION = Pattern.compile("[A-Za-z0-9._-]+");

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
