package com.example.tollgate.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.toolkit.AbstractExchange;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.openai.ChatChunkWriter;
import dev.tollgate.toolkit.openai.Usage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Ollama's answer for an OpenAI client: a whole {@code /api/chat} answer becomes a chat
 * completion; a stream (newline-delimited JSON, one object a line, the last with
 * {@code "done":true} and the token counts) becomes {@code chat.completion.chunk} events. A stream
 * that ends before its {@code "done":true} line (the connection dropped) ends with an error event,
 * so the client cannot take it for the whole answer.
 * Errors are the platform's: it reads Ollama's {@code {"error":"..."}} itself.
 */
final class OllamaExchange extends AbstractExchange {
  private final ChatChunkWriter chunks;
  /** Bytes of a line not yet ended. */
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private boolean started;
  private boolean finished;
  /** Whether the {@code "done":true} line came: the answer is complete. */
  private boolean done;

  OllamaExchange(UpstreamRequest request, String model, ChatChunkWriter chunks) {
    super(request, model);
    this.chunks = chunks;
  }

  @Override
  protected boolean isStream(Headers headers) {
    return headers.get("content-type").orElse("").startsWith("application/x-ndjson");
  }

  @Override
  protected byte[] onWhole(byte[] body) throws GatewayException {
    JsonNode answer = JsonSupport.tryParse(body);
    if (answer == null || !answer.has("message")) {
      throw new GatewayException(502, "server_error", "Ollama answered with something that is not a chat answer");
    }
    read(answer);
    ObjectNode out = JsonSupport.object();
    out.put("id", chunks.id());
    out.put("object", "chat.completion");
    out.put("created", chunks.created());
    out.put("model", model());
    ObjectNode choice = out.putArray("choices").addObject();
    choice.put("index", 0);
    choice.putObject("message").put("role", "assistant").put("content", answer.path("message").path("content").asText())
        .putNull("refusal");
    choice.putNull("logprobs");
    choice.put("finish_reason", finishReason(answer));
    out.set("usage", JsonSupport.MAPPER.valueToTree(Usage.from(usage())));
    return JsonSupport.bytes(out);
  }

  @Override
  protected byte[] onStreamPiece(byte[] chunk, boolean endOfStream) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte b : chunk) {
      if (b == '\n') {
        out.writeBytes(onLine(line.toString(StandardCharsets.UTF_8)));
        line.reset();
      } else {
        line.write(b);
      }
    }
    if (endOfStream) {
      out.writeBytes(onLine(line.toString(StandardCharsets.UTF_8)));
      out.writeBytes(end());
    }
    return out.toByteArray();
  }

  private byte[] onLine(String text) {
    JsonNode event = text.isBlank() || finished ? null : JsonSupport.tryParse(text);
    if (event == null) {
      return NOTHING;
    }
    if (event.hasNonNull("error")) {
      finished = true;
      return ChatChunkWriter.error(500, null, "Ollama: " + event.get("error").asText());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (!started) {
      started = true;
      out.writeBytes(chunks.role(0));
    }
    String content = event.path("message").path("content").asText("");
    if (!content.isEmpty()) {
      out.writeBytes(chunks.text(0, content));
    }
    if (event.path("done").asBoolean(false)) {
      done = true;
      read(event);
      out.writeBytes(chunks.finish(0, finishReason(event)));
    }
    return out.toByteArray();
  }

  /**
   * The end of the client's stream, once: usage (when asked for) and [DONE]; an error event and
   * [DONE] when the answer was not complete.
   */
  private byte[] end() {
    if (finished) {
      return NOTHING;
    }
    finished = true;
    if (!done) {
      return ChatChunkWriter.error(502, "stream_cut_short", "Ollama's stream ended before the answer was complete");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(chunks.usage(usage()));
    out.writeBytes(chunks.done());
    return out.toByteArray();
  }

  private void read(JsonNode answer) {
    answeredBy(answer.path("model").asText(null));
    chunks.model(model());
    count(TokenUsage.of(answer.path("prompt_eval_count").asLong(0), answer.path("eval_count").asLong(0)));
  }

  private static String finishReason(JsonNode answer) {
    return "length".equals(answer.path("done_reason").asText()) ? "length" : "stop";
  }
}
