package dev.tollgate.bench;

import com.google.protobuf.ByteString;
import dev.tollgate.testkit.FakeBedrock;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse.ResponseCase;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * What one HTTP exchange looks like on the ext_proc stream, as Envoy's filter sends it with
 * Tollgate's processing mode (request headers, buffered request body, response headers, response
 * body buffered or streamed chunk by chunk). There is no upstream: the upstream's answer is
 * synthesized here in the provider's own format, as Envoy would pass it on, and the server under
 * test translates it. The messages are built once and shared by all exchanges (protobuf messages
 * are immutable), so the load tool spends little CPU on them.
 *
 * @param name  scenario name
 * @param steps the messages in order; each waits for its response
 */
public record Scenario(String name, List<Step> steps) {

  /** One message Envoy sends and what its answer must look like. */
  public record Step(ProcessingRequest request, ResponseCase expected, Predicate<ProcessingResponse> check,
                     String checkDescription) {
  }

  public static final String OPENAI_MODEL = "gpt-4o-mini";
  public static final String BEDROCK_MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0";

  /** The names {@link #of} knows. */
  public static final List<String> NAMES = List.of("passthrough", "bedrock", "passthrough-stream", "bedrock-stream");

  /**
   * Builds a scenario.
   *
   * @param name   one of {@link #NAMES}
   * @param chunks number of content chunks for the streamed scenarios (ignored otherwise)
   * @param verify whether responses are checked for Tollgate's work (body rewritten, costs
   *               emitted); off for the no-op baseline, which only answers CONTINUE
   */
  public static Scenario of(String name, int chunks, boolean verify) {
    return switch (name) {
      case "passthrough" -> buffered(name, OPENAI_MODEL, completionJson(), "application/json", verify);
      case "bedrock" -> buffered(name, BEDROCK_MODEL, converseJson(), "application/json", verify);
      case "passthrough-stream" -> streamed(name, OPENAI_MODEL, "text/event-stream", sseChunks(chunks), verify);
      case "bedrock-stream" -> streamed(name, BEDROCK_MODEL, FakeBedrock.EVENT_STREAM, bedrockFrames(chunks), verify);
      default -> throw new IllegalArgumentException("unknown scenario '" + name + "'; use one of " + NAMES);
    };
  }

  /** Number of response body messages (chunks) an exchange of this scenario sends. */
  public long responseBodyMessages() {
    return steps.stream().filter(s -> s.request().hasResponseBody()).count();
  }

  private static Scenario buffered(String name, String model, byte[] answer, String contentType, boolean verify) {
    List<Step> steps = new ArrayList<>(request(model, false, verify));
    steps.add(new Step(responseHeaders(contentType, answer.length), ResponseCase.RESPONSE_HEADERS, r -> true, ""));
    steps.add(new Step(body(answer, true, true), ResponseCase.RESPONSE_BODY,
        verify ? ProcessingResponse::hasDynamicMetadata : r -> true, "costs as dynamic metadata"));
    return new Scenario(name, List.copyOf(steps));
  }

  private static Scenario streamed(String name, String model, String contentType, List<byte[]> pieces, boolean verify) {
    List<Step> steps = new ArrayList<>(request(model, true, verify));
    steps.add(new Step(responseHeaders(contentType, -1), ResponseCase.RESPONSE_HEADERS,
        verify ? ProcessingResponse::hasModeOverride : r -> true, "mode_override to STREAMED"));
    for (int i = 0; i < pieces.size(); i++) {
      boolean last = i == pieces.size() - 1;
      steps.add(new Step(body(pieces.get(i), last, true), ResponseCase.RESPONSE_BODY,
          verify && last ? ProcessingResponse::hasDynamicMetadata : r -> true, "costs as dynamic metadata"));
    }
    return new Scenario(name, List.copyOf(steps));
  }

  private static List<Step> request(String model, boolean stream, boolean verify) {
    byte[] body = ("{\"model\":\"" + model + "\",\"messages\":["
        + "{\"role\":\"system\",\"content\":\"You are a helpful assistant that answers in one short paragraph.\"},"
        + "{\"role\":\"user\",\"content\":\"Explain in two sentences what an API gateway does and why teams put one "
        + "in front of LLM providers.\"}],\"max_tokens\":256,\"temperature\":0.3"
        + (stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "") + "}")
        .getBytes(StandardCharsets.UTF_8);
    ProcessingRequest headers = ProcessingRequest.newBuilder().setRequestHeaders(HttpHeaders.newBuilder()
        .setHeaders(headerMap(
            ":method", "POST", ":path", "/v1/chat/completions", ":authority", "gateway.example.com", ":scheme", "https",
            "content-type", "application/json", "content-length", Integer.toString(body.length),
            "accept", stream ? "text/event-stream" : "application/json",
            "authorization", "Bearer sk-client-key-not-used-upstream",
            "user-agent", "OpenAI/Python 1.54.0", "x-forwarded-proto", "https",
            "x-request-id", "3f1c2a9e-5b7d-4e0a-9c41-8d2f6b1e7a90", "x-envoy-expected-rq-timeout-ms", "60000"))
        .setEndOfStream(false)).build();
    return List.of(
        new Step(headers, ResponseCase.REQUEST_HEADERS, r -> true, ""),
        new Step(body(body, true, false), ResponseCase.REQUEST_BODY, verify ? Scenario::routed : r -> true,
            "request routed: selected-backend header set, route cache cleared, body rewritten unless for OpenAI"));
  }

