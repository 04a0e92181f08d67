package dev.tollgate.core.clientapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.toolkit.ErrorFormats;
import dev.tollgate.toolkit.SseDecoder;
import java.util.List;
import java.util.function.Supplier;

/**
 * What the platform knows about one client endpoint, in one place: how its requests come and
 * are parsed, where its prompt and answer texts are (for guards), how its streamed answers carry
 * text and end, and how its errors are written. Adding an endpoint takes a constant in
 * {@link Endpoint}, a spec registered in {@link EndpointSpecs}, and translators for it.
 */
public interface EndpointSpec {
  Endpoint endpoint();

  /** The API the client speaks here, which decides the format of its errors. */
  ClientApi clientApi();

  /**
   * The API of this client, for its errors and the gateway's own answers: the endpoint's
   * ({@link #clientApi()}) unless clients of two APIs share the endpoint and their headers tell
   * them apart (the model list).
   */
  default ClientApi clientApi(Headers headers) {
    return clientApi();
  }

  /**
   * Whether an answer here uses no tokens by nature (a token count): its costs go out computed
   * over zero usage, so that rate limits read a 0 (and a per-request CEL cost its constant)
   * rather than find no cost at all.
   */
  default boolean usesNoTokens() {
    return false;
  }

  /** The HTTP method of this endpoint's requests. */
  default String method() {
    return "POST";
  }

  /**
   * The answer the gateway gives by itself to a request here, given the models it declares (asked
   * only when needed); null when requests go to a backend.
   */
  default LocalAnswer localAnswer(Supplier<List<String>> declaredModels) {
    return null;
  }

  /**
   * As {@link #localAnswer(Supplier)}, for a request with these headers ({@code :path} included):
   * for an answer that depends on the path or on the client.
   */
  default LocalAnswer localAnswer(Headers headers, Supplier<List<String>> declaredModels) {
    return localAnswer(declaredModels);
  }

  /** Parses the client's body once; the message of a 400 when it is not a JSON object with a model. */
  default ParsedRequest parse(byte[] body) throws GatewayException {
    return ParsedRequest.parse(body);
  }

  /** The prompt texts of a request body: message contents, completion prompts, embedding inputs. */
  PromptTexts requestTexts(ObjectNode body);

  /** The answer texts of a whole answer in this endpoint's schema. */
  PromptTexts answerTexts(ObjectNode body);

  /** Where the client's stream ends as the client reads it. */
  StreamEnd streamEnd();

  /**
   * Whether this event (its data, and the data as a JSON object or null) ends the stream: what
   * guards still hold back goes out before it.
   */
  boolean endsStream(String data, JsonNode event);

  /** The choice or block this event closes, whose held-back text goes out before it; -1 for none. */
  default int closesBlock(JsonNode event) {
    return -1;
  }

  /**
   * The texts of one streamed event, by choice or block, and the choices it finishes; empty for
   * an endpoint that does not stream.
   */
  default List<StreamText> streamTexts(JsonNode event) {
    return List.of();
  }

  /**
   * The texts of one streamed event that repeat, whole, what a choice or block streamed before in
   * its text events (the Responses API's {@code response.output_text.done}, the part and item of
   * {@code response.content_part.done} and {@code response.output_item.done}, and the output of
   * the final response): where guards changed the streamed text, what the client got of it is
   * written there too, so the answer does not go out unmasked at its end. Empty by default.
   */
  default List<StreamText> repeatedTexts(JsonNode event) {
    return List.of();
  }

  /**
   * What a later flush event of {@code text}'s choice or block repeats of {@code event}, taken
   * when the text is seen; null when a flush event needs nothing of it.
   */
  default ObjectNode flushTemplate(ObjectNode event, StreamText text) {
    return null;
  }

  /**
   * An event of its own that carries {@code text} for choice or block {@code index}: what guards
   * held back and release when the choice, block or stream ends.
   */
  default SseDecoder.Event flushEvent(int index, String text, ObjectNode template) {
    throw new UnsupportedOperationException(endpoint() + " does not stream texts");
  }

  /** The terminal error event of a stream whose headers have already gone, in the client's format. */
  default byte[] streamError(int status, String message) {
    return ErrorFormats.streamError(clientApi(), status, message);
  }
}
