package dev.tollgate.plugins.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ErrorFormats;
import dev.tollgate.api.Headers;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.openai.Usage;
import dev.tollgate.api.spi.ProviderTranslator;
import dev.tollgate.api.spi.ResponseHead;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;
import software.amazon.awssdk.eventstream.MessageDecoder;

/**
 * A ConverseStream exchange: the answer is a sequence of binary AWS event-stream frames, each one
 * event ({@code messageStart}, {@code contentBlockStart}, {@code contentBlockDelta},
 * {@code contentBlockStop}, {@code messageStop}, {@code metadata}) or an exception. Each event
 * becomes zero or one OpenAI {@code chat.completion.chunk} SSE event; the stream always ends with
 * {@code data: [DONE]}. Frames may be split across body pieces at any byte: partial frames are
 * held back until complete. Error answers (HTTP status >= 400) arrive whole as JSON and are
 * translated like a Converse error.
 */
final class ConverseStreamExchange implements ProviderTranslator.Exchange {
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);

  private final UpstreamRequest request;
  private final String model;
  private final String id;
  private final long created;
  private final boolean includeUsage;

  private int status;
  private Headers headers = Headers.empty();
  private boolean eventStream;
  private final List<Message> decoded = new ArrayList<>();
  private final MessageDecoder decoder = new MessageDecoder(decoded::add);
  private final ByteArrayOutputStream whole = new ByteArrayOutputStream();
  private final Map<Integer, Integer> toolIndexByBlock = new HashMap<>();
  private TokenUsage usage = TokenUsage.NONE;
  private boolean finished;

  ConverseStreamExchange(UpstreamRequest request, String model, String id, long created, boolean includeUsage) {
    this.request = request;
    this.model = model;
    this.id = id;
    this.created = created;
    this.includeUsage = includeUsage;
  }

  @Override
  public UpstreamRequest request() {
    return request;
  }

  @Override
  public ResponseHead onResponseHeaders(int status, Headers headers) {
    this.status = status;
    this.headers = headers;
    String ct = headers.get("content-type").orElse("");
    eventStream = status < 400 && !ct.contains("json");
    if (eventStream) {
      return new ResponseHead(Headers.of("content-type", "text/event-stream", "cache-control", "no-cache"),
          Set.of("content-length"), true);
    }
    return new ResponseHead(Headers.of("content-type", "application/json"), Set.of("content-length"), false);
  }

  @Override
  public byte[] onResponseBody(byte[] chunk, boolean endOfStream) {
    if (!eventStream) {
      whole.writeBytes(chunk);
      if (!endOfStream) {
        return new byte[0];
      }
      byte[] all = whole.toByteArray();
      return status >= 400 ? ConverseResponseMapper.error(status, headers, all)
          : ConverseResponseMapper.errorJson(502, null, "AWS Bedrock answered a stream request without an event stream");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (!finished && chunk.length > 0) {
      try {
        decoder.feed(chunk);
      } catch (RuntimeException e) {
        // a corrupt frame (bad length or CRC): nothing after it can be trusted
        out.writeBytes(errorChunk(502, "bad_upstream_stream",
            "the AWS Bedrock event stream could not be decoded: " + e.getMessage()));
        finished = true;
      }
      for (Message m : decoded) {
        if (!finished) {
          out.writeBytes(translate(m));
        }
      }
      decoded.clear();
    }
    if (endOfStream && !finished) {
      finished = true;
      out.writeBytes(DONE);
    }
    return out.toByteArray();
  }

  private byte[] translate(Message m) {
    String messageType = header(m, ":message-type", "event");
    if (!messageType.equals("event")) {
      String type = messageType.equals("exception") ? header(m, ":exception-type", "exception")
          : header(m, ":error-code", "error");
      String message = messageType.equals("exception") ? exceptionMessage(m.getPayload())
          : header(m, ":error-message", "AWS Bedrock reported an error in the stream");
      finished = true;
      return errorChunk(exceptionStatus(type), type, message);
    }
    JsonNode payload;
    try {
      payload = ConverseResponseMapper.JSON.readTree(m.getPayload());
    } catch (IOException e) {
      return new byte[0];
    }
    if (payload == null) {
      return new byte[0];
    }
    return switch (header(m, ":event-type", "")) {
      case "messageStart" -> {
        ObjectNode delta = ConverseResponseMapper.JSON.createObjectNode();
        delta.put("role", payload.path("role").asText("assistant"));
        delta.put("content", "");
        yield chunk(delta, null);
      }
      case "contentBlockStart" -> {
        JsonNode toolUse = payload.path("start").path("toolUse");
        if (toolUse.isMissingNode()) {
          yield new byte[0];
        }
        int index = toolIndexByBlock.size();
        toolIndexByBlock.put(payload.path("contentBlockIndex").asInt(), index);
        ObjectNode delta = ConverseResponseMapper.JSON.createObjectNode();
        ObjectNode call = delta.putArray("tool_calls").addObject();
        call.put("index", index);
        call.put("id", toolUse.path("toolUseId").asText());
        call.put("type", "function");
        call.putObject("function").put("name", toolUse.path("name").asText()).put("arguments", "");
        yield chunk(delta, null);
      }
      case "contentBlockDelta" -> {
        JsonNode d = payload.path("delta");
        ObjectNode delta = ConverseResponseMapper.JSON.createObjectNode();
        if (d.has("text")) {
          delta.put("content", d.get("text").asText());
        } else if (d.has("toolUse")) {
          Integer index = toolIndexByBlock.get(payload.path("contentBlockIndex").asInt());
          if (index == null) {
            yield new byte[0];
          }
          ObjectNode call = delta.putArray("tool_calls").addObject();
          call.put("index", index);
          call.putObject("function").put("arguments", d.get("toolUse").path("input").asText(""));
        } else {
          yield new byte[0]; // reasoning and citation deltas have no OpenAI counterpart
        }
        yield chunk(delta, null);
      }
      case "messageStop" -> chunk(ConverseResponseMapper.JSON.createObjectNode(),
          ConverseResponseMapper.finishReason(payload.path("stopReason").asText(null)));
      case "metadata" -> {
        usage = usage.max(ConverseResponseMapper.usage(payload.get("usage")));
        yield includeUsage && usage.isKnown() ? usageChunk() : new byte[0];
      }
      default -> new byte[0]; // contentBlockStop and events added later
    };
  }

  private byte[] chunk(ObjectNode delta, String finishReason) {
    ObjectNode c = base();
    ObjectNode choice = c.putArray("choices").addObject();
    choice.put("index", 0);
    choice.set("delta", delta);
    if (finishReason == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finishReason);
    }
    return sse(c);
  }

  private byte[] usageChunk() {
    ObjectNode c = base();
    c.putArray("choices");
    c.set("usage", ConverseResponseMapper.JSON.valueToTree(Usage.from(usage)));
    return sse(c);
  }

  private ObjectNode base() {
    ObjectNode c = ConverseResponseMapper.JSON.createObjectNode();
    c.put("id", id);
    c.put("object", "chat.completion.chunk");
    c.put("created", created);
    c.put("model", model);
    return c;
  }

  private static byte[] sse(ObjectNode json) {
    return ("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  /** An OpenAI-style error event, then the end of the stream. */
  private static byte[] errorChunk(int status, String code, String message) {
    ObjectNode root = ConverseResponseMapper.JSON.createObjectNode();
    ObjectNode err = root.putObject("error");
    err.put("message", message);
    err.put("type", ErrorFormats.openAiType(status));
    err.putNull("param");
    err.put("code", code);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(sse(root));
    out.writeBytes(DONE);
    return out.toByteArray();
  }

  private static String exceptionMessage(byte[] payload) {
    try {
      JsonNode root = ConverseResponseMapper.JSON.readTree(payload);
      if (root != null && root.hasNonNull("message")) {
        return root.get("message").asText();
      }
    } catch (IOException e) {
      // fall through
    }
    String text = new String(payload, StandardCharsets.UTF_8).trim();
    return text.isEmpty() ? "AWS Bedrock reported an error in the stream" : text;
  }

  /** The HTTP status AWS documents for each ConverseStream exception. */
  static int exceptionStatus(String type) {
    return switch (type) {
      case "validationException" -> 400;
      case "throttlingException" -> 429;
      case "modelStreamErrorException" -> 424;
      case "serviceUnavailableException" -> 503;
      default -> 500;
    };
  }

  private static String header(Message m, String name, String fallback) {
    HeaderValue v = m.getHeaders().get(name);
    return v == null ? fallback : v.getString();
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
