package dev.tollgate.plugins.anthropic;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PlatformServices;
import dev.tollgate.api.spi.NonBlocking;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.toolkit.TranslatorFactoryBase;
import dev.tollgate.toolkit.openai.ChatRequestFields;
import jakarta.inject.Inject;
import java.time.Clock;
import org.pf4j.Extension;

/**
 * Claude's three hosts, each a schema ({@link AnthropicHost Anthropic},
 * {@link CloudHost.Bedrock AWSAnthropic}, {@link CloudHost.Vertex GCPAnthropic}), for two client
 * APIs each:
 * <ul>
 *   <li>OpenAI chat completions clients: the request is converted to Anthropic Messages
 *       ({@link ChatToMessages}) and the answer, whole or streamed, back ({@link ChatExchange});</li>
 *   <li>Anthropic Messages clients: their body goes on (adjusted for the cloud where needed) and
 *       the answer comes back as it is while its usage is read ({@link MessagesExchange}).</li>
 * </ul>
 * Each factory makes the backend's {@link ClaudeHost} once, when the config loads, which checks the
 * backend's settings there.
 */
public final class AnthropicTranslators {
  private AnthropicTranslators() {
  }

  @NonBlocking
  @Extension
  public static final class AnthropicChat extends ChatFactory {
    @Inject
    public AnthropicChat(PlatformServices platform) {
      super(platform, AnthropicHost.SCHEMA, AnthropicHost::new);
    }
  }

  @NonBlocking
  @Extension
  public static final class AnthropicMessages extends MessagesFactory {
    public AnthropicMessages() {
      super(AnthropicHost.SCHEMA, AnthropicHost::new);
    }
  }

  @NonBlocking
  @Extension
  public static final class BedrockChat extends ChatFactory {
    @Inject
    public BedrockChat(PlatformServices platform) {
      super(platform, CloudHost.Bedrock.SCHEMA, CloudHost.Bedrock::new);
    }
  }

  @NonBlocking
  @Extension
  public static final class BedrockMessages extends MessagesFactory {
    public BedrockMessages() {
      super(CloudHost.Bedrock.SCHEMA, CloudHost.Bedrock::new);
    }
  }

  @NonBlocking
  @Extension
  public static final class VertexChat extends ChatFactory {
    @Inject
    public VertexChat(PlatformServices platform) {
      super(platform, CloudHost.Vertex.SCHEMA, CloudHost.Vertex::new);
    }
  }

  @NonBlocking
  @Extension
  public static final class VertexMessages extends MessagesFactory {
    public VertexMessages() {
      super(CloudHost.Vertex.SCHEMA, CloudHost.Vertex::new);
    }
  }

  /** A factory for one schema and one client endpoint: the host made once, the translator over it. */
  abstract static class ClaudeFactory extends TranslatorFactoryBase {
    private final ClaudeHost.Maker hosts;

    ClaudeFactory(String schema, Endpoint endpoint, ClaudeHost.Maker hosts) {
      super(schema, endpoint);
      this.hosts = hosts;
    }

    @Override
    public final Translator create(BackendTarget backend, String at) throws InvalidConfigException {
      return translator(hosts.make(backend, at), backend);
    }

    abstract Translator translator(ClaudeHost host, BackendTarget backend);
  }

  /** OpenAI chat completions clients: converted to Messages, the answer converted back. */
  abstract static class ChatFactory extends ClaudeFactory {
    private final Clock clock;

    ChatFactory(PlatformServices platform, String schema, ClaudeHost.Maker hosts) {
      super(schema, Endpoint.CHAT_COMPLETIONS, hosts);
      this.clock = platform.clock();
    }

    @Override
    final Translator translator(ClaudeHost host, BackendTarget backend) {
      return request -> {
        String model = backend.upstreamModel(request.model());
        ObjectNode body = ChatToMessages.convert(request.parsed(), model);
        return new ChatExchange(host.converted(request, model, body), model, clock.instant().getEpochSecond(),
            ChatRequestFields.includeUsage(request.parsed()));
      };
    }
  }

  /** Anthropic Messages clients: the body goes on with the backend's model, the answer comes back as it is. */
  abstract static class MessagesFactory extends ClaudeFactory {
    MessagesFactory(String schema, ClaudeHost.Maker hosts) {
      super(schema, Endpoint.MESSAGES, hosts);
    }

    @Override
    final Translator translator(ClaudeHost host, BackendTarget backend) {
      return request -> {
        String model = backend.upstreamModel(request.model());
        ObjectNode body = request.json();
        boolean changed = !model.equals(request.model());
        if (changed) {
          body.put("model", model);
        }
        return new MessagesExchange(host.passedOn(request, model, body, changed), model);
      };
    }
  }
}
