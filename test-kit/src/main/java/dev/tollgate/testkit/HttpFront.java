package dev.tollgate.testkit;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;

/**
 * A loopback HTTP listener in front of an {@link EnvoyLikeClient}, so that real HTTP clients
 * (the OpenAI and Anthropic SDKs) can be pointed at Tollgate with a base URL. Each request is
 * played through ext_proc as Envoy would; the client then receives the answer. Streamed answers
 * are written once the exchange has ended (the pieces in order, each flushed), which is enough
 * for SDKs that parse SSE but does not measure latency. Envoy's failures arrive as it sends them:
 * a status (500, 504) before the response started, a cut connection after it
 * ({@link EnvoyLikeClient.StreamReset}).
 */
public final class HttpFront implements AutoCloseable {
  private static final Set<String> HOP_BY_HOP = Set.of("content-length", "transfer-encoding", "connection", "keep-alive");
  private final HttpServer server;

  public HttpFront(EnvoyLikeClient envoy) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "http-front");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/", ex -> {
      try (ex) {
        Map<String, String> headers = new LinkedHashMap<>();
        ex.getRequestHeaders().forEach((k, v) -> {
          String name = k.toLowerCase(Locale.ROOT);
          if (!HOP_BY_HOP.contains(name) && !name.equals("host")) {
            headers.put(name, String.join(",", v));
          }
        });
        String path = ex.getRequestURI().getRawPath()
            + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery());
        ProxyResponse r;
        try {
          r = envoy.send(new HttpExchange(ex.getRequestMethod(), path, headers, ex.getRequestBody().readAllBytes()));
        } catch (EnvoyLikeClient.StreamReset e) {
          return; // closing an exchange that sent no headers cuts the connection, as a reset does
        } catch (InterruptedException | RuntimeException e) {
          byte[] body = ("{\"error\":{\"message\":\"proxy failed: " + e.getClass().getSimpleName() + "\"}}")
              .getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("content-type", "application/json");
          ex.sendResponseHeaders(500, body.length);
          ex.getResponseBody().write(body);
          return;
        }
        r.headers().forEach((k, v) -> {
          if (!HOP_BY_HOP.contains(k.toLowerCase(Locale.ROOT))) {
            ex.getResponseHeaders().set(k, v);
          }
        });
        boolean streamed = r.headers().getOrDefault("content-type", "").startsWith("text/event-stream");
        ex.sendResponseHeaders(r.status(), streamed ? 0 : (r.body().length == 0 ? -1 : r.body().length));
        OutputStream out = ex.getResponseBody();
        for (byte[] piece : streamed ? r.chunks() : java.util.List.of(r.body())) {
          out.write(piece);
          out.flush();
        }
      }
    });
    server.start();
  }

  /** The base URL to give an SDK, e.g. {@code http://127.0.0.1:port}. */
  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
