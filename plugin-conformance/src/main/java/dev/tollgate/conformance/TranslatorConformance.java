package dev.tollgate.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamError;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.ResponseHead;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.api.spi.TranslatorFactory;
import dev.tollgate.toolkit.ErrorFormats;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.SseDecoder;
import dev.tollgate.toolkit.UpstreamErrors;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The conformance kit: extend it in your plugin's tests, say which factory, backend and recorded
 * exchanges to use, and JUnit runs every check on every sample, calling your translator as the
 * platform does:
 * <ul>
 *   <li>the factory declares its pairs and {@code create} accepts the backend;</li>
 *   <li>each request translates to an upstream request with a path and a body;</li>
 *   <li>each answer is what the client's API promises (OpenAI's own response schemas, Anthropic's
 *       message and stream event shapes), whole or streamed;</li>
 *   <li>a stream split at every byte (and byte by byte) gives the client the same events, usage
 *       and model as the stream in one piece;</li>
 *   <li>the usage read is the sample's, whole and streamed;</li>
 *   <li>a stream cut short, or an answer that is not what the upstream should send, ends with
 *       at most a {@link GatewayException}, never another exception;</li>
 *   <li>a stream cut short ends, as the client decodes it, with a terminal error in the client's
 *       dialect, never as if the answer were complete (a Responses stream: {@code error} or
 *       {@code response.failed}, never {@code response.completed});</li>
 *   <li>a whole answer cut short (status 200, its JSON truncated) is a 502 in the client's error
 *       format, never a success;</li>
 *   <li>errors of every status class, in every common upstream shape and as plain text or
 *       nothing, become a valid error in the client's format.</li>
 * </ul>
 */
public abstract class TranslatorConformance {
  /** The statuses the error check uses: every 4xx and 5xx class an upstream is known to send. */
  static final List<Integer> ERROR_STATUSES = List.of(400, 401, 403, 404, 408, 413, 422, 429, 500, 502, 503, 504, 529);
  /** Error bodies in the shapes upstreams send, by name. */
  static final Map<String, String> ERROR_BODIES = Map.of(
      "OpenAI", "{\"error\":{\"message\":\"m-openai\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"c\"}}",
      "Anthropic", "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"m-anthropic\"}}",
      "Google", "{\"error\":{\"code\":400,\"message\":\"m-google\",\"status\":\"INVALID_ARGUMENT\"}}",
      "AWS", "{\"message\":\"m-aws\"}",
      "plain text", "upstream connect error or disconnect/reset before headers",
      "HTML", "<html><body><h1>502 Bad Gateway</h1></body></html>",
      "empty", "");
  /** Streams longer than this are split at this many evenly spread places instead of every byte. */
  private static final int MAX_SPLITS = 600;

  /** The factory under test, made as the platform would (with any services it needs). */
  protected abstract TranslatorFactory factory();

  /** A backend of the factory's schema that {@link TranslatorFactory#create} accepts. */
  protected abstract BackendTarget backend();

  /** Recorded exchanges: at least one whole and, where the schema streams, one streamed answer. */
  protected abstract List<Sample> samples();

  @Test
  public void declaresItsPairsAndAcceptsTheBackend() throws InvalidConfigException {
    TranslatorFactory f = factory();
    assertFalse(f.schema() == null || f.schema().isBlank(), "schema() names the backend schema");
    assertFalse(f.endpoints().isEmpty(), "endpoints() declares at least one client endpoint");
    assertEquals(f.schema(), backend().schema(), "the sample backend is of the factory's schema");
    assertNotNull(f.create(backend(), "backends[0]"), "create returns a translator");
    assertFalse(samples().isEmpty(), "give the kit at least one sample");
    for (Sample s : samples()) {
      assertTrue(f.endpoints().contains(s.endpoint()), s.name() + ": the factory does not declare " + s.endpoint());
    }
  }

  @TestFactory
  public Stream<DynamicTest> translatesEachRequest() {
    return each("translates the request", s -> {
      UpstreamRequest up = start(s).request();
      assertNotNull(up, "request()");
      assertFalse(up.method().isBlank(), "the method");
      assertTrue(up.path().startsWith("/"), "the path starts with / (query allowed): " + up.path());
      assertNotNull(up.body(), "the body");
    });
  }

