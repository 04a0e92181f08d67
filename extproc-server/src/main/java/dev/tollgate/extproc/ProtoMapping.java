package dev.tollgate.extproc;

import com.google.protobuf.ByteString;
import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.tollgate.core.pipeline.UpstreamAttempt;
import dev.tollgate.core.pipeline.UpstreamPlacement;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import dev.tollgate.api.Headers;
import dev.tollgate.core.pipeline.PhaseResult;
import dev.tollgate.core.pipeline.PhaseResult.BodyMode;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Converts between Envoy's ext_proc messages and the core's own types. The only place both meet. */
final class ProtoMapping {
  private ProtoMapping() {
  }

  /** Envoy's header map as core headers; recent Envoys fill {@code raw_value} instead of {@code value}. */
  static Headers headers(HeaderMap map) {
    Map<String, String> out = new LinkedHashMap<>();
    for (HeaderValue h : map.getHeadersList()) {
      String v = h.getRawValue().isEmpty() ? h.getValue() : h.getRawValue().toString(StandardCharsets.UTF_8);
      out.merge(h.getKey(), v, (a, b) -> a + "," + b);
    }
    return Headers.of(out);
  }

  static CommonResponse common(PhaseResult r) {
    CommonResponse.Builder c = CommonResponse.newBuilder();
    HeaderMutation mutation = mutation(r.setHeaders(), r.removeHeaders());
    if (mutation != null) {
      c.setHeaderMutation(mutation);
    }
    if (r.body() != null) {
      c.setBodyMutation(BodyMutation.newBuilder().setBody(ByteString.copyFrom(r.body())));
    }
    if (r.clearRouteCache()) {
      c.setClearRouteCache(true);
    }
    return c.build();
  }

  /**
   * The answer to a headers message. A body in it replaces the whole body of that side right away
   * ({@code CONTINUE_AND_REPLACE}; Envoy then adds one where there was none and sends no body
   * message).
   */
  static CommonResponse headersCommon(PhaseResult r) {
    CommonResponse c = common(r);
    return r.body() == null ? c : c.toBuilder().setStatus(CommonResponse.ResponseStatus.CONTINUE_AND_REPLACE).build();
  }

