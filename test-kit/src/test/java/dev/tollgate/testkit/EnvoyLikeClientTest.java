package dev.tollgate.testkit;

import static dev.tollgate.testkit.ScriptedExtProc.answer;
import static dev.tollgate.testkit.ScriptedExtProc.cont;
import static dev.tollgate.testkit.ScriptedExtProc.metadata;
import static dev.tollgate.testkit.ScriptedExtProc.sets;
import static dev.tollgate.testkit.ScriptedExtProc.text;
import static io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest.RequestCase.REQUEST_BODY;
import static io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest.RequestCase.REQUEST_HEADERS;
import static io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest.RequestCase.RESPONSE_BODY;
import static io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest.RequestCase.RESPONSE_HEADERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.tollgate.testkit.EnvoyLikeClient.FilterConfig;
import dev.tollgate.testkit.FakeUpstream.Answer;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.HeaderSendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The Envoy-like client against a scripted ext_proc server: each rule of Envoy's filter the kit models. */
class EnvoyLikeClientTest {
  private static final String ROUTE = "x-route";
  private static final FilterConfig BUFFERED = FilterConfig.tollgateDefault().withMessageTimeout(Duration.ofSeconds(5));
  private static final String OK_JSON = "{\"ok\":true}";

  ScriptedExtProc ext;
  FakeUpstream a;
  FakeUpstream b;

  @BeforeEach
  void start() throws Exception {
    ext = new ScriptedExtProc();
    a = new FakeUpstream(r -> Answer.json(200, OK_JSON));
    b = new FakeUpstream(r -> Answer.json(200, "{\"from\":\"b\"}"));
  }

  @AfterEach
  void stop() throws Exception {
    ext.close();
    a.close();
    b.close();
  }

  private EnvoyLikeClient envoy(FilterConfig filter) {
    return new EnvoyLikeClient(ext.channel(), filter, Map.of("a", a.uri(), "b", b.uri()), ROUTE);
  }

  private static HttpExchange post(String body) {
    return HttpExchange.postJson("/v1/thing", body, ROUTE, "a");
  }

  private static Map<String, String> headers(HeaderMap m) {
    Map<String, String> out = new LinkedHashMap<>();
    for (HeaderValue h : m.getHeadersList()) {
      out.put(h.getKey(), h.getRawValue().toString(StandardCharsets.UTF_8));
    }
    return out;
  }

  private static CommonResponse common(HeaderMutation m) {
    return CommonResponse.newBuilder().setHeaderMutation(m).build();
  }

  private static CommonResponse newBody(String body, HeaderMutation m) {
    return CommonResponse.newBuilder().setHeaderMutation(m)
        .setBodyMutation(BodyMutation.newBuilder().setBody(ByteString.copyFromUtf8(body))).build();
  }

  private static ProcessingResponse withOverride(ProcessingRequest r, ProcessingMode mode) {
    return cont(r).toBuilder().setModeOverride(mode).build();
  }

  private List<ProcessingRequest> received(ProcessingRequest.RequestCase kind) {
    return ext.received().stream().filter(r -> r.getRequestCase() == kind).toList();
  }

  @Test
  void theFirstMessageCarriesTheProtocolConfigAndNoOtherDoes() throws Exception {
    assertThat(envoy(BUFFERED).send(post(OK_JSON)).status()).isEqualTo(200);
    List<ProcessingRequest> got = ext.received();
    assertThat(got).extracting(ProcessingRequest::getRequestCase)
        .containsExactly(REQUEST_HEADERS, REQUEST_BODY, RESPONSE_HEADERS, RESPONSE_BODY);
    assertThat(got.get(0).hasProtocolConfig()).isTrue();
    assertThat(got.get(0).getProtocolConfig().getRequestBodyMode()).isEqualTo(BodySendMode.BUFFERED);
    assertThat(got.get(0).getProtocolConfig().getResponseBodyMode()).isEqualTo(BodySendMode.BUFFERED);
    assertThat(got.subList(1, got.size())).noneMatch(ProcessingRequest::hasProtocolConfig);
  }

