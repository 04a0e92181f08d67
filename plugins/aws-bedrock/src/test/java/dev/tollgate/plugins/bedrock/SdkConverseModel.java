package dev.tollgate.plugins.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.core.SdkPojo;
import software.amazon.awssdk.core.protocol.MarshallLocation;
import software.amazon.awssdk.core.protocol.MarshallingType;
import software.amazon.awssdk.core.traits.ListTrait;
import software.amazon.awssdk.core.traits.MapTrait;
import software.amazon.awssdk.core.traits.TimestampFormatTrait;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.SdkHttpFullResponse;
import software.amazon.awssdk.protocols.json.internal.unmarshall.JsonProtocolUnmarshaller;
import software.amazon.awssdk.protocols.jsoncore.JsonNodeParser;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;

/**
 * Reads a Converse request body with the AWS SDK's own model of the Bedrock Runtime API: the
 * SDK's JSON protocol unmarshaller fills a {@link ConverseRequest}, and a strict walk over the
 * model's field definitions rejects any JSON member the API does not define (the unmarshaller
 * alone would skip unknown members silently) and any union holding other than one member.
 */
final class SdkConverseModel {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonProtocolUnmarshaller UNMARSHALLER = JsonProtocolUnmarshaller.builder()
      .parser(JsonNodeParser.create())
      .protocolUnmarshallDependencies(JsonProtocolUnmarshaller.defaultProtocolUnmarshallDependencies())
      .defaultTimestampFormats(Map.of(MarshallLocation.PAYLOAD, TimestampFormatTrait.Format.UNIX_TIMESTAMP))
      .build();

  private SdkConverseModel() {
  }

  static ConverseRequest converse(byte[] body) {
    check(body, ConverseRequest.builder().sdkFields());
    return unmarshall((SdkPojo) ConverseRequest.builder(), body);
  }

  static ConverseStreamRequest converseStream(byte[] body) {
    check(body, ConverseStreamRequest.builder().sdkFields());
    return unmarshall((SdkPojo) ConverseStreamRequest.builder(), body);
  }

  /** The problems of a body against the SDK model, empty when it conforms. */
  static List<String> problems(byte[] body, List<SdkField<?>> fields) {
    List<String> out = new ArrayList<>();
    try {
      walk(JSON.readTree(body), fields, "$", out);
    } catch (java.io.IOException e) {
      out.add("not JSON: " + e.getMessage());
    }
    return out;
  }

  private static void check(byte[] body, List<SdkField<?>> fields) {
    List<String> problems = problems(body, fields);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("not a valid Converse body: " + problems);
    }
  }

  private static <T> T unmarshall(SdkPojo builder, byte[] body) {
    try {
      SdkHttpFullResponse response = SdkHttpFullResponse.builder().statusCode(200)
          .content(AbortableInputStream.create(new ByteArrayInputStream(body))).build();
      Object built = UNMARSHALLER.unmarshall(builder, response);
      @SuppressWarnings("unchecked")
      T t = (T) built;
      return t;
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static void walk(JsonNode node, List<SdkField<?>> fields, String path, List<String> out) {
    if (!node.isObject()) {
      out.add(path + " must be an object");
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      SdkField<?> f = fields.stream().filter(x -> x.location() == MarshallLocation.PAYLOAD
          && e.getKey().equals(x.locationName())).findFirst().orElse(null);
      if (f == null) {
        out.add(path + "." + e.getKey() + " is not a member of the API shape");
        continue;
      }
      value(e.getValue(), f, path + "." + e.getKey(), out);
    }
  }

  private static void value(JsonNode v, SdkField<?> f, String path, List<String> out) {
    MarshallingType<?> t = f.marshallingType();
    if (t == MarshallingType.DOCUMENT) {
      return;
    }
    if (t == MarshallingType.SDK_POJO) {
      SdkPojo nested = f.constructor().get();
      List<SdkField<?>> nf = nested.sdkFields();
      walk(v, nf, path, out);
      if (unionShape(nested) && v.isObject() && v.size() != 1) {
        out.add(path + " is a union and must hold exactly one member, not " + v.size());
      }
      return;
    }
    if (t == MarshallingType.LIST) {
      if (!v.isArray()) {
        out.add(path + " must be an array");
        return;
      }
      SdkField<?> member = f.getRequiredTrait(ListTrait.class).memberFieldInfo();
      for (int i = 0; i < v.size(); i++) {
        value(v.get(i), member, path + "[" + i + "]", out);
      }
      return;
    }
    if (t == MarshallingType.MAP) {
      SdkField<?> member = f.getRequiredTrait(MapTrait.class).valueFieldInfo();
      v.fields().forEachRemaining(e -> value(e.getValue(), member, path + "." + e.getKey(), out));
      return;
    }
    boolean ok = switch (t.getTargetClass().getSimpleName()) {
      case "String" -> v.isTextual();
      case "Integer", "Long", "Short" -> v.isIntegralNumber();
      case "Float", "Double", "BigDecimal" -> v.isNumber();
      case "Boolean" -> v.isBoolean();
      case "SdkBytes" -> v.isTextual() && isBase64(v.asText());
      default -> true;
    };
    if (!ok) {
      out.add(path + " has the wrong type for " + t);
    }
  }

  /** Converse unions (ContentBlock, ToolChoice, ...) are the shapes whose {@code type()} is their own nested {@code Type} enum. */
  private static boolean unionShape(SdkPojo builder) {
    if (!(builder instanceof software.amazon.awssdk.utils.builder.SdkBuilder<?, ?> b)) {
      return false;
    }
    try {
      Class<?> shape = b.build().getClass();
      Class<?> type = shape.getMethod("type").getReturnType();
      return type.getEnclosingClass() == shape && type.getSimpleName().equals("Type");
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  private static boolean isBase64(String s) {
    try {
      java.util.Base64.getDecoder().decode(s);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
