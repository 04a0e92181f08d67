package dev.tollgate.plugins.anthropic;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.spi.NonBlocking;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.toolkit.CountTokensExchange;
import dev.tollgate.toolkit.TranslatorFactoryBase;
import org.pf4j.Extension;

/**
 * Anthropic's token count ({@code POST /v1/messages/count_tokens}) on Claude's three hosts, each
 * with its own counting API (see {@link ClaudeHost#countTokens}):
 * <ul>
 *   <li>{@code Anthropic}: the same path, the body as the client sent it (with the backend's model);</li>
 *   <li>{@code AWSAnthropic}: Bedrock's CountTokens, {@code POST /model/{modelId}/count-tokens} with
 *       the InvokeModel body, answering {@code {"inputTokens": N}};</li>
 *   <li>{@code GCPAnthropic}: Vertex AI's {@code .../publishers/anthropic/models/count-tokens:rawPredict}
 *       with the model in the body, answering Anthropic's {@code {"input_tokens": N}}.</li>
 * </ul>
 * The client always gets {@code {"input_tokens": N}}; counting is free, so no usage is reported.
 */
public final class CountTokens {
  private CountTokens() {
  }

  @NonBlocking
  @Extension
  public static final class AnthropicCount extends Factory {
    public AnthropicCount() {
      super(AnthropicHost.SCHEMA, AnthropicHost::new);
    }
  }

  @NonBlocking
  @Extension
  public static final class BedrockCount extends Factory {
    public BedrockCount() {
      super(CloudHost.Bedrock.SCHEMA, CloudHost.Bedrock::new);
    }
  }

  @NonBlocking
  @Extension
  public static final class VertexCount extends Factory {
    public VertexCount() {
      super(CloudHost.Vertex.SCHEMA, CloudHost.Vertex::new);
    }
  }

  abstract static class Factory extends TranslatorFactoryBase {
    private final ClaudeHost.Maker hosts;

    Factory(String schema, ClaudeHost.Maker hosts) {
      super(schema, Endpoint.MESSAGES_COUNT_TOKENS);
      this.hosts = hosts;
    }

    @Override
    public final Translator create(BackendTarget backend, String at) throws InvalidConfigException {
      ClaudeHost host = hosts.make(backend, at);
      return request -> {
        String model = backend.upstreamModel(request.model());
        ObjectNode body = request.json();
        body.put("model", model);
        ClaudeHost.Count count = host.countTokens(request, model, body);
        return new CountTokensExchange(count.request(), model, count.answerField(), count.provider());
      };
    }
  }
}