  @Test
  void settingBothValueAndRawValueFailsTheExchangeWith500() throws Exception {
    ext.script((r, s) -> s.answer(r.hasRequestHeaders() ? answer(r, common(HeaderMutation.newBuilder()
        .addSetHeaders(HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey("x-a")
            .setValue("1").setRawValue(ByteString.copyFromUtf8("1")))).build())) : cont(r)));
    ProxyResponse r = envoy(BUFFERED).send(post(OK_JSON));
    assertThat(r.status()).isEqualTo(500);
    assertThat(r.localReply()).isTrue();
    assertThat(a.received()).isEmpty();
  }

  @Test
  void aRejectedMutationIsIgnoredAndCountedNotApplied() throws Exception {
    ext.script((r, s) -> s.answer(r.hasRequestHeaders() ? answer(r, common(HeaderMutation.newBuilder()
        .addRemoveHeaders(":path").addSetHeaders(ScriptedExtProc.set("x-envoy-force-trace", "true"))
        .addSetHeaders(ScriptedExtProc.set("x-added", "yes")).build())) : cont(r)));
    ProxyResponse r = envoy(BUFFERED).send(post(OK_JSON));
    assertThat(r.status()).isEqualTo(200);
    assertThat(a.last().path()).isEqualTo("/v1/thing");
    assertThat(a.last().headers()).containsEntry("x-added", "yes").doesNotContainKey("x-envoy-force-trace");
    assertThat(r.rejectedHeaderMutations()).isEqualTo(2);
  }

  @Test
  void immediateResponseHeadersObeyTheMutationRulesToo() throws Exception {
    ext.script((r, s) -> s.answer(ProcessingResponse.newBuilder().setImmediateResponse(
        io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse.newBuilder()
            .setStatus(io.envoyproxy.envoy.type.v3.HttpStatus.newBuilder().setCodeValue(403))
            .setHeaders(sets("content-type", "application/json", "x-envoy-ratelimited", "true"))).build()));
    ProxyResponse r = envoy(BUFFERED).send(post(OK_JSON));
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.headers()).containsEntry("content-type", "application/json").doesNotContainKey("x-envoy-ratelimited");
    assertThat(r.rejectedHeaderMutations()).isEqualTo(1);
  }

  @Nested
  class RouteCache {
    @Test
    void clearRouteCacheWithoutAHeaderMutationInTheSameAnswerIsIgnored() throws Exception {
      ext.script((r, s) -> s.answer(switch (r.getRequestCase()) {
        case REQUEST_HEADERS -> answer(r, common(sets(ROUTE, "b")));
        case REQUEST_BODY -> answer(r, CommonResponse.newBuilder().setClearRouteCache(true).build());
        default -> cont(r);
      }));
      ProxyResponse r = envoy(BUFFERED).send(post(OK_JSON));
      assertThat(r.cluster()).as("the route of the headers as the client sent them").isEqualTo("a");
      assertThat(r.routeCacheCleared()).isFalse();
    }

    @Test
    void clearRouteCacheWithAHeaderMutationPicksTheRouteAgain() throws Exception {
      ext.script((r, s) -> s.answer(switch (r.getRequestCase()) {
        case REQUEST_HEADERS -> answer(r, common(sets(ROUTE, "b")));
        case REQUEST_BODY -> answer(r, common(sets("x-other", "1")).toBuilder().setClearRouteCache(true).build());
        default -> cont(r);
      }));
      ProxyResponse r = envoy(BUFFERED).send(post(OK_JSON));
      assertThat(r.cluster()).isEqualTo("b");
      assertThat(r.bodyText()).contains("\"from\":\"b\"");
      assertThat(r.routeCacheCleared()).isTrue();
    }
  }

  @Nested
  class ContentLength {
    @Test
    void aMutatedRequestBodyThatDisagreesWithContentLengthIs500() throws Exception {
      ext.script((r, s) -> s.answer(r.hasRequestBody() ? answer(r, newBody("{\"longer\":\"body\"}",
          HeaderMutation.getDefaultInstance())) : cont(r)));
      ProxyResponse r = envoy(BUFFERED).send(post(OK_JSON));
      assertThat(r.status()).isEqualTo(500);
      assertThat(r.details()).contains("mismatch between content length");
      assertThat(a.received()).isEmpty();
    }

    @Test
    void aMutatedRequestBodyWithItsContentLengthSetGoesUpstream() throws Exception {
      String body = "{\"longer\":\"body\"}";
      ext.script((r, s) -> s.answer(r.hasRequestBody()
          ? answer(r, newBody(body, sets("content-length", Integer.toString(body.length())))) : cont(r)));
      assertThat(envoy(BUFFERED).send(post(OK_JSON)).status()).isEqualTo(200);
      assertThat(a.last().bodyText()).isEqualTo(body);
    }

    @Test
    void aMutatedBufferedAnswerNeedsTheUpstreamsContentLengthRemovedOrFixed() throws Exception {
      ext.script((r, s) -> s.answer(r.hasResponseBody() ? answer(r, newBody("{}", HeaderMutation.getDefaultInstance()))
          : cont(r)));
      ProxyResponse r = envoy(BUFFERED).send(post(OK_JSON));
      assertThat(received(RESPONSE_HEADERS).get(0).getResponseHeaders().getHeaders().getHeadersList())
          .anyMatch(h -> h.getKey().equals("content-length"));
      assertThat(r.status()).isEqualTo(500);

      ext.script((r2, s) -> s.answer(switch (r2.getRequestCase()) {
        case RESPONSE_HEADERS -> answer(r2, common(HeaderMutation.newBuilder().addRemoveHeaders("content-length").build()));
        case RESPONSE_BODY -> answer(r2, newBody("{}", HeaderMutation.getDefaultInstance()));
        default -> cont(r2);
      }));
      ProxyResponse fixed = envoy(BUFFERED).send(post(OK_JSON));
      assertThat(fixed.status()).isEqualTo(200);
      assertThat(fixed.bodyText()).isEqualTo("{}");
    }

    @Test
    void aStreamedAnswerLosesItsContentLength() throws Exception {
      ext.script((r, s) -> s.answer(r.hasResponseHeaders() ? withOverride(r, ProcessingMode.newBuilder()
          .setResponseBodyMode(BodySendMode.STREAMED).build()) : cont(r)));
      ProxyResponse r = envoy(BUFFERED).send(post(OK_JSON));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.headers()).doesNotContainKey("content-length");
      assertThat(r.bodyText()).isEqualTo(OK_JSON);
    }
  }

  @Nested
  class DynamicMetadata {
    @BeforeEach
    void twoNamespaces() {
      ext.script((r, s) -> s.answer(r.hasRequestHeaders() ? cont(r).toBuilder().setDynamicMetadata(
          metadata("io.envoy.ai_gateway", "llm_total_token", 7).toBuilder()
              .putAllFields(metadata("other.ns", "x", 1).getFieldsMap())).build() : cont(r)));
    }

    @Test
    void tollgatesDefaultReceivesOnlyItsNamespace() throws Exception {
      ProxyResponse r = envoy(BUFFERED).send(post(OK_JSON));
      assertThat(r.metadataNumber("io.envoy.ai_gateway", "llm_total_token")).isEqualTo(7);
      assertThat(r.dynamicMetadata().getFieldsMap()).containsOnlyKeys("io.envoy.ai_gateway");
    }

    @Test
    void withoutReceivingNamespacesEverythingIsDropped() throws Exception {
      FilterConfig envoyDefaults = new FilterConfig(BUFFERED.mode(), true, Duration.ofSeconds(5));
      assertThat(envoy(envoyDefaults).send(post(OK_JSON)).dynamicMetadata().getFieldsMap()).isEmpty();
      ProxyResponse other = envoy(BUFFERED.withReceivingNamespaces("other.ns")).send(post(OK_JSON));
      assertThat(other.dynamicMetadata().getFieldsMap()).containsOnlyKeys("other.ns");
    }
  }

  @Nested
  class Streaming {
    private final List<byte[]> pieces = List.of("one ".getBytes(StandardCharsets.UTF_8),
        "two ".getBytes(StandardCharsets.UTF_8), "three".getBytes(StandardCharsets.UTF_8));

    /** Answers no response chunk until the last one arrived, then all of them in order, upper-cased. */
    private void answerChunksOnlyAtTheEnd() {
      List<ProcessingRequest> held = new ArrayList<>();
      ext.script((r, s) -> {
        if (r.hasResponseHeaders()) {
          s.answer(withOverride(r, ProcessingMode.newBuilder().setResponseBodyMode(BodySendMode.STREAMED).build()));
        } else if (r.hasResponseBody()) {
          synchronized (held) {
            held.add(r);
            if (r.getResponseBody().getEndOfStream()) {
              for (ProcessingRequest h : held) {
                String up = text(h.getResponseBody().getBody()).toUpperCase(Locale.ROOT);
                s.answer(answer(h, newBody(up, HeaderMutation.getDefaultInstance())));
              }
            }
          }
        } else {
          s.answer(cont(r));
        }
      });
    }

    @Test
    void chunksGoOutWithoutWaitingAndAnswersAreMatchedInOrder() throws Exception {
      a.handler(r -> Answer.stream("text/event-stream", pieces));
      answerChunksOnlyAtTheEnd();
      ProxyResponse r = envoy(BUFFERED.withMessageTimeout(Duration.ofSeconds(3))).send(post(OK_JSON));
      assertThat(r.status()).isEqualTo(200);
      List<String> chunks = r.chunks().stream().map(c -> new String(c, StandardCharsets.UTF_8)).toList();
      assertThat(String.join("", chunks)).isEqualTo("ONE TWO THREE");
      List<HttpBody> sent = received(RESPONSE_BODY).stream().map(ProcessingRequest::getResponseBody).toList();
      // how the bytes split into messages depends on the socket reads; the order and matching do not
      assertThat(sent.get(sent.size() - 1).getBody().isEmpty()).as("a chunked answer ends with an empty "
          + "end_of_stream chunk").isTrue();
      assertThat(sent.get(sent.size() - 1).getEndOfStream()).isTrue();
      List<HttpBody> data = sent.subList(0, sent.size() - 1);
      assertThat(data).noneMatch(HttpBody::getEndOfStream);
      assertThat(chunks).as("each answer goes out with the chunk it answers, in order")
          .containsExactlyElementsOf(data.stream().map(b -> text(b.getBody()).toUpperCase(Locale.ROOT)).toList());
    }

    @Test
    void aContentLengthAnswerCarriesEndOfStreamOnItsLastData() throws Exception {
      a.handler(r -> Answer.stream("text/event-stream", pieces).withContentLength());
      answerChunksOnlyAtTheEnd();
      ProxyResponse r = envoy(BUFFERED.withMessageTimeout(Duration.ofSeconds(3))).send(post(OK_JSON));
      assertThat(r.bodyText()).isEqualTo("ONE TWO THREE");
      List<HttpBody> sent = received(RESPONSE_BODY).stream().map(ProcessingRequest::getResponseBody).toList();
      HttpBody last = sent.get(sent.size() - 1);
      assertThat(last.getEndOfStream()).isTrue();
      // end of stream rides on data, not on an extra empty chunk (how the bytes split depends on the socket reads)
      assertThat(text(last.getBody())).isNotEmpty();
      assertThat("one two three").endsWith(text(last.getBody()));
      assertThat(sent).filteredOn(HttpBody::getEndOfStream).hasSize(1);
    }

    @Test
    void anExtProcFailureAfterTheHeadersWentDownstreamResetsTheStream() {
      a.handler(r -> Answer.stream("text/event-stream", pieces));
      ext.script((r, s) -> {
        if (r.hasResponseHeaders()) {
          s.answer(withOverride(r, ProcessingMode.newBuilder().setResponseBodyMode(BodySendMode.STREAMED).build()));
        } else if (r.hasResponseBody()) {
          s.fail(Status.INTERNAL);
        } else {
          s.answer(cont(r));
        }
      });
      assertThatThrownBy(() -> envoy(BUFFERED).send(post(OK_JSON))).isInstanceOf(EnvoyLikeClient.StreamReset.class);
    }
  }

  @Nested
  class ModeOverride {
    @Test
    void defaultHeaderModesKeepTheConfiguredOnes() throws Exception {
      FilterConfig noResponseHeaders = BUFFERED.withMode(BUFFERED.mode().toBuilder()
          .setResponseHeaderMode(HeaderSendMode.SKIP).build());
      ext.script((r, s) -> s.answer(r.hasRequestHeaders() ? withOverride(r, ProcessingMode.newBuilder()
          .setRequestBodyMode(BodySendMode.BUFFERED).setResponseBodyMode(BodySendMode.BUFFERED).build()) : cont(r)));
      envoy(noResponseHeaders).send(post(OK_JSON));
      assertThat(ext.receivedKinds()).containsExactly(REQUEST_HEADERS, REQUEST_BODY, RESPONSE_BODY);
    }

    @Test
    void bodyModesAreTheOverridesAndUnsetMeansNone() throws Exception {
      ext.script((r, s) -> s.answer(r.hasRequestHeaders() ? withOverride(r, ProcessingMode.newBuilder()
          .setResponseHeaderMode(HeaderSendMode.SEND).build()) : cont(r)));
      ProxyResponse r = envoy(BUFFERED).send(post(OK_JSON));
      assertThat(ext.receivedKinds()).containsExactly(REQUEST_HEADERS, RESPONSE_HEADERS);
      assertThat(a.last().bodyText()).isEqualTo(OK_JSON);
      assertThat(r.bodyText()).isEqualTo(OK_JSON);
    }

    @Test
    void anOverrideInABodyAnswerOrWithoutAllowModeOverrideIsIgnored() throws Exception {
      ProcessingMode nothing = ProcessingMode.newBuilder().setResponseHeaderMode(HeaderSendMode.SKIP).build();
      ext.script((r, s) -> s.answer(r.hasRequestBody() ? withOverride(r, nothing) : cont(r)));
      envoy(BUFFERED).send(post(OK_JSON));
      assertThat(ext.receivedKinds()).containsExactly(REQUEST_HEADERS, REQUEST_BODY, RESPONSE_HEADERS, RESPONSE_BODY);

      ScriptedExtProc.Script headersOverride = (r, s) -> s.answer(r.hasRequestHeaders() ? withOverride(r, nothing) : cont(r));
      ext.close();
      ext = new ScriptedExtProc().script(headersOverride);
      envoy(BUFFERED.withAllowModeOverride(false)).send(post(OK_JSON));
      assertThat(ext.receivedKinds()).containsExactly(REQUEST_HEADERS, REQUEST_BODY, RESPONSE_HEADERS, RESPONSE_BODY);
    }
  }

  @Nested
  class Failures {
    @Test
    void aMessageTimeoutIs504() throws Exception {
      ext.script((r, s) -> { });
      ProxyResponse r = envoy(BUFFERED.withMessageTimeout(Duration.ofMillis(300))).send(post(OK_JSON));
      assertThat(r.status()).isEqualTo(504);
      assertThat(r.details()).isEqualTo("ext_proc_error_per-message_timeout_exceeded");
      assertThat(a.received()).isEmpty();
    }

    @Test
    void aGrpcErrorIs500() throws Exception {
      ext.script((r, s) -> {
        if (r.hasRequestBody()) {
          s.fail(Status.INTERNAL.withDescription("boom"));
        } else {
          s.answer(cont(r));
        }
      });
      ProxyResponse r = envoy(BUFFERED).send(post(OK_JSON));
      assertThat(r.status()).isEqualTo(500);
      assertThat(r.details()).isEqualTo("ext_proc_error_gRPC_error_13{boom}");
      assertThat(a.received()).isEmpty();
    }

    @Test
    void aCleanCloseLetsTheExchangeContinueUnprocessed() throws Exception {
      ext.script((r, s) -> {
        if (r.hasRequestBody()) {
          s.closeCleanly();
        } else {
          s.answer(answer(r, common(sets("x-from-headers", "1"))));
        }
      });
      ProxyResponse r = envoy(BUFFERED).send(post(OK_JSON));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.bodyText()).isEqualTo(OK_JSON);
      assertThat(a.last().headers()).containsEntry("x-from-headers", "1");
      assertThat(a.last().bodyText()).isEqualTo(OK_JSON);
      assertThat(ext.receivedKinds()).containsExactly(REQUEST_HEADERS, REQUEST_BODY);
    }
  }

  @Nested
  class EnvoysOwnLocalReplies {
    @Test
    void noRouteIsA404ThatGoesThroughTheResponsePhases() throws Exception {
      ext.script((r, s) -> s.answer(r.hasResponseHeaders() ? answer(r, common(sets("x-seen", "yes"))) : cont(r)));
      ProxyResponse r = envoy(BUFFERED).send(HttpExchange.postJson("/v1/thing", OK_JSON));
      assertThat(r.status()).isEqualTo(404);
      assertThat(r.details()).isEqualTo("route_not_found");
      assertThat(r.headers()).containsEntry("x-seen", "yes");
      ProcessingRequest head = received(RESPONSE_HEADERS).get(0);
      assertThat(headers(head.getResponseHeaders().getHeaders())).containsEntry(":status", "404");
      assertThat(head.getResponseHeaders().getEndOfStream()).as("no body").isTrue();
      assertThat(received(RESPONSE_BODY)).isEmpty();
    }

    @Test
    void aRequestBodyOverTheBufferLimitIsA413ThatGoesThroughTheResponsePhases() throws Exception {
      ProxyResponse r = envoy(BUFFERED.withBufferLimitBytes(1024)).send(post("{\"p\":\"" + "x".repeat(2000) + "\"}"));
      assertThat(r.status()).isEqualTo(413);
      assertThat(r.bodyText()).isEqualTo("Payload Too Large");
      assertThat(ext.receivedKinds()).containsExactly(REQUEST_HEADERS, RESPONSE_HEADERS, RESPONSE_BODY);
      assertThat(headers(received(RESPONSE_HEADERS).get(0).getResponseHeaders().getHeaders()))
          .containsEntry(":status", "413").containsEntry("content-type", "text/plain");
      assertThat(a.received()).isEmpty();
    }

    @Test
    void anExtProcAnswerToTheLocalReplyIsWhatTheClientGets() throws Exception {
      ext.script((r, s) -> s.answer(r.hasResponseHeaders() ? ProcessingResponse.newBuilder().setImmediateResponse(
          io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse.newBuilder()
              .setStatus(io.envoyproxy.envoy.type.v3.HttpStatus.newBuilder().setCodeValue(500))
              .setBody(ByteString.copyFromUtf8("out of order"))).build() : cont(r)));
      ProxyResponse r = envoy(BUFFERED.withBufferLimitBytes(16)).send(post("{\"p\":\"" + "x".repeat(100) + "\"}"));
      assertThat(r.status()).isEqualTo(500);
      assertThat(r.bodyText()).isEqualTo("out of order");
    }

    @Test
    void theRateLimitFilterSeesTheRequestAsExtProcLeftItAndItsRefusalGoesThroughTheResponsePhases()
        throws Exception {
      ext.script((r, s) -> s.answer(r.hasRequestHeaders()
          ? answer(r, common(sets("x-model", "m1"))).toBuilder()
              .setDynamicMetadata(metadata(EnvoyLikeClient.TOLLGATE_METADATA_NAMESPACE, "n", 3)).build()
          : cont(r)));
      List<String> seen = new ArrayList<>();
      ProxyResponse r = envoy(BUFFERED).rateLimitFilter((headers, md) -> {
        seen.add(headers.get("x-model") + " " + md.getFieldsOrThrow(EnvoyLikeClient.TOLLGATE_METADATA_NAMESPACE)
            .getStructValue().getFieldsOrThrow("n").getNumberValue());
        return java.util.Optional.of(Map.of("x-ratelimit-reset", "9"));
      }).send(post(OK_JSON));
      assertThat(seen).containsExactly("m1 3.0");
      assertThat(r.status()).isEqualTo(429);
      assertThat(r.details()).isEqualTo("request_rate_limited");
      assertThat(r.headers()).containsEntry("x-envoy-ratelimited", "true").containsEntry("x-ratelimit-reset", "9")
          .doesNotContainKey("x-envoy-upstream-service-time");
      ProcessingRequest head = received(RESPONSE_HEADERS).get(0);
      assertThat(head.getResponseHeaders().getEndOfStream()).as("no body").isTrue();
      assertThat(a.received()).isEmpty();

      ProxyResponse allowed = envoy(BUFFERED).rateLimitFilter((headers, md) -> java.util.Optional.empty())
          .send(post(OK_JSON));
      assertThat(allowed.status()).isEqualTo(200);
      assertThat(allowed.headers()).as("the router's header on an upstream's answer")
          .containsKey("x-envoy-upstream-service-time");
    }

    @Test
    void continueAndReplaceInTheResponseHeadersAnswerReplacesTheBodyAndNoBodyMessageFollows() throws Exception {
      ext.script((r, s) -> s.answer(r.hasResponseHeaders() ? answer(r, newBody("{\"replaced\":1}",
          sets("content-type", "application/json")).toBuilder()
          .setStatus(CommonResponse.ResponseStatus.CONTINUE_AND_REPLACE).build()) : cont(r)));
      ProxyResponse local = envoy(BUFFERED).send(HttpExchange.postJson("/v1/thing", OK_JSON));
      assertThat(local.status()).isEqualTo(404);
      assertThat(local.bodyText()).as("added to a reply that had no body").isEqualTo("{\"replaced\":1}");
      ProxyResponse upstream = envoy(BUFFERED).send(post(OK_JSON));
      assertThat(upstream.status()).isEqualTo(200);
      assertThat(upstream.bodyText()).isEqualTo("{\"replaced\":1}");
      assertThat(received(RESPONSE_BODY)).isEmpty();
    }

    @Test
    void aBufferedAnswerOverTheLimitIs500WithoutReachingExtProc() throws Exception {
      a.handler(r -> Answer.json(200, "{\"p\":\"" + "x".repeat(2000) + "\"}"));
      ProxyResponse r = envoy(BUFFERED.withBufferLimitBytes(1024)).send(post(OK_JSON));
      assertThat(r.status()).isEqualTo(500);
      assertThat(r.details()).isEqualTo("response_payload_too_large");
      assertThat(ext.receivedKinds()).containsExactly(REQUEST_HEADERS, REQUEST_BODY, RESPONSE_HEADERS);
    }
  }
}
