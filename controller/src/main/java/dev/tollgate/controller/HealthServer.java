package dev.tollgate.controller;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The controller's probe port ({@code --health-port}): {@code GET /healthz} is 200 while the
 * process runs; {@code GET /readyz} is 200 once the controller has a valid configuration to serve
 * (published, or held by a replica that does not lead), else 503 saying why.
 */
public final class HealthServer implements AutoCloseable {
  private final HttpServer http;
  private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "tollgate-controller-health");
    t.setDaemon(true);
    return t;
  });

  public HealthServer(String host, int port, Controller controller) throws IOException {
    http = HttpServer.create(new InetSocketAddress(host, port), 8);
    http.setExecutor(executor);
    http.createContext("/", ex -> {
      String path = ex.getRequestURI().getPath();
      if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
        send(ex, 405, "use GET\n");
      } else if (path.equals("/healthz")) {
        send(ex, 200, "ok\n");
      } else if (path.equals("/readyz")) {
        if (controller.lastGood() != null) {
          send(ex, 200, "ok: config " + controller.lastGood().uuid() + "\n");
        } else if (!controller.lastProblems().isEmpty()) {
          send(ex, 503, "no valid configuration yet: " + controller.lastProblems().size()
              + " problem(s) with the resources; the controller's log names them\n");
        } else {
          send(ex, 503, "no configuration yet: the resources have not been read\n");
        }
      } else {
        send(ex, 404, "not found; try /healthz or /readyz\n");
      }
    });
    http.start();
  }

  /** The port actually bound. */
  public int port() {
    return http.getAddress().getPort();
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("content-type", "text/plain; charset=utf-8");
    boolean head = ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(status, head ? -1 : b.length);
    try (OutputStream out = ex.getResponseBody()) {
      if (!head) {
        out.write(b);
      }
    }
  }

  @Override
  public void close() {
    http.stop(0);
    executor.shutdownNow();
  }
}
