package dev.tollgate.toolkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.ResponseHead;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.toolkit.anthropic.AnthropicChatBridge;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChatPivotTest {
  /** A chat translator for a provider that answers "PROVIDER:<text>" and streams "P:<text>" lines. */
  static final class ProviderExchange extends AbstractExchange {
    ProviderExchange() {
      super(UpstreamRequest.post("/provider", Headers.of("content-type", "application/json"), new byte[0]), "m");
    }

    @Override
    protected boolean isStream(Headers headers) {
      return headers.value("content-type").equals("application/x-provider-stream");
    }

    @Override
    protected byte[] onStreamPiece(byte[] chunk, boolean endOfStream) {
      count(TokenUsage.of(3, 4));
      String text = new String(chunk, StandardCharsets.UTF_8).trim();
      String out = text.isEmpty() ? "" : "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"m\","
          + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + text + "\"},\"finish_reason\":null}]}\n\n";
      if (endOfStream) {
        out += "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,"
            + "\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
      }
      return out.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    protected byte[] onWhole(byte[] body) {
      count(TokenUsage.of(5, 2));
      answeredBy("m-2024");
      return ("{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m-2024\",\"choices\":[{\"index\":0,"
          + "\"message\":{\"role\":\"assistant\",\"content\":\"" + new String(body, StandardCharsets.UTF_8)
          + "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,"
          + "\"total_tokens\":7}}").getBytes(StandardCharsets.UTF_8);
    }
  }

  private static Translator.Exchange pivoted(ProviderExchange provider) throws GatewayException {
    ObjectNode messages = JsonSupport.object().put("model", "claude").put("max_tokens", 10);
    messages.putArray("messages").addObject().put("role", "user").put("content", "hi");
    ClientRequest client = new ClientRequest(Endpoint.MESSAGES, Headers.of("x-api-key", "k"),
        JsonSupport.bytes(messages), messages, "claude", false);
    ObjectNode chat = AnthropicChatBridge.toChatRequest(client.parsed(), client.model());
    ClientRequest asChat = ChatPivot.asChat(client, chat);
    assertThat(asChat.endpoint()).isEqualTo(Endpoint.CHAT_COMPLETIONS);
    assertThat(asChat.parsed().path("messages").get(0).path("content").asText()).isEqualTo("hi");
    return ChatPivot.exchange(provider, AnthropicChatBridge.exchange(provider.request(), "claude"),
        AnthropicChatBridge.ANTHROPIC_CLIENT_HEADERS);
  }

  @Test
  void aWholeAnswerIsRewrittenTwiceAndKeepsTheProvidersUsageAndModel() throws Exception {
    Translator.Exchange x = pivoted(new ProviderExchange());
    assertThat(x.request().path()).isEqualTo("/provider");
    assertThat(x.request().removeHeaders()).contains("x-api-key", "anthropic-version");
    ResponseHead head = x.onResponseHeaders(200, Headers.of("content-type", "application/json"));
    assertThat(head.streaming()).isFalse();
    byte[] out = x.onResponseBody("hello".getBytes(StandardCharsets.UTF_8), true);
    var message = JsonSupport.tryParse(out);
    assertThat(message.path("type").asText()).isEqualTo("message");
    assertThat(message.path("content").get(0).path("text").asText()).isEqualTo("hello");
    assertThat(x.usage()).isEqualTo(TokenUsage.of(5, 2));
    assertThat(x.responseModel()).isEqualTo("m-2024");
  }

  @Test
  void aProviderStreamBecomesTheOuterApisStreamUnderTheInnerHeaders() throws Exception {
    Translator.Exchange x = pivoted(new ProviderExchange());
    ResponseHead head = x.onResponseHeaders(200, Headers.of("content-type", "application/x-provider-stream",
        "content-length", "99"));
    // the inner exchange decides the framing (streamed); the outer reads its SSE and says so too
    assertThat(head.streaming()).isTrue();
    assertThat(head.setHeaders().value("content-type")).isEqualTo("text/event-stream");
    assertThat(head.removeHeaders()).contains("content-length");
    String out = new String(x.onResponseBody("Hel".getBytes(StandardCharsets.UTF_8), false), StandardCharsets.UTF_8)
        + new String(x.onResponseBody("lo".getBytes(StandardCharsets.UTF_8), true), StandardCharsets.UTF_8);
    assertThat(out).contains("event: message_start", "\"text\":\"Hel\"", "\"text\":\"lo\"", "event: message_stop");
    assertThat(x.usage()).isEqualTo(TokenUsage.of(3, 4));
  }

  @Test
  void aHeaderTheInnerTranslatorSetsIsNotAlsoRemoved() throws Exception {
    ProviderExchange provider = new ProviderExchange();
    Translator.Exchange inner = new Translator.Exchange() {
      @Override
      public UpstreamRequest request() {
        return provider.request().withHeader("anthropic-version", "2023-06-01");
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
        return "m";
      }
    };
    Translator.Exchange x = ChatPivot.exchange(inner, provider, Set.of("anthropic-version", "anthropic-beta"));
    assertThat(x.request().setHeaders().value("anthropic-version")).isEqualTo("2023-06-01");
    assertThat(x.request().removeHeaders()).contains("anthropic-beta").doesNotContain("anthropic-version");
  }
}