  @TestFactory
  public Stream<DynamicTest> answersAreWhatTheClientExpects() {
    return each("the client accepts the answer", s -> {
      Result r = replay(s, List.of(s.answer().body()));
      List<String> problems = r.streaming()
          ? ClientExpectations.stream(s.endpoint(), r.events())
          : ClientExpectations.whole(s.endpoint(), JsonSupport.tryParse(s.request()), r.body());
      assertTrue(problems.isEmpty(), "what the client would reject:\n  " + String.join("\n  ", problems)
          + "\nthe answer: " + abbreviate(new String(r.body(), StandardCharsets.UTF_8)));
      assertEquals(stream(s), r.streaming(), "streamed exactly when the client asked for a stream");
      assertFalse(r.model() == null || r.model().isBlank(), "responseModel() names a model");
    });
  }

  @TestFactory
  public Stream<DynamicTest> streamsSplitAtEveryByteGiveTheSameAnswer() {
    return each("a stream split anywhere gives the same answer", s -> {
      if (!stream(s)) {
        return; // whole answers come in one piece: the platform buffers them
      }
      byte[] body = s.answer().body();
      Result whole = replay(s, List.of(body));
      List<JsonNode> expected = normalized(whole.events());
      int step = Math.max(1, body.length / MAX_SPLITS);
      for (int at = 1; at < body.length; at += step) {
        Result split = replay(s, List.of(Arrays.copyOfRange(body, 0, at), Arrays.copyOfRange(body, at, body.length)));
        assertEquals(expected, normalized(split.events()), "split at byte " + at);
        assertEquals(whole.usage(), split.usage(), "usage, split at byte " + at);
        assertEquals(whole.model(), split.model(), "model, split at byte " + at);
      }
      List<byte[]> bytes = new ArrayList<>();
      for (int i = 0; i < body.length; i += step) {
        bytes.add(Arrays.copyOfRange(body, i, Math.min(body.length, i + step)));
      }
      Result pieces = replay(s, bytes);
      assertEquals(expected, normalized(pieces.events()), "in pieces of " + step + " byte(s)");
      assertEquals(whole.usage(), pieces.usage(), "usage, in pieces of " + step + " byte(s)");
    });
  }

  @TestFactory
  public Stream<DynamicTest> usageIsRead() {
    return each("reads the usage", s -> {
      if (s.usage() == null) {
        return;
      }
      Result r = replay(s, List.of(s.answer().body()));
      assertEquals(s.usage(), r.usage(), "usage() after the answer");
    });
  }

  @TestFactory
  public Stream<DynamicTest> aCutOrBrokenAnswerEndsCleanly() {
    return each("ends a cut or broken answer cleanly", s -> {
      byte[] body = s.answer().body();
      List<List<byte[]>> broken = List.of(
          List.of(Arrays.copyOf(body, body.length / 2)),
          List.of("{\"not\":\"what it should be\"}".getBytes(StandardCharsets.UTF_8)),
          List.of("\u0000\u0001 garbage \n\n".getBytes(StandardCharsets.UTF_8)),
          List.of(new byte[0]));
      for (List<byte[]> pieces : broken) {
        try {
          replay(s, pieces);
        } catch (GatewayException e) {
          assertTrue(e.status() >= 400, "a GatewayException carries an error status");
        } catch (RuntimeException e) {
          fail("a broken answer (" + abbreviate(new String(pieces.get(0), StandardCharsets.UTF_8))
              + ") threw " + e + "; throw GatewayException or pass what can be passed", e);
        }
      }
    });
  }

