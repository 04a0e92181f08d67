package dev.tollgate.toolkit.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamError;
import dev.tollgate.toolkit.ErrorFormats;
import dev.tollgate.toolkit.JsonSupport;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes an OpenAI {@code chat.completion.chunk} stream as server-sent events, for translators
 * whose upstream streams in another shape: every chunk carries the stream's id, creation time and
 * model; the usage chunk (empty {@code choices}) only when the client asked for it with
 * {@code stream_options.include_usage}; {@code data: [DONE]} at the end. Not thread-safe.
 */
public final class ChatChunkWriter {
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);

  private final String id;
  private final long created;
  private final boolean includeUsage;
  private String model;

  /**
   * @param id           the completion id, e.g. {@link #newCompletionId()}
   * @param created      creation time, epoch seconds
   * @param model        the model, until {@link #model(String)} names the one that answered
   * @param includeUsage whether the client asked for a usage chunk
   */
  public ChatChunkWriter(String id, long created, String model, boolean includeUsage) {
    this.id = id;
    this.created = created;
    this.model = model;
    this.includeUsage = includeUsage;
  }

  /** A fresh {@code chatcmpl-...} id: unique, not secret. */
  public static String newCompletionId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return "chatcmpl-" + new UUID(random.nextLong(), random.nextLong()).toString().replace("-", "");
  }

  /** The completion id every chunk carries. */
  public String id() {
    return id;
  }

  /** The creation time every chunk carries, epoch seconds. */
  public long created() {
    return created;
  }

  /** The model later chunks name. */
  public void model(String answered) {
    if (answered != null && !answered.isBlank()) {
      model = answered;
    }
  }

  /** The first chunk of a choice: {@code {"role":"assistant","content":""}}. */
  public byte[] role(int choice) {
    ObjectNode delta = JsonSupport.object();
    delta.put("role", "assistant");
    delta.put("content", "");
    return chunk(choice, delta, null);
  }

  /** Text for a choice. */
  public byte[] text(int choice, String text) {
    ObjectNode delta = JsonSupport.object();
    delta.put("content", text);
    return chunk(choice, delta, null);
  }

  /**
   * Reasoning text for a choice, as {@code delta.reasoning_content} (see
   * {@link dev.tollgate.toolkit.PivotExtensions}); nothing for empty text.
   */
  public byte[] reasoning(int choice, String text) {
    if (text == null || text.isEmpty()) {
      return new byte[0];
    }
    ObjectNode delta = JsonSupport.object();
    delta.put(dev.tollgate.toolkit.PivotExtensions.REASONING_CONTENT, text);
    return chunk(choice, delta, null);
  }

  /** One whole reasoning block of a choice, as {@code delta.thinking_blocks} (see {@link dev.tollgate.toolkit.PivotExtensions}). */
  public byte[] thinkingBlock(int choice, ObjectNode block) {
    ObjectNode delta = JsonSupport.object();
    delta.putArray(dev.tollgate.toolkit.PivotExtensions.THINKING_BLOCKS).add(block);
    return chunk(choice, delta, null);
  }

  /**
   * A thinking block: {@code {"type":"thinking","thinking":..,"signature":..}}, or
   * {@code {"type":"redacted_thinking","data":..}} when {@code redactedData} is not null.
   */
  public static ObjectNode thinkingBlockOf(String thinking, String signature, String redactedData) {
    if (redactedData != null) {
      return JsonSupport.object().put("type", "redacted_thinking").put("data", redactedData);
    }
    return JsonSupport.object().put("type", "thinking").put("thinking", thinking).put("signature", signature);
  }

  /** The start of tool call {@code index} of a choice, with its id, function name and first arguments. */
  public byte[] toolCall(int choice, int index, String callId, String name, String arguments) {
    ObjectNode delta = JsonSupport.object();
    ObjectNode call = delta.putArray("tool_calls").addObject();
    call.put("index", index);
    call.put("id", callId);
    call.put("type", "function");
    call.putObject("function").put("name", name).put("arguments", arguments);
    return chunk(choice, delta, null);
  }

  /** More arguments of tool call {@code index}. */
  public byte[] toolArguments(int choice, int index, String fragment) {
    ObjectNode delta = JsonSupport.object();
    ObjectNode call = delta.putArray("tool_calls").addObject();
    call.put("index", index);
    call.putObject("function").put("arguments", fragment);
    return chunk(choice, delta, null);
  }

  /** The last chunk of a choice: an empty delta with its finish reason. */
  public byte[] finish(int choice, String finishReason) {
    return chunk(choice, JsonSupport.object(), finishReason);
  }

  /** The usage chunk, when the client asked for one and the usage is known; else nothing. */
  public byte[] usage(TokenUsage usage) {
    if (!includeUsage || !usage.isKnown()) {
      return new byte[0];
    }
    ObjectNode c = base();
    c.putArray("choices");
    c.set("usage", JsonSupport.MAPPER.valueToTree(Usage.from(usage)));
    return event(c);
  }

  /** {@code data: [DONE]}. */
  public byte[] done() {
    return DONE.clone();
  }

  /**
   * Any chunk: one choice with {@code delta}, {@code logprobs} null (as OpenAI streams it; its
   * schema requires only delta, index and finish_reason) and a finish reason (null while it goes on).
   */
  public byte[] chunk(int choice, ObjectNode delta, String finishReason) {
    ObjectNode c = base();
    ObjectNode ch = c.putArray("choices").addObject();
    ch.put("index", choice);
    ch.set("delta", delta);
    ch.putNull("logprobs");
    if (finishReason == null) {
      ch.putNull("finish_reason");
    } else {
      ch.put("finish_reason", finishReason);
    }
    return event(c);
  }

  /**
   * An error that ends the stream, as OpenAI streams one: {@code data: {"error":{..}}} then
   * {@code data: [DONE]}.
   *
   * @param code the error's code, e.g. the upstream's exception name; null for the status
   */
  public static byte[] error(int status, String code, String message) {
    return ErrorFormats.streamError(ClientApi.OPENAI, status, new UpstreamError(null, message, code));
  }

  private ObjectNode base() {
    ObjectNode c = JsonSupport.object();
    c.put("id", id);
    c.put("object", "chat.completion.chunk");
    c.put("created", created);
    c.put("model", model);
    return c;
  }

  private static byte[] event(ObjectNode json) {
    return ("data: " + JsonSupport.string(json) + "\n\n").getBytes(StandardCharsets.UTF_8);
  }
}
