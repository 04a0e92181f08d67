package dev.tollgate.toolkit.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.toolkit.ChatPivot;
import dev.tollgate.toolkit.PivotExtensions.Dialect;
import java.util.Set;

/**
 * Serves OpenAI Responses API clients ({@code POST /v1/responses}, {@code Endpoint.RESPONSES})
 * from a backend that has no Responses API, through its chat completions translator
 * ({@link ChatPivot}):
 * <pre>{@code
 * Translator responses = ResponsesChatBridge.over(chatFactory.create(backend, at));
 * }</pre>
 * <ul>
 *   <li>{@link #toChatRequest}: the request as a chat completions request;</li>
 *   <li>{@link #exchange}: the chat completion (or chunks) the chat translator makes of the
 *       provider's answer, as a {@code Response} (or the Responses stream events).</li>
 * </ul>
 * Such a backend keeps no responses: requests that need them ({@code previous_response_id},
 * {@code conversation}, {@code background}, stored prompts, {@code item_reference}s) and OpenAI's
 * built-in tools are refused with a 400 naming the field; {@code store} is ignored (OpenAI
 * defaults it to true, so refusing it would refuse nearly every client) and answered as
 * {@code store: false}.
 */
public final class ResponsesChatBridge {
  /** Headers of a Responses client the provider must not get: none beyond a chat client's. */
  public static final Set<String> RESPONSES_CLIENT_HEADERS = Set.of();

  private ResponsesChatBridge() {
  }

  /**
   * A translator for Responses clients built on a backend's chat completions translator
   * {@code chat}: the request is rewritten for chat, {@code chat} translates it for the provider
   * (model override, path, auth as for any chat client), and its answer is rewritten back.
   */
  public static Translator over(Translator chat) {
    return request -> {
      ObjectNode body = toChatRequest(request.parsed(), request.model(), Dialect.TOLLGATE);
      Translator.Exchange inner = chat.start(ChatPivot.asChat(request, body));
      return ChatPivot.exchange(inner, exchange(inner.request(), request.model(), request.parsed()),
          RESPONSES_CLIENT_HEADERS);
    };
  }

  /**
   * The chat completions request for a Responses API request: {@code instructions} as a system
   * message; {@code input} (a string, or message, {@code function_call} and
   * {@code function_call_output} items; a turn's text and calls in one assistant message; the
   * model's {@code reasoning} items dropped, see {@link #toChatRequest(JsonNode, String, Dialect)}); function {@code tools}, {@code tool_choice},
   * {@code parallel_tool_calls}; {@code max_output_tokens} as {@code max_completion_tokens};
   * {@code temperature}, {@code top_p}; {@code text.format} as {@code response_format};
   * {@code reasoning.effort} as {@code reasoning_effort}; {@code user} (else
   * {@code safety_identifier}); {@code stream} with {@code stream_options.include_usage}.
   * Ignored: {@code store}, {@code metadata}, {@code include}, {@code truncation},
   * {@code service_tier}, {@code prompt_cache_key}, {@code text.verbosity}, {@code reasoning.summary}.
   *
   * @param req   the client's Responses request; not modified
   * @param model the model to name in the chat request
   * @throws GatewayException 400 naming the field for what a stateless chat backend cannot do
   */
  public static ObjectNode toChatRequest(JsonNode req, String model) throws GatewayException {
    return toChatRequest(req, model, Dialect.STANDARD);
  }

  /**
   * The chat completions request for a Responses API request, as
   * {@link #toChatRequest(JsonNode, String)}; with {@link Dialect#TOLLGATE} (for a Tollgate chat
   * translator, as {@link #over} uses it) a {@code reasoning} input item whose
   * {@code encrypted_content} is one this bridge gave (the answer's signed thinking blocks) puts
   * them back on its turn's assistant message as {@code thinking_blocks}
   * ({@link dev.tollgate.toolkit.PivotExtensions}); other reasoning items are dropped.
   */
  public static ObjectNode toChatRequest(JsonNode req, String model, Dialect dialect) throws GatewayException {
    return ResponsesRequestMapper.toChat(req, model, dialect);
  }

  /**
   * The exchange for a Responses client whose request went upstream as {@code upstream} (a chat
   * completions request, whose answer is a {@code chat.completion} or chunk SSE): the answer
   * comes back as a {@code Response}, or as the Responses stream events; a whole answer that is
   * not a chat completion is a 502. The chat answer's reasoning ({@code reasoning_content}, and
   * the signed {@code thinking_blocks} of {@link dev.tollgate.toolkit.PivotExtensions}) comes first
   * as a {@code reasoning} item: the text as its {@code summary_text}, the blocks (whenever there
   * are any, whatever {@code include} asked) as its {@code encrypted_content}, which a client that
   * sends the item back as input returns to the provider. One per exchange; not thread-safe.
   *
   * @param model            the model asked for, reported until the answer names its own
   * @param responsesRequest the client's request, whose settings the {@code Response} echoes
   */
  public static Translator.Exchange exchange(UpstreamRequest upstream, String model, JsonNode responsesRequest) {
    return new ResponsesOverChatExchange(upstream, model, responsesRequest);
  }
}
