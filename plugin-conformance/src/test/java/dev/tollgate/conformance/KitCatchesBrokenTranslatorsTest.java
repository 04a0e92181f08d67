package dev.tollgate.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Settings;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.Headers;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.api.spi.TranslatorFactory;
import dev.tollgate.toolkit.AbstractExchange;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.SseDecoder;
import dev.tollgate.toolkit.openai.ChatChunkWriter;
import dev.tollgate.toolkit.openai.ChatCompletionResponse;
import dev.tollgate.toolkit.openai.ChatMessage;
import dev.tollgate.toolkit.openai.Usage;
import dev.tollgate.toolkit.openai.OpenAiPassthroughExchange;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;

/**
 * The kit itself: it passes a translator that does its job and catches each way one can fail.
 * Each subject runs through the JUnit launcher as a plugin's own test would.
 */
class KitCatchesBrokenTranslatorsTest {
  static final BackendTarget BACKEND = new BackendTarget("b", "Toy", "", "", Settings.empty("backends[0].provider"));
  static final String COMPLETION = """
      {"id":"c1","object":"chat.completion","created":1,"model":"toy-1","choices":[{"index":0,
       "message":{"role":"assistant","content":"Hi","refusal":null},"logprobs":null,"finish_reason":"stop"}],
       "usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}""";
  /** A toy upstream streams its text as {@code data: {"t":"..."}} events, usage in the last. */
  static final String TOY_STREAM = "data: {\"t\":\"Hel\"}\n\ndata: {\"t\":\"lo\"}\n\ndata: {\"in\":3,\"out\":2}\n\n";

  /** Translates the toy stream to OpenAI chunks, correctly or in one of the ways that breaks. */
  abstract static class ToyKit extends TranslatorConformance {
    abstract Function<Translator.Exchange, Translator.Exchange> exchange(UpstreamRequest up, boolean stream);

    @Override
    protected TranslatorFactory factory() {
      return new TranslatorFactory() {
        @Override
        public String schema() {
          return "Toy";
        }

        @Override
        public Set<Endpoint> endpoints() {
          return Set.of(Endpoint.CHAT_COMPLETIONS);
        }

        @Override
        public Translator create(BackendTarget backend, String at) {
          return request -> exchange(null, request.stream()).apply(null);
        }
      };
    }

    @Override
    protected BackendTarget backend() {
      return BACKEND;
    }

    @Override
    protected List<Sample> samples() {
      return List.of(
          Sample.of("whole", Endpoint.CHAT_COMPLETIONS, "{\"model\":\"toy\",\"messages\":[]}",
              UpstreamAnswer.json(COMPLETION)).withUsage(TokenUsage.of(3, 1)),
          Sample.of("streamed", Endpoint.CHAT_COMPLETIONS, "{\"model\":\"toy\",\"stream\":true,\"messages\":[]}",
              UpstreamAnswer.sse(TOY_STREAM)).withUsage(TokenUsage.of(3, 2)));
    }
  }

  /** Right: whole answers pass through, stream events are translated one by one as they complete. */
  static class Good extends ToyKit {
    @Override
    Function<Translator.Exchange, Translator.Exchange> exchange(UpstreamRequest up, boolean stream) {
      return x -> stream ? new ToyStream(false, false) : new OpenAiPassthroughExchange(post(), "toy");
    }
  }

  /** Parses each body piece as if it were whole events: a split event is lost. */
  static class PerPiece extends ToyKit {
    @Override
    Function<Translator.Exchange, Translator.Exchange> exchange(UpstreamRequest up, boolean stream) {
      return x -> stream ? new ToyStream(true, false) : new OpenAiPassthroughExchange(post(), "toy");
    }
  }

  /** Ends a stream cut short with a plain [DONE], as if the answer were complete. */
  static class SilentCut extends ToyKit {
    @Override
    Function<Translator.Exchange, Translator.Exchange> exchange(UpstreamRequest up, boolean stream) {
      return x -> stream ? new ToyStream(false, true) : new OpenAiPassthroughExchange(post(), "toy");
    }
  }

  /** Turns a whole answer into a chunk: not what a non-streaming client accepts. */
  static class WrongShape extends ToyKit {
    @Override
    Function<Translator.Exchange, Translator.Exchange> exchange(UpstreamRequest up, boolean stream) {
      return x -> stream ? new ToyStream(false, false) : new AbstractExchange(post(), "toy") {
        @Override
        protected byte[] onWhole(byte[] body) {
          return "{\"object\":\"chat.completion.chunk\"}".getBytes(StandardCharsets.UTF_8);
        }
      };
    }
  }

