package dev.tollgate.api.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.ErrorFormats;
import dev.tollgate.api.Headers;
import dev.tollgate.api.SseDecoder;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.ProviderTranslator;
import dev.tollgate.api.spi.ResponseHead;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * The answer of an OpenAI-compatible upstream to an OpenAI client, for translators of
 * OpenAI-shaped APIs (OpenAI, Azure OpenAI, …): successful bodies and SSE streams pass through
 * unchanged while the model and usage are read (from the whole body, or from the chunk that
 * carries it with {@code stream_options.include_usage}); errors are normalised into OpenAI's
 * error shape with the upstream status (a missing {@code type} is filled in, non-JSON errors from
 * proxies are wrapped).
 */
public final class OpenAiAnswerExchange implements ProviderTranslator.Exchange {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final UpstreamRequest request;
  private String model;
  private TokenUsage usage = TokenUsage.NONE;
  private int status;
  private boolean sse;
  private SseDecoder decoder;
  private final ByteArrayOutputStream whole = new ByteArrayOutputStream();

  private final String upstreamName;

  /**
   * @param request      the upstream request this answers
   * @param model        the model asked for, until the answer names one
   * @param upstreamName how error messages name the upstream, e.g. "Azure OpenAI"
   */
  public OpenAiAnswerExchange(UpstreamRequest request, String model, String upstreamName) {
    this.request = request;
    this.model = model;
    this.upstreamName = upstreamName;
  }

  @Override
  public UpstreamRequest request() {
    return request;
  }

  @Override
  public ResponseHead onResponseHeaders(int status, Headers headers) {
    this.status = status;
    sse = status < 400 && headers.get("content-type").orElse("").startsWith("text/event-stream");
    if (sse) {
      decoder = new SseDecoder();
      return ResponseHead.unchanged(true);
    }
    if (status >= 400) {
      // The error body is rewritten, so its length changes.
      return new ResponseHead(Headers.of("content-type", "application/json"), Set.of("content-length"), false);
    }
    return ResponseHead.unchanged(false);
  }

  @Override
  public byte[] onResponseBody(byte[] chunk, boolean endOfStream) {
    if (sse) {
      for (SseDecoder.Event e : decoder.feed(chunk)) {
        if (!e.data().isEmpty() && !e.data().equals("[DONE]")) {
          try {
            read(JSON.getFactory().createParser(e.data()));
          } catch (IOException ex) {
            // not JSON: nothing to count
          }
        }
      }
      return chunk;
    }
    if (endOfStream && whole.size() == 0 && status < 400) {
      read(chunk); // a buffered answer: the whole body in one piece
      return chunk;
    }
    whole.writeBytes(chunk);
    if (status >= 400) {
      return endOfStream ? error(whole.toByteArray()) : new byte[0];
    }
    if (endOfStream) {
      read(whole.toByteArray());
    }
    return chunk;
  }

  private void read(byte[] json) {
    try {
      read(JSON.getFactory().createParser(json));
    } catch (IOException e) {
      // not JSON: nothing to count
    }
  }

  /**
   * Model and usage from a whole answer or one chunk; usage reported again supersedes. Reads only
   * the top-level {@code model} and {@code usage} and skips the rest (the choices) unparsed.
   */
  private void read(JsonParser p) {
    try (p) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("model") && value == JsonToken.VALUE_STRING) {
          String m = p.getText();
          if (!m.isEmpty()) {
            model = m;
          }
        } else if (name.equals("usage") && value == JsonToken.START_OBJECT) {
          try {
            usage = usage.max(JSON.readValue(p, Usage.class).toTokenUsage());
          } catch (IOException | IllegalArgumentException e) {
            return; // usage we cannot read is not counted; the answer still goes through
          }
        } else {
          p.skipChildren();
        }
      }
    } catch (IOException e) {
      // a broken answer passes through as it is; what was read so far counts
    }
  }

  private byte[] error(byte[] body) {
    JsonNode root = parse(body);
    if (root != null && root.path("error").isObject()) {
      ObjectNode err = (ObjectNode) root.get("error");
      if (!err.hasNonNull("type")) {
        err.put("type", ErrorFormats.openAiType(status));
      }
      if (!err.has("param")) {
        err.putNull("param");
      }
      if (!err.hasNonNull("message")) {
        err.put("message", upstreamName + " returned HTTP " + status);
      }
      try {
        return JSON.writeValueAsBytes(root);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    String text = new String(body, StandardCharsets.UTF_8).trim();
    String message = upstreamName + " returned HTTP " + status + (text.isEmpty() ? ""
        : ": " + (text.length() > 500 ? text.substring(0, 500) : text));
    return ErrorFormats.render(ClientApi.OPENAI, status, ErrorFormats.openAiType(status), message);
  }

  private static JsonNode parse(byte[] bytes) {
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public TokenUsage usage() {
    return usage;
  }

  @Override
  public String responseModel() {
    return model;
  }
}
