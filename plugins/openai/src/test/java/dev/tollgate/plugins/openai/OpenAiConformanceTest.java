package dev.tollgate.plugins.openai;

import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.Settings;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.spi.TranslatorFactory;
import dev.tollgate.conformance.Sample;
import dev.tollgate.conformance.TranslatorConformance;
import dev.tollgate.conformance.UpstreamAnswer;
import java.util.List;
import org.junit.jupiter.api.Nested;

/** The OpenAI schema's translators under the conformance kit, with answers as OpenAI sends them. */
class OpenAiConformanceTest {
  static final BackendTarget BACKEND = new BackendTarget("openai", "OpenAI", "", "", Settings.empty("backends[0].provider"));

  static final String COMPLETION = """
      {"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion","created":1741570283,
       "model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there!",
       "refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],
       "usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,
       "prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},
       "completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,
       "rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_fc9f1d7035"}""";

  static final String STREAM = """
      data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-mini","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}

      data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-mini","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":"Héllo"},"logprobs":null,"finish_reason":null}],"usage":null}

      data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-mini","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}

      data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-mini","system_fingerprint":"fp_1","choices":[],"usage":{"prompt_tokens":8,"completion_tokens":2,"total_tokens":10,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}

      data: [DONE]

      """;

  static final String EMBEDDINGS = """
      {"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.0023064255,-0.009327292]}],
       "model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}}""";

  @Nested
  class Passthrough extends TranslatorConformance {
    @Override
    protected TranslatorFactory factory() {
      return new OpenAiTranslators.Passthrough();
    }

    @Override
    protected BackendTarget backend() {
      return BACKEND;
    }

    @Override
    protected List<Sample> samples() {
      return List.of(
          Sample.of("whole chat", Endpoint.CHAT_COMPLETIONS,
              "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
              UpstreamAnswer.json(COMPLETION)).withUsage(new TokenUsage(19, 10, 29, 0, 0)),
          Sample.of("streamed chat", Endpoint.CHAT_COMPLETIONS,
              "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                  + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
              UpstreamAnswer.sse(STREAM)).withUsage(TokenUsage.of(8, 2)),
          Sample.of("embeddings", Endpoint.EMBEDDINGS, "{\"model\":\"text-embedding-3-small\",\"input\":\"hi\"}",
              UpstreamAnswer.json(EMBEDDINGS)).withUsage(new TokenUsage(8, 0, 8, 0, 0)));
    }
  }

  @Nested
  class AnthropicClients extends TranslatorConformance {
    @Override
    protected TranslatorFactory factory() {
      return new OpenAiTranslators.Messages();
    }

    @Override
    protected BackendTarget backend() {
      return BACKEND;
    }

    @Override
    protected List<Sample> samples() {
      String request = "{\"model\":\"gpt-4o\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]%s}";
      return List.of(
          Sample.of("whole message", Endpoint.MESSAGES, request.formatted(""), UpstreamAnswer.json(COMPLETION))
              .withUsage(new TokenUsage(19, 10, 29, 0, 0)),
          Sample.of("streamed message", Endpoint.MESSAGES, request.formatted(",\"stream\":true"),
              UpstreamAnswer.sse(STREAM)).withUsage(TokenUsage.of(8, 2)));
    }
  }
}
