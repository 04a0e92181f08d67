package dev.tollgate.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.testkit.FakeUpstream.Answer;
import dev.tollgate.testkit.FakeUpstream.Received;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * Claude as its three hosts serve it, checking the request shape each one requires:
 * <ul>
 *   <li>Anthropic: {@code POST /v1/messages}, {@code x-api-key} (when a key is given),
 *       {@code anthropic-version}, a body with {@code model}, {@code max_tokens} and {@code messages};</li>
 *   <li>Vertex AI: {@code .../publishers/anthropic/models/{model}:rawPredict|:streamRawPredict},
 *       no {@code model} in the body, {@code anthropic_version: vertex-2023-10-16};</li>
 *   <li>Bedrock: {@code /model/{id}/invoke|invoke-with-response-stream}, no {@code model} or
 *       {@code stream} in the body, {@code anthropic_version: bedrock-2023-05-31}; streamed answers
 *       are AWS event-stream frames ({@code chunk} events carrying base64 Anthropic events).</li>
 * </ul>
 * A wrong request gets the 400 (or 401) the real service would give, in its error shape. The
 * answer is a {@link Script}: a whole message and the events of the same answer streamed.
 */
public final class FakeAnthropic {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern VERTEX = Pattern.compile(
      "/v1/projects/[^/]+/locations/[^/]+/publishers/anthropic/models/([^/:]+):(rawPredict|streamRawPredict)");
  private static final Pattern BEDROCK = Pattern.compile("/model/([^/]+)/(invoke|invoke-with-response-stream)");

  private FakeAnthropic() {
  }

  /** One answer, whole and streamed: {@code message} is the JSON of a whole message, {@code events} the stream's event JSONs. */
  public record Script(String message, List<String> events) {
  }