  /**
   * Builds its whole answer from the toolkit's record with Jackson directly rather than through
   * {@code toJson()}: the nulls OpenAI's schema requires ({@code logprobs}, {@code message.refusal})
   * are left out. Its stream's chunks leave out {@code finish_reason} while a choice goes on.
   */
  static class MissingNullables extends ToyKit {
    @Override
    Function<Translator.Exchange, Translator.Exchange> exchange(UpstreamRequest up, boolean stream) {
      return x -> stream ? new ToyStream(false, false) {
        @Override
        protected byte[] onEvent(SseDecoder.Event event) {
          String out = new String(super.onEvent(event), StandardCharsets.UTF_8);
          return out.replace(",\"finish_reason\":null", "").getBytes(StandardCharsets.UTF_8);
        }
      } : new AbstractExchange(post(), "toy") {
        @Override
        protected byte[] onWhole(byte[] body) {
          count(TokenUsage.of(3, 1));
          ChatCompletionResponse completion = new ChatCompletionResponse("c1", "chat.completion", 1L, "toy-1",
              List.of(new ChatCompletionResponse.Choice(0, new ChatMessage("assistant",
                  com.fasterxml.jackson.databind.node.TextNode.valueOf("Hi"), null, null, null, null), "stop")),
              Usage.from(TokenUsage.of(3, 1)));
          return JsonSupport.bytes(JsonSupport.MAPPER.valueToTree(completion));
        }
      };
    }
  }

  /** Throws an unchecked exception on an answer it does not expect. */
  static class Fragile extends ToyKit {
    @Override
    Function<Translator.Exchange, Translator.Exchange> exchange(UpstreamRequest up, boolean stream) {
      return x -> stream ? new ToyStream(false, false) : new AbstractExchange(post(), "toy") {
        @Override
        protected byte[] onWhole(byte[] body) {
          if (!JsonSupport.tryParse(body).has("choices")) {
            throw new IllegalStateException("no choices");
          }
          count(TokenUsage.of(3, 1)); // the toy's whole answer
          return body;
        }
      };
    }
  }

  /** Passes a whole answer on as it came, even one cut short: the client would get a broken success. */
  static class Lenient extends ToyKit {
    @Override
    Function<Translator.Exchange, Translator.Exchange> exchange(UpstreamRequest up, boolean stream) {
      return x -> stream ? new ToyStream(false, false) : new AbstractExchange(post(), "toy") {
        @Override
        protected byte[] onWhole(byte[] body) {
          JsonNode answer = JsonSupport.tryParse(body);
          if (answer != null) {
            count(TokenUsage.of(answer.path("usage").path("prompt_tokens").asLong(),
                answer.path("usage").path("completion_tokens").asLong()));
          }
          return body;
        }
      };
    }
  }

  /** Says a whole answer cut short is wrong, but with a 500: the fault is the upstream's (502). */
  static class WrongStatus extends ToyKit {
    @Override
    Function<Translator.Exchange, Translator.Exchange> exchange(UpstreamRequest up, boolean stream) {
      return x -> stream ? new ToyStream(false, false) : new AbstractExchange(post(), "toy") {
        @Override
        protected byte[] onWhole(byte[] body) throws GatewayException {
          JsonNode answer = JsonSupport.tryParse(body);
          if (answer == null) {
            throw new GatewayException(500, "server_error", "no JSON");
          }
          count(TokenUsage.of(3, 1));
          return body;
        }
      };
    }
  }

  /**
   * Embeddings as OpenAI sends them for {@code encoding_format: base64}: the vector as the base64 of
   * little-endian float32s (here 0.5 and -1.0), which OpenAI's schema, typing it as an array, does not
   * describe. {@code vector} is what the translator answers with.
   */
  abstract static class Base64Embeddings extends TranslatorConformance {
    abstract String vector();

    @Override
    protected TranslatorFactory factory() {
      return new TranslatorFactory() {
        @Override
        public String schema() {
          return "Toy";
        }

        @Override
        public Set<Endpoint> endpoints() {
          return Set.of(Endpoint.EMBEDDINGS);
        }

        @Override
        public Translator create(BackendTarget backend, String at) {
          return request -> new AbstractExchange(post(), "toy-embed") {
            @Override
            protected byte[] onWhole(byte[] body) throws GatewayException {
              if (JsonSupport.tryParse(body) == null) {
                throw new GatewayException(502, "server_error", "the toy's answer is not JSON");
              }
              count(new TokenUsage(2, 0, 2, 0, 0));
              return ("{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":\""
                  + vector() + "\"}],\"model\":\"toy-embed\",\"usage\":{\"prompt_tokens\":2,\"total_tokens\":2}}")
                  .getBytes(StandardCharsets.UTF_8);
            }
          };
        }
      };
    }

    @Override
    protected BackendTarget backend() {
      return BACKEND;
    }

    @Override
    protected List<Sample> samples() {
      return List.of(Sample.of("base64", Endpoint.EMBEDDINGS,
          "{\"model\":\"toy-embed\",\"input\":\"hi\",\"encoding_format\":\"base64\"}",
          UpstreamAnswer.json("{}")).withUsage(new TokenUsage(2, 0, 2, 0, 0)));
    }
  }

  static class GoodBase64 extends Base64Embeddings {
    @Override
    String vector() {
      return "AAAAPwAAgL8=";
    }
  }

  static class BadBase64 extends Base64Embeddings {
    @Override
    String vector() {
      return "0.5,-1.0";
    }
  }

