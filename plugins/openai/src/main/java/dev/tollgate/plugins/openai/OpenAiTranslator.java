package dev.tollgate.plugins.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.ErrorFormats;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.SseDecoder;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.anthropic.AnthropicChatBridge;
import dev.tollgate.api.openai.Usage;
import dev.tollgate.api.spi.ProviderTranslator;
import dev.tollgate.api.spi.ResponseHead;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.pf4j.Extension;

/**
 * Schema {@code OpenAI}: the request goes upstream as the client sent it (only the model is
 * replaced when the backend overrides it); answers come back unchanged while their usage is
 * read, from the whole body or from the SSE chunk that carries it
 * ({@code stream_options.include_usage}). The schema version, when set, replaces the {@code v1}
 * path prefix (e.g. {@code api/v1} for gateways that mount the API elsewhere).
 *
 * <p>Anthropic Messages clients ({@code /v1/messages}) are served too: their request becomes a chat
 * completions request (see {@link AnthropicChatBridge}), their Anthropic headers
 * ({@code x-api-key}, {@code anthropic-version}, {@code anthropic-beta}) and {@code accept-encoding}
 * are not sent on, and the answer comes back as an Anthropic message, Anthropic stream events or
 * an Anthropic error with the upstream's status.
 */
@Extension
public final class OpenAiTranslator implements ProviderTranslator {
  static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public String schema() {
    return "OpenAI";
  }

  @Override
  public boolean supports(Endpoint endpoint) {
    return endpoint == Endpoint.CHAT_COMPLETIONS || endpoint == Endpoint.COMPLETIONS
        || endpoint == Endpoint.EMBEDDINGS || endpoint == Endpoint.MESSAGES;
  }

  @Override
  public Exchange start(ClientRequest request, BackendTarget backend) throws GatewayException {
    String upstreamModel = backend.upstreamModel(request.model());
    if (request.endpoint() == Endpoint.MESSAGES) {
      ObjectNode chat = AnthropicChatBridge.toChatRequest(request.parsed(), upstreamModel);
      String path = versioned(Endpoint.CHAT_COMPLETIONS.path(), backend);
      return AnthropicChatBridge.exchange(AnthropicChatBridge.upstreamRequest(path, chat), upstreamModel);
    }
    byte[] body = request.body();
    if (!upstreamModel.equals(request.model())) {
      ObjectNode json = request.json();
      json.put("model", upstreamModel);
      try {
        body = JSON.writeValueAsBytes(json);
      } catch (IOException e) {
        throw new GatewayException(500, "server_error", "cannot write the request body");
      }
    }
    String path = versioned(request.endpoint().path(), backend);
    UpstreamRequest upstream = UpstreamRequest.post(path, Headers.of("content-type", "application/json"), body);
    return new PassthroughExchange(upstream, upstreamModel);
  }

  /** {@code /v1/...} with the schema version, when set, in place of {@code v1}. */
  private static String versioned(String path, BackendTarget backend) {
    if (backend.schemaVersion().isEmpty()) {
      return path;
    }
    return "/" + trimSlashes(backend.schemaVersion()) + path.substring("/v1".length());
  }

  private static String trimSlashes(String s) {
    return s.replaceAll("^/+|/+$", "");
  }

  /** Passes the answer on, reading its usage. */
  static final class PassthroughExchange implements Exchange {
    private final UpstreamRequest request;
    private String model;
    private TokenUsage usage = TokenUsage.NONE;
    private int status;
    private boolean sse;
    private SseDecoder decoder;
    private final ByteArrayOutputStream whole = new ByteArrayOutputStream();

    PassthroughExchange(UpstreamRequest request, String model) {
      this.request = request;
      this.model = model;
    }

    @Override
    public UpstreamRequest request() {
      return request;
    }

    @Override
    public ResponseHead onResponseHeaders(int status, Headers headers) {
      this.status = status;
      String ct = headers.get("content-type").orElse("");
      sse = status < 400 && ct.startsWith("text/event-stream");
      if (sse) {
        decoder = new SseDecoder();
        return ResponseHead.unchanged(true);
      }
      if (status >= 400 && !ct.contains("json")) {
        // A non-JSON error (e.g. a proxy's plain text): rewritten below, so the length changes.
        return new ResponseHead(Headers.of("content-type", "application/json"), Set.of("content-length"), false);
      }
      return ResponseHead.unchanged(false);
    }

    @Override
    public byte[] onResponseBody(byte[] chunk, boolean endOfStream) {
      if (sse) {
        for (SseDecoder.Event e : decoder.feed(chunk)) {
          readChunk(e.data());
        }
        return chunk;
      }
      whole.writeBytes(chunk);
      if (!endOfStream) {
        return chunk;
      }
      byte[] all = whole.toByteArray();
      JsonNode root = tryParse(all);
      if (status >= 400) {
        if (root != null && root.has("error")) {
          return chunk;
        }
        String text = new String(all, StandardCharsets.UTF_8).trim();
        String message = text.isEmpty() ? "upstream returned HTTP " + status : "upstream returned HTTP " + status + ": "
            + (text.length() > 500 ? text.substring(0, 500) : text);
        return ErrorFormats.render(dev.tollgate.api.ClientApi.OPENAI, status, ErrorFormats.openAiType(status), message);
      }
      if (root != null) {
        readUsage(root);
      }
      return chunk;
    }

    private void readChunk(String data) {
      if (data.isEmpty() || data.equals("[DONE]")) {
        return;
      }
      JsonNode root = tryParse(data.getBytes(StandardCharsets.UTF_8));
      if (root != null) {
        readUsage(root);
      }
    }

    private void readUsage(JsonNode root) {
      if (root.hasNonNull("model")) {
        model = root.get("model").asText();
      }
      JsonNode u = root.get("usage");
      if (u != null && u.isObject()) {
        try {
          usage = usage.max(JSON.treeToValue(u, Usage.class).toTokenUsage());
        } catch (IOException | IllegalArgumentException e) {
          // usage we cannot read is not counted; the answer still goes through
        }
      }
    }

    private static JsonNode tryParse(byte[] bytes) {
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
}
