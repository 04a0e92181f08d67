package dev.tollgate.toolkit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamError;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.ResponseHead;
import dev.tollgate.api.spi.Translator;
import java.util.HashSet;
import java.util.Set;

/**
 * Serves another client API (Anthropic Messages, OpenAI Responses, …) from a backend's OpenAI chat
 * completions translator, the way a pivot language serves a pair of languages with no dictionary
 * of their own: the client's request is rewritten as a chat completions request and handed to the
 * backend's chat translator, which translates it for the provider as usual; the chat completion
 * (or chunks) it makes of the provider's answer is then rewritten for the client by an
 * <em>outer</em> exchange, one that reads chat completions answers (for instance
 * {@code AnthropicChatBridge.exchange}).
 *
 * <pre>{@code
 * Translator chat = chatFactory.create(backend, at);
 * Translator messages = request -> {
 *   ObjectNode body = AnthropicChatBridge.toChatRequest(request.parsed(), request.model(),
 *       PivotExtensions.Dialect.TOLLGATE);
 *   Translator.Exchange inner = chat.start(ChatPivot.asChat(request, body));
 *   return ChatPivot.exchange(inner, AnthropicChatBridge.exchange(inner.request(), request.model()),
 *       AnthropicChatBridge.ANTHROPIC_CLIENT_HEADERS);
 * };
 * }</pre>
 * The inner translator applies the backend's model override; the outer never sees the provider.
 * A chat body made for one of Tollgate's own chat translators may carry the extension fields of
 * {@link PivotExtensions} (thinking budgets, cache markers, signed thinking blocks), which say what
 * plain chat completions cannot.
 * Error answers are read by the inner exchange (the platform writes them in the client's format).
 */
public final class ChatPivot {
  private ChatPivot() {
  }

  /**
   * The client's request as a chat completions request with body {@code chatBody}: same headers,
   * model and stream flag. Set {@code stream_options.include_usage} in a streamed {@code chatBody}
   * when the outer exchange reports usage, since most chat translators only emit the usage chunk
   * when asked.
   */
  public static ClientRequest asChat(ClientRequest client, ObjectNode chatBody) {
    return new ClientRequest(Endpoint.CHAT_COMPLETIONS, client.headers(), JsonSupport.bytes(chatBody), chatBody,
        client.model(), client.stream());
  }

  /**
   * One exchange over two: {@code chat} talks to the provider, {@code outer} rewrites what
   * {@code chat} makes of the answer. The upstream request is {@code chat}'s, with
   * {@code clientHeaders} removed (the client API's own headers, which the provider must not get).
   * Usage and the answering model are {@code chat}'s (it reads the provider's answer).
   */
  public static Translator.Exchange exchange(Translator.Exchange chat, Translator.Exchange outer,
                                             Set<String> clientHeaders) {
    return new Pivoted(chat, outer, clientHeaders);
  }

  private static final class Pivoted implements Translator.Exchange {
    private final Translator.Exchange chat;
    private final Translator.Exchange outer;
    private final UpstreamRequest request;

    Pivoted(Translator.Exchange chat, Translator.Exchange outer, Set<String> clientHeaders) {
      this.chat = chat;
      this.outer = outer;
      UpstreamRequest r = chat.request();
      for (String h : clientHeaders) {
        if (r.setHeaders().get(h).isEmpty()) {
          r = r.withoutHeader(h);
        }
      }
      this.request = r;
    }

    @Override
    public UpstreamRequest request() {
      return request;
    }

    @Override
    public ResponseHead onResponseHeaders(int status, Headers headers) throws GatewayException {
      ResponseHead first = chat.onResponseHeaders(status, headers);
      // the headers as the outer exchange will read the chat translator's output
      Headers between = headers;
      for (String h : first.removeHeaders()) {
        between = between.without(h);
      }
      for (var e : first.setHeaders().asMap().entrySet()) {
        between = between.with(e.getKey(), e.getValue());
      }
      ResponseHead second = outer.onResponseHeaders(status, between);
      Headers set = first.setHeaders();
      for (var e : second.setHeaders().asMap().entrySet()) {
        set = set.with(e.getKey(), e.getValue());
      }
      Set<String> remove = new HashSet<>(first.removeHeaders());
      remove.addAll(second.removeHeaders());
      remove.removeAll(set.asMap().keySet());
      return new ResponseHead(set, remove, first.streaming());
    }

    @Override
    public byte[] onResponseBody(byte[] chunk, boolean endOfStream) throws GatewayException {
      return outer.onResponseBody(chat.onResponseBody(chunk, endOfStream), endOfStream);
    }

    @Override
    public UpstreamError onError(int status, Headers headers, byte[] body) {
      return chat.onError(status, headers, body);
    }

    @Override
    public TokenUsage usage() {
      return chat.usage();
    }

    @Override
    public String responseModel() {
      return chat.responseModel();
    }
  }
}
