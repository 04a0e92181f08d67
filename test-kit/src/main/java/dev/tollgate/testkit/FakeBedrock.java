package dev.tollgate.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.testkit.FakeUpstream.Answer;
import dev.tollgate.testkit.FakeUpstream.Received;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.zip.CRC32;

/**
 * An AWS Bedrock Runtime upstream: answers in Bedrock's own shapes (Converse JSON, ConverseStream
 * binary event-stream frames, InvokeModel for Titan embeddings, AWS error JSON with
 * {@code x-amzn-errortype}). The event-stream encoder is written here from the format's
 * description (prelude with total and header lengths and a CRC32, string headers, payload, message
 * CRC32), so the test kit needs no AWS library; a test may plug in its own {@link RequestCheck}
 * (e.g. a SigV4 verifier built on the AWS SDK).
 */
public final class FakeBedrock {
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String EVENT_STREAM = "application/vnd.amazon.eventstream";

  private FakeBedrock() {
  }

  /** Checks a received request; returns null when it is acceptable, else the reason to refuse it. */
  @FunctionalInterface
  public interface RequestCheck {
    String problem(Received request);

    RequestCheck NONE = r -> null;
  }

  /**
   * A handler that refuses requests failing {@code check} with 403 {@code InvalidSignatureException}
   * (as AWS does for a bad signature) and otherwise answers with {@code answers}.
   */
  public static Function<Received, Answer> handler(RequestCheck check, Function<Received, Answer> answers) {
    return r -> {
      String problem = check.problem(r);
      if (problem != null) {
        return error(403, "InvalidSignatureException", problem);
      }
      return answers.apply(r);
    };
  }

  /** An AWS error answer: {@code {"message":...}} with {@code x-amzn-errortype}. */
  public static Answer error(int status, String errorType, String message) {
    ObjectNode body = JSON.createObjectNode().put("message", message);
    return new Answer(status, Map.of("content-type", "application/json",
        "x-amzn-errortype", errorType + ":http://internal.amazon.com/coral/com.amazon.bedrock/",
        "x-amzn-requestid", "fake-request-id"), List.of(body.toString().getBytes(StandardCharsets.UTF_8)));
  }

  /** A Converse answer with this JSON body. */
  public static Answer converse(String json) {
    return new Answer(200, Map.of("content-type", "application/json", "x-amzn-requestid", "fake-request-id"),
        List.of(json.getBytes(StandardCharsets.UTF_8)));
  }

