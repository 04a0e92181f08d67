package dev.tollgate.plugins.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.RateLimitException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import dev.tollgate.testkit.FakeAnthropic;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.FakeUpstream.Answer;
import dev.tollgate.testkit.HttpFront;
import dev.tollgate.testkit.TollgateHarness;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The official Anthropic Java SDK as the client, through an HTTP front, ext_proc and a fake Claude. */
class AnthropicSdkTest {
  private static final String KEY = "sk-ant-api03-upstream";

  @TempDir
  Path dir;
  FakeUpstream upstream;
  TollgateHarness gateway;
  HttpFront front;
  AnthropicClient client;

  @BeforeEach
  void start() throws Exception {
    upstream = new FakeUpstream(FakeAnthropic.handler(KEY, FakeAnthropic.text("claude-sonnet-4-5", "Hello", " there", 12, 0, 5)));
    gateway = TollgateHarness.startFromClasspath(dir, """
        rules:
          - headers: [{name: x-ai-eg-model, type: Exact, value: claude-bedrock}]
            backends: [{name: bedrock}]
          - backends: [{name: anthropic}]
        backends:
          - name: anthropic
            schema: {name: Anthropic}
            auth: {type: APIKey, header: x-api-key, key: %s}
          - name: bedrock
            schema: {name: AWSAnthropic}
            modelNameOverride: anthropic.claude-sonnet-4-5-20250929-v1:0
        """.formatted(KEY));
    front = new HttpFront(gateway.envoy(Map.of("anthropic", upstream.uri(), "bedrock", upstream.uri())));
    client = AnthropicOkHttpClient.builder().apiKey("gateway-client-key").baseUrl(front.uri().toString())
        .maxRetries(0).build();
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    front.close();
    gateway.close();
    upstream.close();
  }

  private static MessageCreateParams params(String model) {
    return MessageCreateParams.builder().model(model).maxTokens(256).addUserMessage("Hello, Claude").build();
  }

  @Test
  void sdkCreateGoesThroughTheAnthropicPassthrough() {
    Message m = client.messages().create(params("claude-sonnet-4-5"));
    assertThat(m.content().get(0).text().orElseThrow().text()).isEqualTo("Hello there");
    assertThat(m.usage().inputTokens()).isEqualTo(12);
    assertThat(m.stopReason()).contains(StopReason.END_TURN);
    assertThat(upstream.last().header("x-api-key")).as("the gateway's key replaces the client's").isEqualTo(KEY);
    assertThat(upstream.last().header("accept-encoding")).as("answers are read, so they come uncompressed").isNull();
  }

  @Test
  void sdkStreamsAToolCallFromBedrockEventStream() {
    upstream.handler(FakeAnthropic.handler(null, FakeAnthropic.toolUse("anthropic.claude-sonnet-4-5-20250929-v1:0",
        "toolu_sdk", "get_weather", "{\"city\":\"Lisbon\",\"days\":3}", 40, 30)));
    MessageAccumulator acc = MessageAccumulator.create();
    try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params("claude-bedrock"))) {
      stream.stream().forEach(acc::accumulate);
    }
    Message m = acc.message();
    assertThat(upstream.last().path()).endsWith("/invoke-with-response-stream");
    assertThat(m.stopReason()).contains(StopReason.TOOL_USE);
    ContentBlock tool = m.content().get(1);
    assertThat(tool.toolUse().orElseThrow().name()).isEqualTo("get_weather");
    assertThat(tool.toolUse().orElseThrow()._input().toString()).contains("Lisbon");
    assertThat(m.usage().outputTokens()).isEqualTo(30);
  }

  @Test
  void sdkSeesBedrockThrottlingAsRateLimitError() {
    upstream.handler(req -> new Answer(429, Map.of("content-type", "application/json", "x-amzn-errortype", "ThrottlingException"),
        List.of("{\"message\":\"Too many requests, please wait before trying again.\"}".getBytes(StandardCharsets.UTF_8))));
    assertThatThrownBy(() -> client.messages().create(params("claude-bedrock")))
        .isInstanceOf(RateLimitException.class)
        .hasMessageContaining("Too many requests");
  }
}
