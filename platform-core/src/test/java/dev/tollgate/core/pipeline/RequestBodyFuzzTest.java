package dev.tollgate.core.pipeline;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.Headers;
import dev.tollgate.core.config.CompiledConfig;
import dev.tollgate.core.config.ConfigCompiler;
import dev.tollgate.core.config.StubPlugins;
import java.io.IOException;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * A client's request body, arbitrary bytes, through the exchange's request phases
 * ({@link ExchangeSession#onRequestHeaders} and {@link ExchangeSession#onRequestBody}, whole or in
 * two pieces) on every endpoint with a body, with a request guard and an enricher in force (so the
 * prompt texts are read from the body) and a translator that sends the body on as it came. The
 * gateway's answer is either the request going on, or a local reply with a 4xx status in the
 * client's own error format; never an exception, never a 5xx, never a failed extension. The first
 * byte picks the endpoint, the {@code anthropic-version} header and where the body is split.
 * Longer run: {@code JAZZER_MAX_DURATION=5m}.
 */
class RequestBodyFuzzTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] PATHS = {"/v1/chat/completions", "/v1/completions", "/v1/embeddings",
      "/v1/responses", "/v1/messages", "/v1/messages/count_tokens"};
  private static final String CONFIG = """
      maxRequestBodyBytes: 3000
      rules:
        - name: claude
          headers: [{name: x-ai-eg-model, type: RegularExpression, value: "claude-.*"}]
          backends: [{name: anthropic}]
        - name: rest
          backends: [{name: openai}]
      backends:
        - name: openai
          schema: {name: OpenAI}
          auth: {type: APIKey, key: sk-test}
        - name: anthropic
          schema: {name: Anthropic}
      policies:
        - name: guarded
          guards: [{type: Regex, on: [Request], deny: [secret]}]
          enrichment: [{type: SystemPrompt, text: Be brief.}]
      """;
  private static final CompiledConfig COMPILED = compile();
  private static final GatewayListener LISTENER = new GatewayListener() {
    @Override
    public void pluginFailed(String backend, String extension, String cause) {
      throw new AssertionError("an extension failed on a client's body: " + backend + " " + extension + " " + cause);
    }
  };
  private static final Gateway GATEWAY = new Gateway(() -> COMPILED, RandomGenerator.of("L64X128MixRandom"), LISTENER);

  private static CompiledConfig compile() {
    try {
      return new ConfigCompiler(StubPlugins.registry()).compile(CONFIG, "fuzz.yaml");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @FuzzTest(maxDuration = "8s")
  @DictionaryEntries({"\\\"model\\\"", "\\\"messages\\\"", "\\\"role\\\"", "\\\"user\\\"", "\\\"content\\\"",
      "\\\"stream\\\"", "true", "null", "\\\"prompt\\\"", "\\\"input\\\"", "\\\"system\\\"", "\\\"text\\\"",
      "\\\"type\\\"", "\\\"tools\\\"", "\\\"max_tokens\\\"", "\\\"claude-x\\\"", "\\\"gpt-4o\\\"", "[{", "}]",
      "\\\"\\\\u0000\\\"", "\\\"\\\\ud800\\\"", "1e999", "-0", "{\\\"model\\\":\\\"m\\\",\\\"messages\\\":["})
  void clientBody(byte[] data) throws IOException {
    if (data.length == 0) {
      return;
    }
    int pick = data[0] & 0xff;
    String path = PATHS[pick % PATHS.length];
    byte[] body = Arrays.copyOfRange(data, 1, data.length);
    Headers headers = Headers.of(":method", "POST", ":path", path, ":authority", "gw.local",
        "content-type", "application/json");
    if ((pick & 0x40) != 0) {
      headers = headers.with("anthropic-version", "2023-06-01");
    }
    ExchangeSession session = GATEWAY.newExchange();
    PhaseResult result = session.onRequestHeaders(headers, false);
    if (result.isLocalReply()) {
      throw new AssertionError("request headers of a served endpoint refused: " + result.localReply());
    }
    if ((pick & 0x80) != 0 && body.length > 1) {
      int cut = body.length / 2;
      result = session.onRequestBody(Arrays.copyOfRange(body, 0, cut), false);
      if (result.isLocalReply()) {
        check(result.localReply(), session.clientApi());
        return;
      }
      result = session.onRequestBody(Arrays.copyOfRange(body, cut, body.length), true);
    } else {
      result = session.onRequestBody(body, true);
    }
    if (result.isLocalReply()) {
      check(result.localReply(), session.clientApi());
    }
  }

  /** A 4xx in the client's own error format. */
  private static void check(PhaseResult.LocalReply reply, ClientApi api) throws IOException {
    String text = new String(reply.body(), java.nio.charset.StandardCharsets.UTF_8);
    if (reply.status() < 400 || reply.status() > 499) {
      throw new AssertionError("a client's body got status " + reply.status() + ": " + text);
    }
    JsonNode json = JSON.readTree(reply.body());
    boolean ok = api == ClientApi.ANTHROPIC
        ? "error".equals(json.path("type").asText()) && json.path("error").path("type").isTextual()
            && json.path("error").path("message").isTextual()
        : json.path("error").path("message").isTextual() && json.path("error").has("type");
    if (!ok) {
      throw new AssertionError("a " + reply.status() + " not in the " + api + " error format: " + text);
    }
  }
}