  /**
   * A whole answer cut at half its bytes (status 200, but its JSON truncated: the connection
   * dropped, a proxy in front gave up) cannot be translated. The translator must say so with a
   * {@link GatewayException} of status 502, which the platform sends as an error in the client's
   * own format, so the client never takes a broken or empty body for a success. (A stream's
   * headers have gone by then: see {@link #aStreamCutShortEndsWithAnError}.)
   */
  @TestFactory
  public Stream<DynamicTest> aWholeAnswerCutShortIsA502() {
    return each("a whole answer cut short is a 502", s -> {
      if (stream(s)) {
        return;
      }
      byte[] body = s.answer().body();
      byte[] cut = Arrays.copyOf(body, body.length / 2);
      Result r;
      try {
        r = replay(s, List.of(cut));
      } catch (GatewayException e) {
        assertEquals(502, e.status(), "a whole answer cut short is a 502 (bad gateway), not " + e.status());
        assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "the 502 says what was wrong");
        // as the platform: the exception as a local reply in the client's error format
        ClientApi api = s.endpoint().clientApi();
        byte[] out = ErrorFormats.render(api, e.status(), null, e.getMessage());
        List<String> problems = ClientExpectations.error(api, out);
        assertTrue(problems.isEmpty(), problems + " in " + new String(out, StandardCharsets.UTF_8));
        return;
      }
      fail("a whole answer cut short at byte " + cut.length + " of " + body.length + " would reach the client as a"
          + " success: " + abbreviate(new String(r.body(), StandardCharsets.UTF_8))
          + "; throw a GatewayException of status 502 instead");
    });
  }

  /**
   * A stream cut at half its bytes (the connection to the upstream dropped) must not look
   * complete to the client: what it decodes is still a valid stream, whose end is a terminal
   * error in its dialect: OpenAI, an error data event then {@code [DONE]}; Anthropic, an
   * {@code error} event. (A sample's stream says it is complete only in its second half.)
   */
  @TestFactory
  public Stream<DynamicTest> aStreamCutShortEndsWithAnError() {
    return each("a stream cut short ends with an error", s -> {
      if (!stream(s)) {
        return;
      }
      byte[] body = s.answer().body();
      Result r;
      try {
        r = replay(s, List.of(Arrays.copyOf(body, body.length / 2)));
      } catch (GatewayException e) {
        fail("a stream cut short threw " + e + "; the client's headers have gone, so end its stream with an"
            + " error event instead", e);
        return;
      }
      List<SseDecoder.Event> events = r.events();
      String answer = abbreviate(new String(r.body(), StandardCharsets.UTF_8));
      List<String> problems = ClientExpectations.stream(s.endpoint(), events);
      assertTrue(problems.isEmpty(), "what the client would reject in the stream cut short:\n  "
          + String.join("\n  ", problems) + "\nthe answer: " + answer);
      int n = events.size();
      if (s.endpoint() == Endpoint.RESPONSES) {
        String last = events.get(n - 1).event();
        assertTrue(last.equals("error") || last.equals("response.failed"), "a stream cut short ends with an error or"
            + " response.failed event, not as if complete: " + answer);
        assertTrue(events.stream().noneMatch(e -> e.event().equals("response.completed")),
            "a stream cut short has no response.completed: " + answer);
      } else if (s.endpoint().clientApi() == ClientApi.ANTHROPIC) {
        assertEquals("error", events.get(n - 1).event(), "a stream cut short ends with an error event, not as if"
            + " complete: " + answer);
      } else {
        JsonNode beforeDone = n >= 2 ? JsonSupport.tryParse(events.get(n - 2).data()) : null;
        assertTrue(beforeDone != null && beforeDone.isObject() && beforeDone.has("error"),
            "a stream cut short ends with an error event before [DONE], not as if complete: " + answer);
      }
    });
  }

  @TestFactory
  public Stream<DynamicTest> errorsBecomeTheClientsErrors() {
    return each("errors become the client's errors", s -> {
      ClientApi api = s.endpoint().clientApi();
      for (int status : ERROR_STATUSES) {
        for (Map.Entry<String, String> shape : ERROR_BODIES.entrySet()) {
          byte[] body = shape.getValue().getBytes(StandardCharsets.UTF_8);
          Headers headers = Headers.of("content-type", shape.getKey().equals("plain text") ? "text/plain"
              : "application/json");
          Translator.Exchange ex = start(s);
          UpstreamError error;
          try {
            error = ex.onError(status, headers, body);
          } catch (RuntimeException e) {
            fail(status + " " + shape.getKey() + ": onError threw " + e, e);
            return;
          }
          if (error != null) {
            assertFalse(error.message().isBlank(), status + " " + shape.getKey() + ": the error has a message");
          }
          // as the platform: the translator's reading, else its own
          UpstreamError read = error != null ? error : body.length == 0 ? UpstreamError.of("HTTP " + status)
              : UpstreamErrors.read(api, status, headers, body);
          byte[] out = ErrorFormats.render(api, status, read);
          List<String> problems = ClientExpectations.error(api, out);
          assertTrue(problems.isEmpty(), status + " " + shape.getKey() + ": " + problems + " in "
              + new String(out, StandardCharsets.UTF_8));
        }
      }
    });
  }

  // ---- machinery

  @FunctionalInterface
  private interface Check {
    void run(Sample s) throws Exception;
  }

  private Stream<DynamicTest> each(String what, Check check) {
    return samples().stream().map(s -> DynamicTest.dynamicTest(s.name() + ": " + what, () -> check.run(s)));
  }

  /** The result of one replay: the head, what the client got, and what the exchange read. */
  private record Result(boolean streaming, byte[] body, TokenUsage usage, String model) {
    List<SseDecoder.Event> events() {
      return new SseDecoder().feed(body);
    }
  }

  private Translator.Exchange start(Sample s) throws Exception {
    Translator translator = factory().create(backend(), "backends[0]");
    ObjectNode parsed = (ObjectNode) JsonSupport.MAPPER.readTree(s.request());
    Headers headers = Headers.of(":path", s.endpoint().path(), ":method", "POST", "content-type", "application/json");
    ClientRequest request = new ClientRequest(s.endpoint(), headers, s.request().getBytes(StandardCharsets.UTF_8),
        parsed, parsed.path("model").asText(), stream(s));
    return translator.start(request);
  }

  private Result replay(Sample s, List<byte[]> pieces) throws Exception {
    Translator.Exchange ex = start(s);
    ResponseHead head = ex.onResponseHeaders(s.answer().status(), Headers.of(s.answer().headers()));
    assertNotNull(head, "onResponseHeaders returns a head");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (!head.streaming()) {
      // buffered: the whole body in one call, as the platform gives it
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      pieces.forEach(all::writeBytes);
      out.writeBytes(ex.onResponseBody(all.toByteArray(), true));
    } else {
      for (Iterator<byte[]> it = pieces.iterator(); it.hasNext(); ) {
        byte[] piece = it.next();
        out.writeBytes(ex.onResponseBody(piece, !it.hasNext()));
      }
    }
    return new Result(head.streaming(), out.toByteArray(), ex.usage(), ex.responseModel());
  }

  private static boolean stream(Sample s) {
    JsonNode parsed = JsonSupport.tryParse(s.request());
    return parsed != null && parsed.path("stream").asBoolean(false);
  }

  /** The events' data as JSON with generated ids and timestamps left out, which differ between exchanges. */
  private static List<JsonNode> normalized(List<SseDecoder.Event> events) {
    List<JsonNode> out = new ArrayList<>();
    for (SseDecoder.Event e : events) {
      JsonNode json = JsonSupport.tryParse(e.data());
      ObjectNode entry = JsonSupport.object();
      entry.put("event", e.event());
      if (json == null) {
        entry.put("data", e.data());
      } else {
        entry.set("data", withoutGenerated(json.deepCopy()));
      }
      out.add(entry);
    }
    return out;
  }

  private static JsonNode withoutGenerated(JsonNode node) {
    if (node instanceof ObjectNode o) {
      // ids and timestamps; a Responses item's own id and its call_id (Gemini's calls have none: one is made)
      o.remove(List.of("id", "created", "created_at", "completed_at", "item_id", "call_id"));
      o.forEach(TranslatorConformance::withoutGenerated);
    } else if (node.isArray()) {
      node.forEach(TranslatorConformance::withoutGenerated);
    }
    return node;
  }

  private static String abbreviate(String s) {
    return s.length() > 400 ? s.substring(0, 400) + "…" : s;
  }
}
