package dev.tollgate.extproc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An OTLP/HTTP traces receiver on loopback: takes {@code POST /v1/traces} with a protobuf
 * {@code ExportTraceServiceRequest} and keeps the spans. The message is read field by field from
 * the OTLP proto's field numbers (no generated classes), which is all a test needs.
 */
final class FakeOtlpCollector implements AutoCloseable {
  /** One received span; ids in lower-case hex, parent "" for a root span, attributes as strings. */
  record ReceivedSpan(String traceId, String spanId, String parentSpanId, String name, int kind,
                      Map<String, String> attributes, int statusCode) {
  }

  final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
  final List<String> contentTypes = new CopyOnWriteArrayList<>();
  private final HttpServer server;

  FakeOtlpCollector() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/traces", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      contentTypes.add(String.valueOf(exchange.getRequestHeaders().getFirst("content-type")));
      int status = 200;
      try {
        spans.addAll(parse(body));
      } catch (InvalidProtocolBufferException | RuntimeException e) {
        status = 400;
      }
      exchange.sendResponseHeaders(status, -1);
      exchange.close();
    });
    server.start();
  }

  URI tracesEndpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces");
  }

  /** The received spans named {@code name}. */
  List<ReceivedSpan> named(String name) {
    return spans.stream().filter(s -> s.name().equals(name)).toList();
  }

  static List<ReceivedSpan> parse(byte[] request) throws InvalidProtocolBufferException {
    List<ReceivedSpan> out = new java.util.ArrayList<>();
    for (ByteString resourceSpans : fields(UnknownFieldSet.parseFrom(request), 1)) {
      for (ByteString scopeSpans : fields(UnknownFieldSet.parseFrom(resourceSpans), 2)) {
        for (ByteString span : fields(UnknownFieldSet.parseFrom(scopeSpans), 2)) {
          out.add(span(UnknownFieldSet.parseFrom(span)));
        }
      }
    }
    return out;
  }

  private static ReceivedSpan span(UnknownFieldSet s) throws InvalidProtocolBufferException {
    Map<String, String> attributes = new LinkedHashMap<>();
    for (ByteString kv : fields(s, 9)) {
      UnknownFieldSet f = UnknownFieldSet.parseFrom(kv);
      String key = one(f, 1).toStringUtf8();
      UnknownFieldSet value = UnknownFieldSet.parseFrom(one(f, 2));
      String v;
      if (value.hasField(1)) {
        v = value.getField(1).getLengthDelimitedList().get(0).toStringUtf8();
      } else if (value.hasField(2)) {
        v = String.valueOf(value.getField(2).getVarintList().get(0) != 0);
      } else if (value.hasField(3)) {
        v = String.valueOf(value.getField(3).getVarintList().get(0));
      } else if (value.hasField(4)) {
        v = String.valueOf(Double.longBitsToDouble(value.getField(4).getFixed64List().get(0)));
      } else {
        v = "?";
      }
      attributes.put(key, v);
    }
    int status = 0;
    if (s.hasField(15)) {
      UnknownFieldSet st = UnknownFieldSet.parseFrom(one(s, 15));
      status = st.hasField(3) ? st.getField(3).getVarintList().get(0).intValue() : 0;
    }
    int kind = s.hasField(6) ? s.getField(6).getVarintList().get(0).intValue() : 0;
    return new ReceivedSpan(hex(one(s, 1)), hex(one(s, 2)), s.hasField(4) ? hex(one(s, 4)) : "",
        one(s, 5).toStringUtf8(), kind, attributes, status);
  }

  private static List<ByteString> fields(UnknownFieldSet set, int number) {
    return set.hasField(number) ? set.getField(number).getLengthDelimitedList() : List.of();
  }

  private static ByteString one(UnknownFieldSet set, int number) {
    List<ByteString> all = fields(set, number);
    return all.isEmpty() ? ByteString.EMPTY : all.get(0);
  }

  private static String hex(ByteString b) {
    return HexFormat.of().formatHex(b.toByteArray());
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
