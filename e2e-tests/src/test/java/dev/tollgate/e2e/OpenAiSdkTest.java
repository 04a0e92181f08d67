package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.tollgate.testkit.FakeBedrock;
import dev.tollgate.testkit.FakeOpenAi;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.HttpFront;
import dev.tollgate.testkit.TollgateHarness;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official OpenAI Java SDK as the client, through Tollgate (plugins from their zips), to an
 * OpenAI backend and to Bedrock: what an application sees.
 */
class OpenAiSdkTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;
  FakeUpstream openai;
  FakeUpstream bedrock;
  TollgateHarness gateway;
  HttpFront front;
  OpenAIClient client;

  @BeforeEach
  void start() throws Exception {
    openai = new FakeUpstream(FakeOpenAi.handler("sk-backend", 9, 4));
    bedrock = new FakeUpstream(FakeBedrock.handler(FakeBedrock.RequestCheck.NONE, r -> r.path().endsWith("/converse-stream")
        ? FakeBedrock.stream(FakeBedrock.textStream(List.of("Bon", "jour"), "end_turn", 6, 2))
        : FakeBedrock.converseText("Bonjour", "end_turn", 6, 2)));
    gateway = TollgateHarness.start(dir, Plugins.dir(), """
        rules:
          - headers: [{name: x-ai-eg-model, type: Exact, value: gpt-4o-mini}]
            backends: [{name: openai}]
          - headers: [{name: x-ai-eg-model, type: Exact, value: claude}]
            backends: [{name: bedrock}]
        backends:
          - name: openai
            schema: {name: OpenAI}
            auth: {type: APIKey, key: sk-backend}
          - name: bedrock
            schema: {name: AWSBedrock}
            modelNameOverride: anthropic.claude-3-haiku-20240307-v1:0
        """);
    front = new HttpFront(gateway.envoy(Map.of("openai", openai.uri(), "bedrock", bedrock.uri())));
    client = OpenAIOkHttpClient.builder().baseUrl(front.uri() + "/v1").apiKey("sk-app").maxRetries(0).build();
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    front.close();
    gateway.close();
    openai.close();
    bedrock.close();
  }

  private static ChatCompletionCreateParams params(String model) {
    return ChatCompletionCreateParams.builder().model(model).addUserMessage("Say hello").build();
  }

  @Test
  void createAgainstOpenAiAndBedrock() throws Exception {
    ChatCompletion viaOpenAi = client.chat().completions().create(params("gpt-4o-mini"));
    assertThat(viaOpenAi.choices().get(0).message().content()).contains("Hello from the fake.");
    assertThat(viaOpenAi.usage().orElseThrow().totalTokens()).isEqualTo(13);
    assertThat(openai.last().header("authorization")).isEqualTo("Bearer sk-backend");

    ChatCompletion viaBedrock = client.chat().completions().create(params("claude"));
    assertThat(viaBedrock.choices().get(0).message().content()).contains("Bonjour");
    assertThat(viaBedrock.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    assertThat(viaBedrock.usage().orElseThrow().promptTokens()).isEqualTo(6);
    assertThat(bedrock.last().path()).isEqualTo("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse");
    assertThat(JSON.readTree(bedrock.last().body()).path("messages").get(0).path("content").get(0).path("text").asText())
        .isEqualTo("Say hello");
  }

  @Test
  void streamingFromBedrockArrivesAsOpenAiChunksWithUsage() {
    ChatCompletionCreateParams p = params("claude").toBuilder()
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
    StringBuilder text = new StringBuilder();
    long[] total = {0};
    try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(p)) {
      stream.stream().forEach(chunk -> {
        chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append));
        chunk.usage().ifPresent(u -> total[0] = u.totalTokens());
      });
    }
    assertThat(text).hasToString("Bonjour");
    assertThat(total[0]).isEqualTo(8);
    assertThat(bedrock.last().path()).endsWith("/converse-stream");
  }

  @Test
  void gatewayAndUpstreamErrorsReachTheSdkAsItsOwnExceptions() {
    assertThatThrownBy(() -> client.chat().completions().create(params("gpt-9")))
        .isInstanceOf(NotFoundException.class).hasMessageContaining("gpt-9");
    bedrock.handler(r -> FakeBedrock.error(429, "ThrottlingException", "Too many requests, please wait"));
    assertThatThrownBy(() -> client.chat().completions().create(params("claude")))
        .isInstanceOf(RateLimitException.class).hasMessageContaining("Too many requests");
  }
}
