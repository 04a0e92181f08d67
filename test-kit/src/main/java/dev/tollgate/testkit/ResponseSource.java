package dev.tollgate.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where the response that goes through the encoder filters comes from: the upstream, or one of
 * Envoy's own local replies (no route, request too large), which pass through ext_proc the same way.
 */
interface ResponseSource {
  /** The response headers with {@code :status}, lower-case names; a fresh copy the caller may change. */
  Map<String, String> headers();

  /** Whether the codec ends the response with the headers (no body: content-length 0, 204, 304). */
  boolean endsWithHeaders();

  /** The next body piece as it arrives, or null at the end. */
  byte[] next() throws IOException;

  /**
   * Whether the piece just returned by {@link #next()} was the last one, known from the framing
   * (a content-length body): Envoy then sends end_of_stream on that data. Chunked bodies end with
   * a separate empty piece instead.
   */
  boolean endKnownWithLastPiece();

  /** Envoy's response code details: {@code via_upstream} or the local reply's reason. */
  String details();

  /** Whether Envoy made this response itself. */
  boolean local();

  default byte[] readAll() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] p;
    while ((p = next()) != null) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  default void discard() throws IOException {
  }

  /** Envoy's own local reply: a text/plain body unless empty, content-length set. */
  static ResponseSource localReply(int status, String body, String details) {
    return localReply(status, body, details, Map.of());
  }

  /** A local reply with the headers the filter that made it adds (e.g. the rate-limit filter's). */
  static ResponseSource localReply(int status, String body, String details, Map<String, String> extraHeaders) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    Map<String, String> extra = Map.copyOf(extraHeaders);
    return new ResponseSource() {
      private boolean sent;

      @Override
      public Map<String, String> headers() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put(":status", Integer.toString(status));
        if (bytes.length > 0) {
          h.put("content-length", Integer.toString(bytes.length));
          h.put("content-type", "text/plain");
        }
        extra.forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), v));
        return h;
      }

      @Override
      public boolean endsWithHeaders() {
        return bytes.length == 0;
      }

      @Override
      public byte[] next() {
        if (sent || bytes.length == 0) {
          return null;
        }
        sent = true;
        return bytes;
      }

      @Override
      public boolean endKnownWithLastPiece() {
        return sent;
      }

      @Override
      public String details() {
        return details;
      }

      @Override
      public boolean local() {
        return true;
      }
    };
  }

  /**
   * The upstream's answer, read piece by piece as it arrives, with the header Envoy's router adds
   * to every upstream answer: {@code x-envoy-upstream-service-time}, the milliseconds to its headers.
   */
  static ResponseSource upstream(HttpResponse<InputStream> response, long serviceTimeMillis) {
    return new Upstream(response, serviceTimeMillis);
  }

  final class Upstream implements ResponseSource {
    private final HttpResponse<InputStream> response;
    private final InputStream in;
    private final long contentLength;
    private final long serviceTimeMillis;
    private long read;
    private boolean done;

    Upstream(HttpResponse<InputStream> response, long serviceTimeMillis) {
      this.response = response;
      this.in = response.body();
      this.contentLength = response.headers().firstValueAsLong("content-length").orElse(-1);
      this.serviceTimeMillis = serviceTimeMillis;
    }

    @Override
    public Map<String, String> headers() {
      Map<String, String> h = new LinkedHashMap<>();
      h.put(":status", Integer.toString(response.statusCode()));
      response.headers().map().forEach((k, v) -> {
        if (!k.startsWith(":")) {
          h.put(k.toLowerCase(Locale.ROOT), String.join(",", v));
        }
      });
      h.put("x-envoy-upstream-service-time", Long.toString(serviceTimeMillis));
      return h;
    }

    @Override
    public boolean endsWithHeaders() {
      int s = response.statusCode();
      return contentLength == 0 || s == 204 || s == 304;
    }

    @Override
    public byte[] next() throws IOException {
      if (done || endsWithHeaders()) {
        return null;
      }
      byte[] buf = new byte[8192];
      int n = in.read(buf);
      if (n < 0) {
        done = true;
        in.close();
        return null;
      }
      int more = Math.min(in.available(), buf.length - n);
      if (more > 0) {
        n += in.read(buf, n, more);
      }
      read += n;
      return Arrays.copyOf(buf, n);
    }

    @Override
    public boolean endKnownWithLastPiece() {
      return contentLength >= 0 && read >= contentLength;
    }

    @Override
    public String details() {
      return "via_upstream";
    }

    @Override
    public boolean local() {
      return false;
    }

    @Override
    public void discard() throws IOException {
      in.close();
    }
  }
}
