package dev.tollgate.plugins.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.ResponseHead;
import dev.tollgate.toolkit.AbstractExchange;
import dev.tollgate.toolkit.EventStreamLengthGuard;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.UpstreamErrors;
import dev.tollgate.toolkit.openai.ChatChunkWriter;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.eventstream.HeaderType;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;
import software.amazon.awssdk.eventstream.MessageDecoder;

/**
 * A ConverseStream exchange: the answer is a sequence of binary AWS event-stream frames, each one
 * event ({@code messageStart}, {@code contentBlockStart}, {@code contentBlockDelta},
 * {@code contentBlockStop}, {@code messageStop}, {@code metadata}) or an exception. Each event
 * becomes zero or one OpenAI {@code chat.completion.chunk} (reasoning deltas as
 * {@code delta.reasoning_content}, a reasoning block whole as {@code delta.thinking_blocks} once
 * its signature came); an exception becomes an OpenAI error
 * event; the stream always ends with {@code data: [DONE]}. A stream that ends before
 * {@code messageStop} (the connection dropped) ends with an error event first, so the client
 * cannot take it for the whole answer ({@code metadata}, which follows {@code messageStop}, may
 * be missing). Frames may be split across body pieces
 * at any byte: partial frames are held back until complete; a frame announcing more than
 * {@link EventStreamLengthGuard#DEFAULT_MAX_FRAME_BYTES} is refused before the decoder allocates it
 * (an error event). A success that is not an event
 * stream (JSON) cannot be a stream for the client: it is a 502.
 */
final class ConverseStreamExchange extends AbstractExchange {
  private final ChatChunkWriter chunks;
  private final List<Message> decoded = new ArrayList<>();
  private final MessageDecoder decoder = new MessageDecoder(decoded::add);
  private final EventStreamLengthGuard guard = new EventStreamLengthGuard();
  private final Map<Integer, Integer> toolIndexByBlock = new HashMap<>();
  /** The reasoning text of each block so far, by block index, until its signature comes. */
  private final Map<Integer, StringBuilder> reasoningByBlock = new HashMap<>();
  private boolean finished;
  /** Whether {@code messageStop} came: the answer is complete. */
  private boolean stopped;

  ConverseStreamExchange(UpstreamRequest request, String model, String id, long created, boolean includeUsage) {
    super(request, model);
    this.chunks = new ChatChunkWriter(id, created, model, includeUsage);
  }

  @Override
  protected boolean isStream(Headers headers) {
    return !headers.get("content-type").orElse("").contains("json");
  }

  @Override
  protected ResponseHead streamHead() {
    return new ResponseHead(Headers.of("content-type", "text/event-stream", "cache-control", "no-cache"),
        Set.of("content-length"), true);
  }

  @Override
  protected byte[] onWhole(byte[] body) throws GatewayException {
    throw new GatewayException(502, "server_error", "AWS Bedrock answered a stream request without an event stream");
  }

  @Override
  protected byte[] onStreamPiece(byte[] chunk, boolean endOfStream) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (!finished && chunk.length > 0) {
      String corrupt = null;
      int accepted = guard.accept(chunk);
      try {
        decoder.feed(chunk, 0, accepted);
      } catch (RuntimeException e) {
        corrupt = e.getMessage(); // a corrupt frame (bad length or CRC): nothing after it can be trusted
      }
      if (corrupt == null && guard.refusal() != null) {
        corrupt = guard.refusal(); // refused before the decoder allocates what it announced
      }
      // the frames whole before a corrupt one still count, as they would in an earlier piece
      for (Message m : decoded) {
        if (!finished) {
          out.writeBytes(translate(m));
        }
      }
      decoded.clear();
      if (corrupt != null && !finished) {
        out.writeBytes(ChatChunkWriter.error(502, "bad_upstream_stream",
            "the AWS Bedrock event stream could not be decoded: " + corrupt));
        finished = true;
      }
    }
    if (endOfStream && !finished) {
      finished = true;
      out.writeBytes(stopped ? chunks.done() : ChatChunkWriter.error(502, "stream_cut_short",
          "AWS Bedrock's stream ended before the answer was complete"));
    }
    return out.toByteArray();
  }

  private byte[] translate(Message m) {
    String messageType = header(m, ":message-type", "event");
    if (!messageType.equals("event")) {
      finished = true;
      if (messageType.equals("exception")) {
        String type = header(m, ":exception-type", "exception");
        int status = exceptionStatus(type);
        return ChatChunkWriter.error(status, type, UpstreamErrors.read(ClientApi.OPENAI, status, Headers.empty(), m.getPayload()).message());
      }
      String code = header(m, ":error-code", "error");
      return ChatChunkWriter.error(exceptionStatus(code), code,
          header(m, ":error-message", "AWS Bedrock reported an error in the stream"));
    }
    JsonNode payload = JsonSupport.tryParse(m.getPayload());
    if (payload == null) {
      return NOTHING;
    }
    int block = payload.path("contentBlockIndex").asInt();
    return switch (header(m, ":event-type", "")) {
      case "messageStart" -> chunks.role(0);
      case "contentBlockStart" -> {
        JsonNode toolUse = payload.path("start").path("toolUse");
        if (toolUse.isMissingNode()) {
          yield NOTHING;
        }
        int index = toolIndexByBlock.size();
        toolIndexByBlock.put(block, index);
        yield chunks.toolCall(0, index, toolUse.path("toolUseId").asText(), toolUse.path("name").asText(), "");
      }
      case "contentBlockDelta" -> {
        JsonNode d = payload.path("delta");
        Integer index = toolIndexByBlock.get(block);
        if (d.has("text")) {
          yield chunks.text(0, d.get("text").asText());
        }
        if (d.has("reasoningContent")) {
          // the text as reasoning_content; with the signature the whole block as thinking_blocks
          JsonNode rc = d.get("reasoningContent");
          if (rc.has("signature")) {
            StringBuilder text = reasoningByBlock.remove(block);
            yield chunks.thinkingBlock(0, ChatChunkWriter.thinkingBlockOf(text == null ? "" : text.toString(),
                rc.path("signature").asText(), null));
          }
          if (rc.has("redactedContent")) {
            yield chunks.thinkingBlock(0, ChatChunkWriter.thinkingBlockOf(null, null, rc.path("redactedContent").asText()));
          }
          String text = rc.path("text").asText("");
          reasoningByBlock.computeIfAbsent(block, b -> new StringBuilder()).append(text);
          yield chunks.reasoning(0, text);
        }
        // citation deltas have no OpenAI counterpart
        yield d.has("toolUse") && index != null ? chunks.toolArguments(0, index, d.get("toolUse").path("input").asText(""))
            : NOTHING;
      }
      case "messageStop" -> {
        stopped = true;
        yield chunks.finish(0, ConverseResponseMapper.finishReason(payload.path("stopReason").asText(null)));
      }
      case "metadata" -> {
        count(ConverseResponseMapper.usage(payload.get("usage")));
        yield chunks.usage(usage());
      }
      default -> NOTHING; // contentBlockStop and events added later
    };
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
    // a header of another type (a malformed frame) is as good as none: getString() would throw
    return v == null || v.getType() != HeaderType.STRING ? fallback : v.getString();
  }
}