  /**
   * Tollgate's answer to the request body: the backend chosen and the route cache cleared; a
   * Bedrock request rewritten (an OpenAI one goes as it came, without a body mutation).
   */
  private static boolean routed(ProcessingResponse r) {
    var common = r.getRequestBody().getResponse();
    String backend = common.getHeaderMutation().getSetHeadersList().stream()
        .filter(h -> h.getHeader().getKey().equals("x-ai-eg-selected-backend"))
        .map(h -> h.getHeader().getRawValue().toStringUtf8()).findFirst().orElse("");
    return common.getClearRouteCache() && !backend.isEmpty()
        && (!backend.equals("bedrock") || common.hasBodyMutation());
  }

  private static ProcessingRequest responseHeaders(String contentType, int contentLength) {
    List<String> h = new ArrayList<>(List.of(":status", "200", "content-type", contentType,
        "date", "Thu, 26 Nov 2026 10:00:00 GMT", "x-request-id", "req-7d3c9a1f", "server", "upstream"));
    if (contentLength >= 0) {
      h.add("content-length");
      h.add(Integer.toString(contentLength));
    }
    return ProcessingRequest.newBuilder().setResponseHeaders(HttpHeaders.newBuilder()
        .setHeaders(headerMap(h.toArray(String[]::new))).setEndOfStream(false)).build();
  }

  private static ProcessingRequest body(byte[] bytes, boolean endOfStream, boolean response) {
    HttpBody b = HttpBody.newBuilder().setBody(ByteString.copyFrom(bytes)).setEndOfStream(endOfStream).build();
    return response ? ProcessingRequest.newBuilder().setResponseBody(b).build()
        : ProcessingRequest.newBuilder().setRequestBody(b).build();
  }

  static HeaderMap headerMap(String... namesAndValues) {
    HeaderMap.Builder b = HeaderMap.newBuilder();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      b.addHeaders(HeaderValue.newBuilder().setKey(namesAndValues[i].toLowerCase(Locale.ROOT))
          .setRawValue(ByteString.copyFromUtf8(namesAndValues[i + 1])));
    }
    return b.build();
  }

  private static final String ANSWER = "An API gateway sits between clients and backend services, routing each "
      + "request, enforcing authentication, quotas and policies, and translating protocols. In front of LLM "
      + "providers it gives teams one endpoint, central key management, cost tracking and the freedom to switch "
      + "or mix providers without changing application code.";

  /** An OpenAI chat completion answer (what the upstream sends for passthrough). */
  public static byte[] completionJson() {
    return ("{\"id\":\"chatcmpl-AbC123xyz\",\"object\":\"chat.completion\",\"created\":1764151200,"
        + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
        + "\"content\":\"" + ANSWER + "\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":42,\"completion_tokens\":61,\"total_tokens\":103,"
        + "\"prompt_tokens_details\":{\"cached_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0}},"
        + "\"system_fingerprint\":\"fp_0ba0d124f1\"}").getBytes(StandardCharsets.UTF_8);
  }

  /** A Bedrock Converse answer (what the upstream sends for OpenAI→Bedrock). */
  public static byte[] converseJson() {
    return FakeBedrock.converseText(ANSWER, "end_turn", 42, 61).pieces().get(0);
  }

  /** Words of the streamed answer, one per chunk, cycling through {@link #ANSWER}. */
  public static List<String> deltas(int n) {
    String[] words = ANSWER.split(" ");
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add((i == 0 ? "" : " ") + words[i % words.length]);
    }
    return out;
  }

  /** OpenAI SSE chunks: {@code n} content deltas, then the usage chunk, then {@code [DONE]}. */
  public static List<byte[]> sseChunks(int n) {
    List<byte[]> out = new ArrayList<>();
    String head = "data: {\"id\":\"chatcmpl-AbC123xyz\",\"object\":\"chat.completion.chunk\",\"created\":1764151200,"
        + "\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_0ba0d124f1\",\"choices\":[";
    List<String> deltas = deltas(n);
    for (int i = 0; i < n; i++) {
      String delta = (i == 0 ? "{\"role\":\"assistant\",\"content\":" : "{\"content\":") + quote(deltas.get(i)) + "}";
      String finish = i == n - 1 ? "\"stop\"" : "null";
      out.add((head + "{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":" + finish
          + "}],\"usage\":null}\n\n").getBytes(StandardCharsets.UTF_8));
    }
    out.add((head + "],\"usage\":{\"prompt_tokens\":42,\"completion_tokens\":" + n + ",\"total_tokens\":" + (42 + n)
        + "}}\n\ndata: [DONE]\n\n").getBytes(StandardCharsets.UTF_8));
    return out;
  }

  /** Bedrock ConverseStream event-stream frames: messageStart, {@code n} deltas, stops, metadata. */
  public static List<byte[]> bedrockFrames(int n) {
    return FakeBedrock.textStream(deltas(n), "end_turn", 42, n);
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