  /**
   * A text answer in the shape of Anthropic's documented streaming example: message_start with the
   * input usage, a ping, one text block in two deltas, message_delta with stop_reason and output usage.
   */
  public static Script text(String model, String text1, String text2, int inputTokens, int cacheRead,
                            int outputTokens) {
    String usageStart = "{\"input_tokens\":" + inputTokens + ",\"cache_creation_input_tokens\":0,"
        + "\"cache_read_input_tokens\":" + cacheRead + ",\"output_tokens\":1}";
    String usageEnd = "{\"input_tokens\":" + inputTokens + ",\"cache_creation_input_tokens\":0,"
        + "\"cache_read_input_tokens\":" + cacheRead + ",\"output_tokens\":" + outputTokens + "}";
    String message = "{\"id\":\"msg_013Zva2CMHLNnXjNJJKqJ2EF\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\""
        + model + "\",\"content\":[{\"type\":\"text\",\"text\":" + quote(text1 + text2) + "}],"
        + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":" + usageEnd + "}";
    List<String> events = List.of(
        "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_013Zva2CMHLNnXjNJJKqJ2EF\",\"type\":\"message\","
            + "\"role\":\"assistant\",\"model\":\"" + model + "\",\"content\":[],\"stop_reason\":null,"
            + "\"stop_sequence\":null,\"usage\":" + usageStart + "}}",
        "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
        "{\"type\":\"ping\"}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":" + quote(text1) + "}}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":" + quote(text2) + "}}",
        "{\"type\":\"content_block_stop\",\"index\":0}",
        "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":"
            + "{\"output_tokens\":" + outputTokens + "}}",
        "{\"type\":\"message_stop\"}");
    return new Script(message, events);
  }

  /**
   * A tool call in the shape of Anthropic's tool-use example: a text block, then a tool_use block
   * whose input JSON streams in pieces; stop_reason tool_use.
   */
  public static Script toolUse(String model, String toolId, String toolName, String inputJson, int inputTokens,
                               int outputTokens) {
    String message = "{\"id\":\"msg_01Aq9w938a90dw8q\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + model
        + "\",\"content\":[{\"type\":\"text\",\"text\":\"I'll check that.\"},{\"type\":\"tool_use\",\"id\":\"" + toolId
        + "\",\"name\":\"" + toolName + "\",\"input\":" + inputJson + "}],\"stop_reason\":\"tool_use\","
        + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":" + inputTokens + ",\"output_tokens\":" + outputTokens + "}}";
    List<String> events = new ArrayList<>();
    events.add("{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01Aq9w938a90dw8q\",\"type\":\"message\","
        + "\"role\":\"assistant\",\"model\":\"" + model + "\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
        + "\"usage\":{\"input_tokens\":" + inputTokens + ",\"output_tokens\":1}}}");
    events.add("{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
    events.add("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"I'll check that.\"}}");
    events.add("{\"type\":\"content_block_stop\",\"index\":0}");
    events.add("{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\""
        + toolId + "\",\"name\":\"" + toolName + "\",\"input\":{}}}");
    events.add("{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}");
    int mid = inputJson.length() / 2;
    for (String part : new String[] {inputJson.substring(0, mid), inputJson.substring(mid)}) {
      events.add("{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":"
          + quote(part) + "}}");
    }
    events.add("{\"type\":\"content_block_stop\",\"index\":1}");
    events.add("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},"
        + "\"usage\":{\"output_tokens\":" + outputTokens + "}}");
    events.add("{\"type\":\"message_stop\"}");
    return new Script(message, List.copyOf(events));
  }

  /** A handler for all three hosts; {@code apiKey} is required in {@code x-api-key} on /v1/messages when not null. */
  public static Function<Received, Answer> handler(String apiKey, Script script) {
    return r -> {
      JsonNode body;
      try {
        body = JSON.readTree(r.body());
      } catch (IOException e) {
        return anthropicError(400, "invalid_request_error", "body is not JSON");
      }
      Matcher vertex = VERTEX.matcher(r.path());
      Matcher bedrock = BEDROCK.matcher(r.path());
      boolean stream;
      if (r.path().equals("/v1/messages") || r.path().startsWith("/v1/messages?")) {
        if (apiKey != null && !apiKey.equals(r.header("x-api-key"))) {
          return anthropicError(401, "authentication_error", "invalid x-api-key");
        }
        if (r.header("anthropic-version") == null) {
          return anthropicError(400, "invalid_request_error", "anthropic-version: header is required");
        }
        if (!body.path("model").isTextual()) {
          return anthropicError(400, "invalid_request_error", "model: Field required");
        }
        stream = body.path("stream").asBoolean(false);
      } else if (vertex.matches()) {
        if (body.has("model") || !"vertex-2023-10-16".equals(body.path("anthropic_version").asText())) {
          return Answer.json(400, "{\"error\":{\"code\":400,\"message\":\"anthropic_version must be vertex-2023-10-16 and model must not be in the body\",\"status\":\"INVALID_ARGUMENT\"}}");
        }
        stream = vertex.group(2).equals("streamRawPredict");
        if (stream != body.path("stream").asBoolean(false)) {
          return anthropicError(400, "invalid_request_error", "stream must be true exactly for streamRawPredict");
        }
      } else if (bedrock.matches()) {
        if (body.has("model") || body.has("stream")) {
          return new Answer(400, Map.of("content-type", "application/json", "x-amzn-errortype", "ValidationException"),
              List.of("{\"message\":\"Malformed input request: extraneous key [model/stream] is not permitted\"}"
                  .getBytes(StandardCharsets.UTF_8)));
        }
        if (!"bedrock-2023-05-31".equals(body.path("anthropic_version").asText())) {
          return new Answer(400, Map.of("content-type", "application/json"),
              List.of("{\"message\":\"anthropic_version must be bedrock-2023-05-31\"}".getBytes(StandardCharsets.UTF_8)));
        }
        stream = bedrock.group(2).equals("invoke-with-response-stream");
        if (stream) {
          return Answer.stream("application/vnd.amazon.eventstream", eventStream(script.events()));
        }
      } else {
        return anthropicError(404, "not_found_error", "no route for " + r.path());
      }
      if (!body.path("max_tokens").canConvertToInt() || !body.path("messages").isArray()) {
        return anthropicError(400, "invalid_request_error", "max_tokens and messages are required");
      }
      return stream ? Answer.stream("text/event-stream", sse(script.events())) : Answer.json(200, script.message());
    };
  }

  public static Answer anthropicError(int status, String type, String message) {
    return Answer.json(status, "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":" + quote(message) + "}}");
  }

  /** Events as SSE, one piece per event ({@code event:} line then {@code data:} line). */
  public static List<byte[]> sse(List<String> events) {
    List<byte[]> out = new ArrayList<>();
    for (String e : events) {
      String type;
      try {
        type = JSON.readTree(e).path("type").asText();
      } catch (IOException ex) {
        throw new IllegalArgumentException(ex);
      }
      out.add(("event: " + type + "\ndata: " + e + "\n\n").getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }

  /** Events as Bedrock streams them: one event-stream {@code chunk} frame per event. */
  public static List<byte[]> eventStream(List<String> events) {
    List<byte[]> out = new ArrayList<>();
    for (String e : events) {
      String payload = "{\"bytes\":\"" + Base64.getEncoder().encodeToString(e.getBytes(StandardCharsets.UTF_8)) + "\"}";
      out.add(frame(Map.of(":event-type", "chunk", ":content-type", "application/json", ":message-type", "event"),
          payload.getBytes(StandardCharsets.UTF_8)));
    }
    return out;
  }

  /** An event-stream exception frame, e.g. {@code throttlingException}. */
  public static byte[] exceptionFrame(String exceptionType, String message) {
    return frame(Map.of(":exception-type", exceptionType, ":content-type", "application/json", ":message-type", "exception"),
        ("{\"message\":" + quote(message) + "}").getBytes(StandardCharsets.UTF_8));
  }

  /**
   * One AWS event-stream frame with string headers, written by hand from the format description:
   * total length, headers length, prelude CRC32, headers, payload, message CRC32 (big-endian).
   */
  public static byte[] frame(Map<String, String> headers, byte[] payload) {
    ByteArrayOutputStream h = new ByteArrayOutputStream();
    new java.util.TreeMap<>(headers).forEach((name, value) -> {
      byte[] n = name.getBytes(StandardCharsets.UTF_8);
      byte[] v = value.getBytes(StandardCharsets.UTF_8);
      h.write(n.length);
      h.writeBytes(n);
      h.write(7); // string
      h.write((v.length >> 8) & 0xff);
      h.write(v.length & 0xff);
      h.writeBytes(v);
    });
    byte[] hb = h.toByteArray();
    int total = 12 + hb.length + payload.length + 4;
    ByteBuffer buf = ByteBuffer.allocate(total);
    buf.putInt(total).putInt(hb.length);
    CRC32 crc = new CRC32();
    crc.update(buf.array(), 0, 8);
    buf.putInt((int) crc.getValue());
    buf.put(hb).put(payload);
    CRC32 all = new CRC32();
    all.update(buf.array(), 0, total - 4);
    buf.putInt((int) all.getValue());
    return buf.array();
  }

  private static String quote(String s) {
    try {
      return JSON.writeValueAsString(s);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Token counting on Claude's three hosts, answering {@code tokens}: Anthropic's
   * {@code /v1/messages/count_tokens} (x-api-key {@code apiKey} when not null, anthropic-version,
   * model and messages; {@code {"input_tokens": N}}), Vertex AI's
   * {@code .../publishers/anthropic/models/count-tokens:rawPredict} (model and messages in the body;
   * {@code {"input_tokens": N}}) and Bedrock's {@code /model/{id}/count-tokens} with an
   * InvokeModel body in {@code input.invokeModel.body} (base64 of a Claude InvokeModel body:
   * anthropic_version bedrock-2023-05-31, max_tokens, messages, no model; {@code {"inputTokens": N}}).
   */
  public static Function<Received, Answer> countTokens(String apiKey, int tokens) {
    Pattern vertex = Pattern.compile("/v1/projects/[^/]+/locations/[^/]+/publishers/anthropic/models/count-tokens:rawPredict");
    Pattern bedrock = Pattern.compile("/model/[^/]+/count-tokens");
    return r -> {
      JsonNode body;
      try {
        body = JSON.readTree(r.body());
      } catch (IOException e) {
        return anthropicError(400, "invalid_request_error", "body is not JSON");
      }
      if (r.path().equals("/v1/messages/count_tokens")) {
        if (apiKey != null && !apiKey.equals(r.header("x-api-key"))) {
          return anthropicError(401, "authentication_error", "invalid x-api-key");
        }
        if (r.header("anthropic-version") == null) {
          return anthropicError(400, "invalid_request_error", "anthropic-version: header is required");
        }
      } else if (vertex.matcher(r.path()).matches()) {
        if (body.has("anthropic_version")) {
          return anthropicError(400, "invalid_request_error", "anthropic_version: Extra inputs are not permitted");
        }
      } else if (bedrock.matcher(r.path()).matches()) {
        JsonNode invoke;
        try {
          invoke = JSON.readTree(Base64.getDecoder().decode(body.path("input").path("invokeModel").path("body").asText()));
        } catch (IOException | IllegalArgumentException e) {
          return new Answer(400, Map.of("content-type", "application/json", "x-amzn-errortype", "ValidationException"),
              List.of("{\"message\":\"input.invokeModel.body must be base64 of JSON\"}".getBytes(StandardCharsets.UTF_8)));
        }
        if (invoke == null || invoke.has("model") || invoke.has("stream")
            || !"bedrock-2023-05-31".equals(invoke.path("anthropic_version").asText())
            || !invoke.path("max_tokens").canConvertToInt() || !invoke.path("messages").isArray()) {
          return new Answer(400, Map.of("content-type", "application/json", "x-amzn-errortype", "ValidationException"),
              List.of("{\"message\":\"Malformed input request\"}".getBytes(StandardCharsets.UTF_8)));
        }
        return Answer.json(200, "{\"inputTokens\":" + tokens + "}");
      } else {
        return anthropicError(404, "not_found_error", "no route for " + r.path());
      }
      if (!body.path("model").isTextual() || !body.path("messages").isArray()) {
        return anthropicError(400, "invalid_request_error", "model and messages are required");
      }
      return Answer.json(200, "{\"input_tokens\":" + tokens + "}");
    };
  }

  /**
   * An extended-thinking answer in the shape of Anthropic's documented example: a thinking block
   * (thinking deltas, then its signature delta), then a text block; the usage with prompt-cache
   * reads and writes (Anthropic's {@code input_tokens} excludes them).
   */
  public static Script thinking(String model, String thinking, String text, int inputTokens, int cacheRead,
                                int cacheWrite, int outputTokens) {
    String usage = "{\"input_tokens\":" + inputTokens + ",\"cache_creation_input_tokens\":" + cacheWrite
        + ",\"cache_read_input_tokens\":" + cacheRead + ",\"output_tokens\":%d}";
    String signature = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds";
    String message = "{\"id\":\"msg_01ThinkingExample\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\""
        + model + "\",\"content\":[{\"type\":\"thinking\",\"thinking\":" + quote(thinking) + ",\"signature\":\""
        + signature + "\"},{\"type\":\"text\",\"text\":" + quote(text) + "}],\"stop_reason\":\"end_turn\","
        + "\"stop_sequence\":null,\"usage\":" + usage.formatted(outputTokens) + "}";
    int mid = thinking.length() / 2;
    List<String> events = List.of(
        "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01ThinkingExample\",\"type\":\"message\","
            + "\"role\":\"assistant\",\"model\":\"" + model + "\",\"content\":[],\"stop_reason\":null,"
            + "\"stop_sequence\":null,\"usage\":" + usage.formatted(1) + "}}",
        "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":"
            + quote(thinking.substring(0, mid)) + "}}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":"
            + quote(thinking.substring(mid)) + "}}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\""
            + signature + "\"}}",
        "{\"type\":\"content_block_stop\",\"index\":0}",
        "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
        "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":" + quote(text) + "}}",
        "{\"type\":\"content_block_stop\",\"index\":1}",
        "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":"
            + "{\"output_tokens\":" + outputTokens + "}}",
        "{\"type\":\"message_stop\"}");
    return new Script(message, events);
  }
}
