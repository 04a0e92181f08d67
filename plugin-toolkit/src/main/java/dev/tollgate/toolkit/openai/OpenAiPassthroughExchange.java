package dev.tollgate.toolkit.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.SseDecoder;
import java.io.IOException;

/**
 * The answer of an OpenAI-compatible upstream to an OpenAI client, for translators of
 * OpenAI-shaped APIs (OpenAI, Azure OpenAI, …): bodies and SSE streams pass through unchanged
 * while the model and usage are read (from the whole body, or from the chunk that carries it with
 * {@code stream_options.include_usage}).
 *
 * <p>A stream is complete once the upstream sent {@code data: [DONE]}, or (for upstreams that
 * omit it) a chunk whose choice has a {@code finish_reason}, or its own error event. One that ends
 * before that (the connection dropped) ends for the client with an error event and
 * {@code data: [DONE]}, so it cannot take the answer it has for the whole. To that end the bytes
 * of an event go out once the event is whole (an event cut in half would run into the error);
 * the bytes themselves are not changed.
 *
 * <p>A whole answer passes unchanged too, but only when it is one complete JSON object: anything
 * else (cut short, not JSON) is a 502 for the client, in its error format, as with the
 * translators that rewrite their answers.
 */
public final class OpenAiPassthroughExchange extends PassthroughStreamExchange {
  /** The code of the error event that ends a stream cut short. */
  public static final String CUT_SHORT_CODE = "stream_cut_short";

  /**
   * @param request the upstream request this answers
   * @param model   the model asked for, until the answer names one
   */
  public OpenAiPassthroughExchange(UpstreamRequest request, String model) {
    super(request, model);
  }

  @Override
  void read(SseDecoder.Event e) {
    if (e.data().equals("[DONE]")) {
      completed();
    } else if (!e.data().isEmpty()) {
      read(e.data(), true);
    }
  }

  @Override
  byte[] cutShort() {
    return ChatChunkWriter.error(502, CUT_SHORT_CODE, "the upstream's stream ended before the answer was complete");
  }

  @Override
  protected byte[] onWhole(byte[] body) throws GatewayException {
    boolean whole;
    try {
      whole = read(JsonSupport.MAPPER.getFactory().createParser(body), false);
    } catch (IOException e) {
      whole = false;
    }
    if (!whole) {
      throw new GatewayException(502, "server_error", "the upstream's answer is not a complete JSON object");
    }
    return body;
  }

  private void read(String json, boolean chunk) {
    try {
      read(JsonSupport.MAPPER.getFactory().createParser(json), chunk);
    } catch (IOException e) {
      // not JSON: nothing to count
    }
  }

  /**
   * Model and usage from a whole answer or one chunk; usage reported again supersedes. Reads only
   * the top-level {@code model} and {@code usage} and skips the rest unparsed (though its syntax is
   * checked), but for a stream {@code chunk} whether it finishes a choice or is an error (either of
   * which completes the stream). Returns whether the text is one complete JSON object and nothing more.
   */
  private boolean read(JsonParser p, boolean chunk) {
    try (p) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("model") && value == JsonToken.VALUE_STRING) {
          answeredBy(p.getText());
        } else if (name.equals("usage") && value == JsonToken.START_OBJECT) {
          JsonNode usage = p.readValueAsTree();
          try {
            count(JsonSupport.MAPPER.treeToValue(usage, Usage.class).toTokenUsage());
          } catch (IOException | IllegalArgumentException e) {
            // usage we cannot read is not counted; the answer still goes through
          }
        } else if (chunk && name.equals("choices") && value == JsonToken.START_ARRAY) {
          readChoices(p);
        } else if (chunk && name.equals("error") && value == JsonToken.START_OBJECT) {
          completed(); // the upstream ended the stream with its own error
          p.skipChildren();
        } else {
          p.skipChildren();
        }
      }
      return t == JsonToken.END_OBJECT && p.nextToken() == null;
    } catch (IOException e) {
      // a broken chunk passes through as it is; what was read so far counts
      return false;
    }
  }

  /** A chunk's choices, the parser at their array's start: notes a non-null {@code finish_reason}. */
  private void readChoices(JsonParser p) throws IOException {
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY && t != null) {
      if (t != JsonToken.START_OBJECT) {
        p.skipChildren();
        continue;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("finish_reason") && value != JsonToken.VALUE_NULL) {
          completed();
        }
        p.skipChildren();
      }
    }
  }
}