  /** A Converse answer holding one text block. */
  public static Answer converseText(String text, String stopReason, int inputTokens, int outputTokens) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode message = root.putObject("output").putObject("message");
    message.put("role", "assistant");
    message.putArray("content").addObject().put("text", text);
    root.put("stopReason", stopReason);
    root.set("usage", usage(inputTokens, outputTokens, 0));
    root.putObject("metrics").put("latencyMs", 42);
    return converse(root.toString());
  }

  /** Converse {@code usage}; {@code totalTokens} counts the cache reads too. */
  public static ObjectNode usage(int inputTokens, int outputTokens, int cacheReadInputTokens) {
    ObjectNode u = JSON.createObjectNode();
    u.put("inputTokens", inputTokens).put("outputTokens", outputTokens)
        .put("totalTokens", inputTokens + outputTokens + cacheReadInputTokens);
    if (cacheReadInputTokens > 0) {
      u.put("cacheReadInputTokens", cacheReadInputTokens).put("cacheWriteInputTokens", 0);
    }
    return u;
  }

  /** An InvokeModel answer of a Titan text embeddings model. */
  public static Answer titanEmbedding(double[] vector, int tokens) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode e = root.putArray("embedding");
    for (double v : vector) {
      e.add(v);
    }
    root.put("inputTextTokenCount", tokens);
    return converse(root.toString());
  }

  /** A ConverseStream answer: one piece per frame (the proxy may split them further). */
  public static Answer stream(List<byte[]> frames) {
    return new Answer(200, Map.of("content-type", EVENT_STREAM, "x-amzn-requestid", "fake-request-id"), frames);
  }

  /** Frames of a streamed text answer: messageStart, one delta per piece, stops and usage metadata. */
  public static List<byte[]> textStream(List<String> deltas, String stopReason, int inputTokens, int outputTokens) {
    List<byte[]> out = new ArrayList<>();
    out.add(event("messageStart", JSON.createObjectNode().put("role", "assistant")));
    for (String d : deltas) {
      ObjectNode e = JSON.createObjectNode().put("contentBlockIndex", 0);
      e.putObject("delta").put("text", d);
      out.add(event("contentBlockDelta", e));
    }
    out.add(event("contentBlockStop", JSON.createObjectNode().put("contentBlockIndex", 0)));
    out.add(event("messageStop", JSON.createObjectNode().put("stopReason", stopReason)));
    out.add(metadata(inputTokens, outputTokens, 0));
    return out;
  }

  /** A {@code metadata} event with usage and metrics. */
  public static byte[] metadata(int inputTokens, int outputTokens, int cacheReadInputTokens) {
    ObjectNode m = JSON.createObjectNode();
    m.set("usage", usage(inputTokens, outputTokens, cacheReadInputTokens));
    m.putObject("metrics").put("latencyMs", 42);
    return event("metadata", m);
  }

  /** One event frame; like Bedrock, the payload carries a {@code p} padding field. */
  public static byte[] event(String eventType, ObjectNode payload) {
    ObjectNode p = payload.deepCopy();
    p.put("p", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ".substring(0, 1 + Math.abs(eventType.hashCode()) % 30));
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(":event-type", eventType);
    headers.put(":content-type", "application/json");
    headers.put(":message-type", "event");
    return frame(headers, p.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** An exception frame, e.g. {@code throttlingException}. */
  public static byte[] exception(String exceptionType, String message) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(":exception-type", exceptionType);
    headers.put(":content-type", "application/json");
    headers.put(":message-type", "exception");
    return frame(headers, JSON.createObjectNode().put("message", message).toString().getBytes(StandardCharsets.UTF_8));
  }

  /** One AWS event-stream frame with string headers. */
  public static byte[] frame(Map<String, String> headers, byte[] payload) {
    ByteArrayOutputStream h = new ByteArrayOutputStream();
    headers.forEach((name, value) -> {
      byte[] n = name.getBytes(StandardCharsets.UTF_8);
      byte[] v = value.getBytes(StandardCharsets.UTF_8);
      h.write(n.length);
      h.writeBytes(n);
      h.write(7); // string
      h.write((v.length >>> 8) & 0xff);
      h.write(v.length & 0xff);
      h.writeBytes(v);
    });
    byte[] hb = h.toByteArray();
    int total = 12 + hb.length + payload.length + 4;
    ByteBuffer buf = ByteBuffer.allocate(total);
    buf.putInt(total).putInt(hb.length);
    buf.putInt((int) crc(buf.array(), 0, 8));
    buf.put(hb).put(payload);
    buf.putInt((int) crc(buf.array(), 0, total - 4));
    return buf.array();
  }

  private static long crc(byte[] b, int off, int len) {
    CRC32 c = new CRC32();
    c.update(b, off, len);
    return c.getValue();
  }

  /** All frames as one byte array. */
  public static byte[] concat(List<byte[]> frames) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    frames.forEach(out::writeBytes);
    return out.toByteArray();
  }

  /**
   * Bedrock's CountTokens ({@code POST /model/{modelId}/count-tokens}) for a Converse input:
   * {@code {"input":{"converse":{...}}}} holding {@code messages} (and only the members of a
   * ConverseTokensRequest) is answered {@code {"inputTokens": tokens}}; anything else is a 400
   * ValidationException, as Bedrock refuses it.
   */
  public static Function<Received, Answer> countTokens(int tokens) {
    java.util.Set<String> members = java.util.Set.of("messages", "system", "toolConfig", "additionalModelRequestFields");
    return r -> {
      if (!r.method().equals("POST") || !r.path().matches("/model/[^/]+/count-tokens")) {
        return error(404, "UnknownOperationException", "no operation at " + r.path());
      }
      com.fasterxml.jackson.databind.JsonNode body;
      try {
        body = JSON.readTree(r.body());
      } catch (java.io.IOException e) {
        return error(400, "ValidationException", "body is not JSON");
      }
      com.fasterxml.jackson.databind.JsonNode converse = body.path("input").path("converse");
      if (body.size() != 1 || body.path("input").size() != 1 || !converse.path("messages").isArray()
          || converse.path("messages").isEmpty()) {
        return error(400, "ValidationException", "input must hold exactly one of converse, invokeModel with messages");
      }
      for (var it = converse.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!members.contains(f)) {
          return error(400, "ValidationException", "input.converse." + f + " is not a member of ConverseTokensRequest");
        }
      }
      return converse("{\"inputTokens\":" + tokens + "}");
    };
  }

  /**
   * A Converse answer of a reasoning model: a {@code reasoningContent} block (its text and a
   * signature), then one text block; usage with prompt-cache reads and writes (Converse counts
   * them apart from {@code inputTokens}; {@code totalTokens} includes them).
   */
  public static Answer converseReasoning(String reasoning, String text, int inputTokens, int outputTokens,
                                         int cacheReadInputTokens, int cacheWriteInputTokens) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode message = root.putObject("output").putObject("message");
    message.put("role", "assistant");
    ArrayNode content = message.putArray("content");
    content.addObject().putObject("reasoningContent").putObject("reasoningText").put("text", reasoning)
        .put("signature", "ErcBCkgIBRABGAIiQFakeSignature");
    content.addObject().put("text", text);
    root.put("stopReason", "end_turn");
    ObjectNode u = root.putObject("usage");
    u.put("inputTokens", inputTokens).put("outputTokens", outputTokens)
        .put("totalTokens", inputTokens + outputTokens + cacheReadInputTokens + cacheWriteInputTokens)
        .put("cacheReadInputTokens", cacheReadInputTokens).put("cacheWriteInputTokens", cacheWriteInputTokens);
    root.putObject("metrics").put("latencyMs", 42);
    return converse(root.toString());
  }

  /** Frames of a streamed reasoning answer: reasoning deltas (then a signature delta) in block 0, text in block 1. */
  public static List<byte[]> reasoningStream(List<String> reasoning, List<String> text, int inputTokens,
                                             int outputTokens) {
    List<byte[]> out = new ArrayList<>();
    out.add(event("messageStart", JSON.createObjectNode().put("role", "assistant")));
    for (String r : reasoning) {
      ObjectNode e = JSON.createObjectNode().put("contentBlockIndex", 0);
      e.putObject("delta").putObject("reasoningContent").put("text", r);
      out.add(event("contentBlockDelta", e));
    }
    ObjectNode sig = JSON.createObjectNode().put("contentBlockIndex", 0);
    sig.putObject("delta").putObject("reasoningContent").put("signature", "ErcBCkgIBRABGAIiQFakeSignature");
    out.add(event("contentBlockDelta", sig));
    out.add(event("contentBlockStop", JSON.createObjectNode().put("contentBlockIndex", 0)));
    for (String t : text) {
      ObjectNode e = JSON.createObjectNode().put("contentBlockIndex", 1);
      e.putObject("delta").put("text", t);
      out.add(event("contentBlockDelta", e));
    }
    out.add(event("contentBlockStop", JSON.createObjectNode().put("contentBlockIndex", 1)));
    out.add(event("messageStop", JSON.createObjectNode().put("stopReason", "end_turn")));
    out.add(metadata(inputTokens, outputTokens, 0));
    return out;
  }
}
