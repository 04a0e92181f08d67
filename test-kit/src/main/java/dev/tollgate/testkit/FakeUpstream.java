package dev.tollgate.testkit;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A provider upstream on loopback: records every request it receives and answers through a
 * handler. Streamed answers are written piece by piece with a flush after each, so the proxy
 * sees them arrive separately.
 */
public final class FakeUpstream implements AutoCloseable {
  /** A request as the upstream received it; header names lower case. */
  public record Received(String method, String path, Map<String, String> headers, byte[] body) {
    public String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /**
   * An answer: status, headers, and the body in the pieces to write it in, {@code pause} apart.
   *
   * @param contentLength whether the body is framed by a content-length (else chunked); Envoy then
   *                      sends end_of_stream with the last piece of data instead of an empty one
   */
  public record Answer(int status, Map<String, String> headers, List<byte[]> pieces, boolean contentLength,
                       java.time.Duration pause) {
    /** One piece goes with a content-length, several are chunked, 5 ms apart. */
    public Answer(int status, Map<String, String> headers, List<byte[]> pieces) {
      this(status, headers, pieces, pieces.size() <= 1, java.time.Duration.ofMillis(5));
    }

    /** The same pieces, written one by one, but framed by a content-length. */
    public Answer withContentLength() {
      return new Answer(status, headers, pieces, true, pause);
    }

    /** The same answer with another pause between its pieces. */
    public Answer paced(java.time.Duration between) {
      return new Answer(status, headers, pieces, contentLength, between);
    }

    /**
     * The same status and headers with the first half of the body, framed by its own
     * content-length: a well-formed HTTP answer whose JSON is truncated (as an upstream or a proxy
     * in front that gave up mid-answer delivers it).
     */
    public Answer cutInHalf() {
      java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
      pieces.forEach(all::writeBytes);
      byte[] body = all.toByteArray();
      return new Answer(status, headers, List.of(java.util.Arrays.copyOf(body, body.length / 2)), true, pause);
    }

    public static Answer json(int status, String json) {
      return new Answer(status, Map.of("content-type", "application/json"),
          List.of(json.getBytes(StandardCharsets.UTF_8)));
    }

    public static Answer stream(String contentType, List<byte[]> pieces) {
      return new Answer(200, Map.of("content-type", contentType), pieces);
    }
  }

  private final HttpServer server;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private volatile Function<Received, Answer> handler;

  public FakeUpstream(Function<Received, Answer> handler) throws IOException {
    this(handler, null);
  }

  /** An upstream that speaks HTTPS with {@code tls}'s certificate; null for plain HTTP. */
  public FakeUpstream(Function<Received, Answer> handler, javax.net.ssl.SSLContext tls) throws IOException {
    this.handler = handler;
    if (tls == null) {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } else {
      com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(
          new InetSocketAddress("127.0.0.1", 0), 0);
      https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
      server = https;
    }
    server.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "fake-upstream");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/", ex -> {
      try (ex) {
        Map<String, String> headers = new TreeMap<>();
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
        String path = ex.getRequestURI().getRawPath()
            + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery());
        Received r = new Received(ex.getRequestMethod(), path, Map.copyOf(headers), ex.getRequestBody().readAllBytes());
        received.add(r);
        Answer a;
        try {
          a = this.handler.apply(r);
        } catch (RuntimeException e) {
          a = Answer.json(500, "{\"error\":{\"message\":\"fake upstream handler failed: " + e + "\"}}");
        }
        a.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        boolean streamed = a.pieces().size() > 1;
        long length = a.pieces().stream().mapToLong(p -> p.length).sum();
        ex.sendResponseHeaders(a.status(), !a.contentLength() ? 0 : length == 0 ? -1 : length);
        OutputStream out = ex.getResponseBody();
        for (byte[] p : a.pieces()) {
          out.write(p);
          out.flush();
          if (streamed) {
            sleepQuietly(a.pause());
          }
        }
      }
    });
    server.start();
  }

  private static void sleepQuietly(java.time.Duration pause) {
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public void handler(Function<Received, Answer> handler) {
    this.handler = handler;
  }

  public URI uri() {
    String scheme = server instanceof com.sun.net.httpserver.HttpsServer ? "https" : "http";
    return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort());
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public List<Received> received() {
    return List.copyOf(received);
  }

  public Received last() {
    if (received.isEmpty()) {
      throw new IllegalStateException("the upstream received nothing");
    }
    return received.get(received.size() - 1);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