  static UpstreamRequest post() {
    return UpstreamRequest.post("/toy", Headers.empty(), new byte[0]);
  }

  /**
   * The toy stream to OpenAI chunks; its usage event says it is complete. Two bugs to choose from:
   * {@code perPiece} decodes each piece on its own, {@code silentCut} ends a stream cut before its
   * usage event with a plain [DONE].
   */
  static class ToyStream extends AbstractExchange {
    private final boolean perPiece;
    private final boolean silentCut;
    private final ChatChunkWriter chunks = new ChatChunkWriter("c1", 1, "toy", true);
    private boolean started;
    private boolean complete;

    ToyStream(boolean perPiece, boolean silentCut) {
      super(post(), "toy");
      this.perPiece = perPiece;
      this.silentCut = silentCut;
    }

    @Override
    protected byte[] onWhole(byte[] body) throws GatewayException {
      throw new GatewayException(502, "server_error", "the toy upstream did not stream");
    }

    @Override
    protected byte[] onStreamPiece(byte[] chunk, boolean endOfStream) throws GatewayException {
      if (!perPiece) {
        return super.onStreamPiece(chunk, endOfStream);
      }
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      for (SseDecoder.Event e : new SseDecoder().feed(chunk)) {
        out.writeBytes(onEvent(e));
      }
      if (endOfStream) {
        out.writeBytes(onStreamEnd());
      }
      return out.toByteArray();
    }

    @Override
    protected byte[] onEvent(SseDecoder.Event event) {
      var json = JsonSupport.tryParse(event.data());
      if (json == null) {
        return NOTHING;
      }
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      if (!started) {
        started = true;
        out.writeBytes(chunks.role(0));
      }
      if (json.has("t")) {
        out.writeBytes(chunks.text(0, json.get("t").asText()));
      } else if (json.has("in")) {
        count(TokenUsage.of(json.get("in").asLong(), json.get("out").asLong()));
        complete = true;
      }
      return out.toByteArray();
    }

    @Override
    protected byte[] onStreamEnd() {
      if (!complete && !silentCut) {
        return ChatChunkWriter.error(502, "stream_cut_short", "the toy's stream ended before the answer was complete");
      }
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      out.writeBytes(chunks.finish(0, "stop"));
      out.writeBytes(chunks.usage(usage()));
      out.writeBytes(chunks.done());
      return out.toByteArray();
    }
  }

  private static TestExecutionSummary run(Class<?> kit) {
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(kit)).build(),
        listener);
    return listener.getSummary();
  }

  private static List<String> failed(TestExecutionSummary summary) {
    return summary.getFailures().stream().map(f -> f.getTestIdentifier().getDisplayName()).toList();
  }

  @Test
  void aTranslatorThatDoesItsJobPasses() {
    TestExecutionSummary s = run(Good.class);
    assertThat(failed(s)).isEmpty();
    assertThat(s.getTestsSucceededCount()).isGreaterThanOrEqualTo(15);
  }

  @Test
  void anEventSplitAcrossPiecesThatIsLostFailsTheSplitCheck() {
    assertThat(failed(run(PerPiece.class))).containsExactly("streamed: a stream split anywhere gives the same answer");
  }

  @Test
  void aStreamCutShortThatEndsAsIfCompleteFailsTheCutCheck() {
    assertThat(failed(run(SilentCut.class))).containsExactly("streamed: a stream cut short ends with an error");
  }

  @Test
  void aWholeAnswerInTheWrongShapeFailsTheClientsSchema() {
    assertThat(failed(run(WrongShape.class))).containsExactlyInAnyOrder("whole: the client accepts the answer",
        "whole: reads the usage", "whole: a whole answer cut short is a 502");
  }

  @Test
  void requiredNullablesLeftOutFailTheClientsSchemaWholeAndStreamed() {
    // it ignores the upstream body, so a cut answer is not refused either
    assertThat(failed(run(MissingNullables.class))).containsExactlyInAnyOrder("whole: the client accepts the answer",
        "streamed: the client accepts the answer", "streamed: a stream cut short ends with an error",
        "whole: a whole answer cut short is a 502");
  }

  @Test
  void anUncheckedExceptionOnABrokenAnswerFails() {
    assertThat(failed(run(Fragile.class))).containsExactlyInAnyOrder("whole: ends a cut or broken answer cleanly",
        "whole: a whole answer cut short is a 502");
  }

  @Test
  void aWholeAnswerCutShortPassedOnAsASuccessFailsTheCutCheck() {
    assertThat(failed(run(Lenient.class))).containsExactly("whole: a whole answer cut short is a 502");
  }

  @Test
  void aWholeAnswerCutShortAnsweredWithAnotherStatusFailsTheCutCheck() {
    assertThat(failed(run(WrongStatus.class))).containsExactly("whole: a whole answer cut short is a 502");
  }

  @Test
  void base64EmbeddingsPassWhenAskedForAndMustBeBase64() {
    assertThat(failed(run(GoodBase64.class))).isEmpty();
    assertThat(failed(run(BadBase64.class))).containsExactly("base64: the client accepts the answer");
  }
}
