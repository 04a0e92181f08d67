package dev.tollgate.core.config;

import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.Headers;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.BackendAuth;
import dev.tollgate.api.spi.BackendAuthFactory;
import dev.tollgate.api.spi.CostCalculatorFactory;
import dev.tollgate.api.spi.PromptGuard;
import dev.tollgate.api.spi.PromptGuardFactory;
import dev.tollgate.api.spi.RequestEnricherFactory;
import dev.tollgate.api.spi.ResponseHead;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.api.spi.TranslatorFactory;
import dev.tollgate.core.plugin.PluginRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * Stand-ins for the built-in plugins' names (schemas OpenAI and Anthropic, auth APIKey, the token
 * costs, a Regex guard, a SystemPrompt enricher), so that platform-core's fuzz tests compile whole
 * configs without the plugins. Each checks its settings strictly, as real plugins do, and reports
 * a wrong one as an {@link InvalidConfigException} naming the field; the translator sends the
 * client's body on as it came.
 */
public final class StubPlugins {
  private StubPlugins() {
  }

  public static PluginRegistry registry() {
    Map<Endpoint, TranslatorFactory> all = new EnumMap<>(Endpoint.class);
    Echo echo = new Echo();
    for (Endpoint e : Endpoint.values()) {
      all.put(e, echo);
    }
    return new PluginRegistry(Map.of("OpenAI", all, "Anthropic", all),
        Map.of("APIKey", new ApiKey()),
        Map.of("InputToken", cost("InputToken"), "OutputToken", cost("OutputToken"), "TotalToken", cost("TotalToken")),
        Map.of("Regex", new Guard()), Map.of("SystemPrompt", new Enricher()));
  }

  private static CostCalculatorFactory cost(String type) {
    return new CostCalculatorFactory() {
      @Override
      public String type() {
        return type;
      }

      @Override
      public dev.tollgate.api.spi.CostCalculator create(Settings settings) throws InvalidConfigException {
        settings.allowOnly(Set.of());
        return input -> input.usage().totalTokens();
      }
    };
  }

  /** Sends the client's body as it came to the endpoint's own path. */
  public static final class Echo implements TranslatorFactory {
    @Override
    public String schema() {
      return "OpenAI";
    }

    @Override
    public Set<Endpoint> endpoints() {
      return Set.of(Endpoint.values());
    }

    @Override
    public Translator create(BackendTarget backend, String at) throws InvalidConfigException {
      backend.settings().allowOnly(Set.of("baseUrl", "region"));
      return request -> exchange(request);
    }

    private static Translator.Exchange exchange(ClientRequest request) {
      return new Translator.Exchange() {
        @Override
        public UpstreamRequest request() {
          return UpstreamRequest.post(request.endpoint().path(), Headers.empty(), request.body());
        }

        @Override
        public ResponseHead onResponseHeaders(int status, Headers headers) {
          return ResponseHead.unchanged(false);
        }

        @Override
        public byte[] onResponseBody(byte[] chunk, boolean endOfStream) {
          return chunk;
        }

        @Override
        public TokenUsage usage() {
          return TokenUsage.NONE;
        }

        @Override
        public String responseModel() {
          return request.model();
        }
      };
    }
  }

  private static final class ApiKey implements BackendAuthFactory {
    @Override
    public String type() {
      return "APIKey";
    }

    @Override
    public BackendAuth create(Settings settings) throws InvalidConfigException {
      settings.allowOnly(Set.of("passthrough", "key"));
      boolean passthrough = settings.bool("passthrough", false);
      String key = passthrough ? "" : settings.string("key");
      return (request, backend, clientHeaders) -> passthrough ? request
          : request.withHeader("authorization", "Bearer " + key);
    }
  }

  private static final class Guard implements PromptGuardFactory {
    @Override
    public String type() {
      return "Regex";
    }

    @Override
    public PromptGuard create(Settings settings) throws InvalidConfigException {
      settings.allowOnly(Set.of("deny"));
      settings.strings("deny");
      return (direction, texts) -> PromptGuard.ALLOW;
    }
  }

  private static final class Enricher implements RequestEnricherFactory {
    @Override
    public String type() {
      return "SystemPrompt";
    }

    @Override
    public dev.tollgate.api.spi.RequestEnricher create(Settings settings) throws InvalidConfigException {
      settings.allowOnly(Set.of("text"));
      settings.string("text");
      return (endpoint, body) -> body;
    }
  }
}