  static HeaderMutation mutation(Headers set, java.util.Set<String> remove) {
    if (set.isEmpty() && remove.isEmpty()) {
      return null;
    }
    HeaderMutation.Builder m = HeaderMutation.newBuilder();
    set.asMap().forEach((k, v) -> m.addSetHeaders(HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(k).setRawValue(ByteString.copyFromUtf8(v)))
        .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)));
    m.addAllRemoveHeaders(remove);
    return m.build();
  }

  static ImmediateResponse immediate(PhaseResult.LocalReply reply) {
    ImmediateResponse.Builder b = ImmediateResponse.newBuilder()
        .setStatus(HttpStatus.newBuilder().setCodeValue(reply.status()))
        .setBody(ByteString.copyFrom(reply.body()))
        .setDetails(reply.details());
    HeaderMutation m = mutation(reply.headers(), java.util.Set.of());
    if (m != null) {
      b.setHeaders(m);
    }
    return b.build();
  }

  /**
   * A mode override is a whole ProcessingMode, not a patch: Envoy applies it as the filter's mode
   * for the rest of the stream. So it always states the header modes too.
   */
  static ProcessingMode requestMode(BodyMode requestBody) {
    return ProcessingMode.newBuilder()
        .setRequestHeaderMode(ProcessingMode.HeaderSendMode.SEND)
        .setRequestBodyMode(body(requestBody))
        .setResponseHeaderMode(ProcessingMode.HeaderSendMode.SEND)
        .setResponseBodyMode(ProcessingMode.BodySendMode.BUFFERED)
        .setRequestTrailerMode(ProcessingMode.HeaderSendMode.SKIP)
        .setResponseTrailerMode(ProcessingMode.HeaderSendMode.SKIP)
        .build();
  }

  /**
   * The response side's mode. Response trailers are asked for: an answer with trailers has no
   * body message with end of stream, and its trailers are where it ends (costs, final translation).
   */
  static ProcessingMode responseMode(BodyMode responseBody) {
    return ProcessingMode.newBuilder()
        .setRequestHeaderMode(ProcessingMode.HeaderSendMode.SEND)
        .setResponseHeaderMode(ProcessingMode.HeaderSendMode.SEND)
        .setResponseBodyMode(body(responseBody))
        .setRequestTrailerMode(ProcessingMode.HeaderSendMode.SKIP)
        .setResponseTrailerMode(ProcessingMode.HeaderSendMode.SEND)
        .build();
  }

  private static ProcessingMode.BodySendMode body(BodyMode m) {
    return switch (m) {
      case NONE -> ProcessingMode.BodySendMode.NONE;
      case BUFFERED -> ProcessingMode.BodySendMode.BUFFERED;
      case STREAMED -> ProcessingMode.BodySendMode.STREAMED;
    };
  }

  /** Dynamic metadata: top-level keys are namespaces, as Envoy expects. */
  /** The attributes Envoy sends with the request headers, under the ext_proc filter's name. */
  static final String ATTRIBUTES_KEY = "envoy.filters.http.ext_proc";

  /**
   * The upstream attempt this stream is for, when Envoy's upstream filter of a rule's cluster
   * sent it (it alone asks for the endpoint's backend attribute); null for the router-level filter.
   */
  static UpstreamAttempt attempt(ProcessingRequest request) {
    Struct attributes = request.getAttributesMap().get(ATTRIBUTES_KEY);
    if (attributes == null || !attributes.containsFields(UpstreamPlacement.BACKEND_ATTRIBUTE)) {
      return null;
    }
    Value backend = attributes.getFieldsOrThrow(UpstreamPlacement.BACKEND_ATTRIBUTE);
    Value host = attributes.getFieldsOrDefault(UpstreamPlacement.HOST_ATTRIBUTE, Value.getDefaultInstance());
    Value number = attributes.getFieldsOrDefault(UpstreamPlacement.ATTEMPT_ATTRIBUTE, Value.getDefaultInstance());
    Struct handoff = request.getMetadataContext().getFilterMetadataMap().get(UpstreamPlacement.HANDOFF_NAMESPACE);
    @SuppressWarnings("unchecked")
    Map<String, Object> handed = handoff == null ? Map.of() : (Map<String, Object>) java(Value.newBuilder()
        .setStructValue(handoff).build());
    return new UpstreamAttempt(backend.hasStringValue() && !backend.getStringValue().isEmpty() ? backend.getStringValue() : null,
        host.hasStringValue() ? host.getStringValue() : null,
        number.hasNumberValue() ? (int) number.getNumberValue() : 1, handed);
  }

  /** A protobuf value as plain Java: maps, lists, strings, doubles, booleans, null. */
  static Object java(Value v) {
    return switch (v.getKindCase()) {
      case STRUCT_VALUE -> {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        v.getStructValue().getFieldsMap().forEach((k, x) -> m.put(k, java(x)));
        yield m;
      }
      case LIST_VALUE -> v.getListValue().getValuesList().stream().map(ProtoMapping::java).toList();
      case STRING_VALUE -> v.getStringValue();
      case NUMBER_VALUE -> v.getNumberValue();
      case BOOL_VALUE -> v.getBoolValue();
      default -> null;
    };
  }

  static Struct metadata(Map<String, Map<String, Object>> md) {
    Struct.Builder root = Struct.newBuilder();
    md.forEach((ns, values) -> {
      Struct.Builder s = Struct.newBuilder();
      values.forEach((k, v) -> s.putFields(k, value(v)));
      root.putFields(ns, Value.newBuilder().setStructValue(s).build());
    });
    return root.build();
  }

  private static Value value(Object v) {
    if (v == null) {
      return Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
    }
    if (v instanceof Number n) {
      return Value.newBuilder().setNumberValue(n.doubleValue()).build();
    }
    if (v instanceof Boolean b) {
      return Value.newBuilder().setBoolValue(b).build();
    }
    if (v instanceof Map<?, ?> m) {
      Struct.Builder s = Struct.newBuilder();
      m.forEach((k, x) -> s.putFields(String.valueOf(k), value(x)));
      return Value.newBuilder().setStructValue(s).build();
    }
    if (v instanceof List<?> l) {
      ListValue.Builder lb = ListValue.newBuilder();
      l.forEach(x -> lb.addValues(value(x)));
      return Value.newBuilder().setListValue(lb).build();
    }
    return Value.newBuilder().setStringValue(v.toString()).build();
  }
}
