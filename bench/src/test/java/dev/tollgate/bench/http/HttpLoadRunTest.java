package dev.tollgate.bench.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The open-loop generator against the real mock on loopback, and against a server that stalls. */
class HttpLoadRunTest {
  private static final byte[] BODY = "{\"model\":\"gpt-4o-mini\",\"messages\":[]}".getBytes(StandardCharsets.UTF_8);
  private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

  private static HttpLoadRun.Config config(int port, String auth, double rate, Duration duration, int maxConnections) {
    byte[] request = HttpLoad.encode(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"), BODY,
        auth == null ? List.of() : List.of("Authorization: " + auth));
    return new HttpLoadRun.Config("127.0.0.1", port, request, AnswerCheck.COMPLETION, rate, Duration.ZERO, duration,
        1, maxConnections, 10_000, Duration.ofSeconds(5), List.of(new HttpLoadRun.Target("self",
        ProcessHandle.current().pid())), Duration.ZERO);
  }

  @Test
  void everyScheduledRequestIsSentOnKeptAliveConnectionsAndJudged() throws Exception {
    try (MockProvider mock = new MockProvider("127.0.0.1", 0, 1)) {
      HttpLoadRun.Result r = new HttpLoadRun(config(mock.port(), "Bearer sk-bench-upstream", 200,
          Duration.ofMillis(500), 8), QUIET).run();
      assertThat(r.started()).isEqualTo(100);
      assertThat(r.completed()).isEqualTo(100);
      assertThat(r.errors()).isZero();
      assertThat(r.latency().getTotalCount()).isEqualTo(100);
      assertThat(r.connectionsOpened()).isBetween(1, 8);
      assertThat(r.usage()).singleElement().satisfies(u -> assertThat(u.hwmKib()).isPositive());
      assertThat(mock.answers().stats()).contains("\"/v1/chat/completions\":100");
    }
  }

  @Test
  void wrongAnswersAreCountedAsErrorsByKind() throws Exception {
    try (MockProvider mock = new MockProvider("127.0.0.1", 0, 1)) {
      HttpLoadRun.Result r = new HttpLoadRun(config(mock.port(), "Bearer sk-wrong", 100, Duration.ofMillis(200), 4),
          QUIET).run();
      assertThat(r.completed()).isZero();
      assertThat(r.errors()).isEqualTo(20);
      assertThat(r.errorKinds()).hasSize(1);
      assertThat(r.errorKinds().keySet().iterator().next()).startsWith("status 401: {\"error\"");
    }
  }

  @Test
  void latencyCountsFromTheIntendedStartWhenTheServerStalls() throws Exception {
    try (StallingServer server = new StallingServer(300)) {
      // one connection: what is scheduled while the first answer is held waits for it
      HttpLoadRun.Result r = new HttpLoadRun(config(server.port(), null, 200, Duration.ofMillis(500), 1), QUIET).run();
      assertThat(r.errors()).isZero();
      assertThat(r.completed()).isEqualTo(100);
      Histogram l = r.latency();
      // the 20 requests intended in the first 100 ms were all answered after the 300 ms stall
      assertThat(l.getCountBetweenValues(200_000, Long.MAX_VALUE / 4)).isGreaterThanOrEqualTo(20);
      assertThat(l.getMaxValue()).isGreaterThanOrEqualTo(300_000);
      // the time from sending is short for all but the stalled one: those waited in the generator's queue
      assertThat(r.service().getCountBetweenValues(250_000, Long.MAX_VALUE / 4)).isLessThan(20);
    }
  }

  /** HTTP/1.1 on one blocking connection at a time; holds the first answer {@code stallMillis}. */
  private static final class StallingServer implements AutoCloseable {
    private final ServerSocket socket = new ServerSocket(0);
    private final Thread thread;
    private final byte[] answer = new MockAnswers().answer("POST", "/v1/chat/completions", "Bearer sk-bench-upstream",
        BODY).pieces().get(0);

    StallingServer(long stallMillis) throws IOException {
      thread = new Thread(() -> serve(stallMillis), "stalling-server");
      thread.setDaemon(true);
      thread.start();
    }

    int port() {
      return socket.getLocalPort();
    }

    private void serve(long stallMillis) {
      boolean first = true;
      while (!socket.isClosed()) {
        try (Socket s = socket.accept()) {
          InputStream in = s.getInputStream();
          OutputStream out = s.getOutputStream();
          while (true) {
            int length = readHead(in);
            if (length < 0) {
              break;
            }
            in.readNBytes(length);
            if (first) {
              first = false;
              Thread.sleep(stallMillis);
            }
            out.write(("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: " + answer.length
                + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(answer);
            out.flush();
          }
        } catch (IOException | InterruptedException e) {
          // closed
        }
      }
    }

    /** Reads a request head; its content-length, or -1 at the end of the connection. */
    private static int readHead(InputStream in) throws IOException {
      StringBuilder head = new StringBuilder();
      int c;
      while ((c = in.read()) >= 0) {
        head.append((char) c);
        if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
          for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
              return Integer.parseInt(line.substring(15).trim());
            }
          }
          return 0;
        }
      }
      return -1;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
