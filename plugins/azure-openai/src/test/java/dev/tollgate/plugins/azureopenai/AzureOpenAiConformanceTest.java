package dev.tollgate.plugins.azureopenai;

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

/** The AzureOpenAI schema's translators under the conformance kit; Azure answers as OpenAI does, with filter results. */
class AzureOpenAiConformanceTest {
  static final BackendTarget BACKEND = new BackendTarget("azure", "AzureOpenAI", "2024-10-21", "",
      Settings.empty("backends[0].provider"));

  static final String COMPLETION = """
      {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"}},"finish_reason":"stop",
       "index":0,"logprobs":null,"message":{"content":"Hello!","refusal":null,"role":"assistant"}}],
       "created":1741570283,"id":"chatcmpl-AZ1","model":"gpt-4o-2024-11-20","object":"chat.completion",
       "prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}],"system_fingerprint":"fp_1",
       "usage":{"completion_tokens":2,"prompt_tokens":9,"total_tokens":11}}""";

  static final String STREAM = """
      data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]}

      data: {"choices":[{"content_filter_results":{},"delta":{"content":"","refusal":null,"role":"assistant"},"finish_reason":null,"index":0,"logprobs":null}],"created":1741570283,"id":"chatcmpl-AZ2","model":"gpt-4o-2024-11-20","object":"chat.completion.chunk","system_fingerprint":"fp_1"}

      data: {"choices":[{"content_filter_results":{},"delta":{"content":"Hi"},"finish_reason":null,"index":0,"logprobs":null}],"created":1741570283,"id":"chatcmpl-AZ2","model":"gpt-4o-2024-11-20","object":"chat.completion.chunk","system_fingerprint":"fp_1"}

      data: {"choices":[{"content_filter_results":{},"delta":{},"finish_reason":"stop","index":0,"logprobs":null}],"created":1741570283,"id":"chatcmpl-AZ2","model":"gpt-4o-2024-11-20","object":"chat.completion.chunk","system_fingerprint":"fp_1","usage":null}

      data: {"choices":[],"created":1741570283,"id":"chatcmpl-AZ2","model":"gpt-4o-2024-11-20","object":"chat.completion.chunk","system_fingerprint":"fp_1","usage":{"completion_tokens":1,"prompt_tokens":9,"total_tokens":10}}

      data: [DONE]

      """;

  @Nested
  class Passthrough extends TranslatorConformance {
    @Override
    protected TranslatorFactory factory() {
      return new AzureOpenAiTranslators.Passthrough();
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
              UpstreamAnswer.json(COMPLETION)).withUsage(TokenUsage.of(9, 2)));
    }
  }

  @Nested
  class AnthropicClients extends TranslatorConformance {
    @Override
    protected TranslatorFactory factory() {
      return new AzureOpenAiTranslators.Messages();
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
              .withUsage(TokenUsage.of(9, 2)),
          Sample.of("streamed message", Endpoint.MESSAGES, request.formatted(",\"stream\":true"),
              UpstreamAnswer.sse(STREAM)).withUsage(TokenUsage.of(9, 1)));
    }
  }
}
