package dev.tollgate.extproc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tollgate.core.config.ConfigWatcher;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The admin HTTP port: {@code GET /metrics} (Prometheus text format), {@code GET /healthz} (200
 * while serving, 503 once shutting down) and {@code GET /config} (uuid of the config in force,
 * reload counts and the last reload error, with secrets hidden). Read-only; bind it to a private
 * address.
 */
public final class AdminServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer http;
  private final ExecutorService executor;

  /**
   * @param serving whether the ext_proc server accepts streams (for {@code /healthz})
   */
  public AdminServer(String host, int port, GatewayMetrics metrics, ConfigWatcher config, BooleanSupplier serving)
      throws IOException {
    http = HttpServer.create(new InetSocketAddress(host, port), 16);
    executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "tollgate-admin");
      t.setDaemon(true);
      return t;
    });
    http.setExecutor(executor);
    http.createContext("/metrics", ex -> {
      if (onlyGet(ex, "/metrics")) {
        send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
      }
    });
    http.createContext("/healthz", ex -> {
      if (onlyGet(ex, "/healthz")) {
        boolean ok = serving.getAsBoolean();
        send(ex, ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ok\n" : "shutting down\n");
      }
    });
    http.createContext("/config", ex -> {
      if (onlyGet(ex, "/config")) {
        ObjectNode o = JSON.createObjectNode();
        o.put("uuid", config.current().config().uuid());
        o.put("reloads", config.reloads());
        o.put("failedReloads", config.failedReloads());
        o.put("lastReloadError", Redaction.text(config.lastError()));
        send(ex, 200, "application/json", JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n");
      }
    });
    http.createContext("/", ex -> send(ex, 404, "text/plain; charset=utf-8",
        "not found; try /metrics, /healthz or /config\n"));
    http.start();
  }

  /** The port actually bound. */
  public int port() {
    return http.getAddress().getPort();
  }

  private static boolean onlyGet(HttpExchange ex, String path) throws IOException {
    if (!ex.getRequestURI().getPath().equals(path)) {
      send(ex, 404, "text/plain; charset=utf-8", "not found; try /metrics, /healthz or /config\n");
      return false;
    }
    if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
      ex.getResponseHeaders().set("allow", "GET, HEAD");
      send(ex, 405, "text/plain; charset=utf-8", "use GET\n");
      return false;
    }
    return true;
  }

  private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("content-type", type);
    boolean head = ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(status, head ? -1 : bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      if (!head) {
        out.write(bytes);
      }
    }
    ex.close();
  }

  @Override
  public void close() {
    http.stop(0);
    executor.shutdownNow();
  }
}
