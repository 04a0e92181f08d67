package dev.tollgate.distribution.envoy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * A provider on loopback that speaks HTTP/1.1 over TLS on a raw socket, so that it can misbehave
 * in ways a real HTTP server will not: reset the connection mid-body, trickle the body a byte at a
 * time, send more or fewer bytes than its content-length, or never answer. Each request is read
 * whole (content-length or chunked) and handed to a {@link Fault} chosen by {@code pick}.
 */
final class RawUpstream implements AutoCloseable {
  /** A request as the fake read it; header names lower case. */
  record Request(String method, String path, Map<String, String> headers, byte[] body) {
    String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** What the fake does with one request on its connection. */
  interface Fault {
    void answer(Request request, Socket socket, OutputStream out) throws IOException, InterruptedException;
  }

  private final ServerSocket server;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "raw-upstream");
    t.setDaemon(true);
    return t;
  });
  private final List<Request> received = new CopyOnWriteArrayList<>();
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final Function<Request, Fault> pick;

  RawUpstream(SSLContext tls, Function<Request, Fault> pick) throws IOException {
    this.pick = pick;
    SSLServerSocket s = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket(0, 50,
        InetAddress.getLoopbackAddress());
    // HTTP/1.1 only: no ALPN offer, so Envoy speaks HTTP/1.1 to it
    server = s;
    pool.execute(this::acceptLoop);
  }

  int port() {
    return server.getLocalPort();
  }

  List<Request> received() {
    return List.copyOf(received);
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket c = server.accept();
        open.add(c);
        pool.execute(() -> serve(c));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket c) {
    try (c) {
      InputStream in = c.getInputStream();
      OutputStream out = c.getOutputStream();
      while (true) {
        Request r = read(in);
        if (r == null) {
          return;
        }
        received.add(r);
        pick.apply(r).answer(r, c, out);
        if (c.isClosed()) {
          return;
        }
      }
    } catch (IOException | InterruptedException e) {
      // the peer went away, or the fault closed the connection
    } finally {
      open.remove(c);
    }
  }

  private static Request read(InputStream in) throws IOException {
    String head = line(in);
    if (head == null || head.isEmpty()) {
      return null;
    }
    Map<String, String> headers = new TreeMap<>();
    for (String l = line(in); l != null && !l.isEmpty(); l = line(in)) {
      int colon = l.indexOf(':');
      headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      for (int n = Integer.parseInt(line(in).split(";")[0].trim(), 16); n > 0;
           n = Integer.parseInt(line(in).split(";")[0].trim(), 16)) {
        body.write(in.readNBytes(n));
        line(in);
      }
      line(in);
    } else if (headers.containsKey("content-length")) {
      body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
    }
    String[] parts = head.split(" ");
    return new Request(parts[0], parts[1], Map.copyOf(headers), body.toByteArray());
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int ch = in.read(); ch >= 0; ch = in.read()) {
      if (ch == '\n') {
        int len = b.length();
        return len > 0 && b.charAt(len - 1) == '\r' ? b.substring(0, len - 1) : b.toString();
      }
      b.append((char) ch);
    }
    return b.length() == 0 ? null : b.toString();
  }

  // --- the faults ---

  /** Status line and headers; {@code length} < 0 for a chunked body. */
  static void head(OutputStream out, int status, String contentType, long length) throws IOException {
    String h = "HTTP/1.1 " + status + " OK\r\ncontent-type: " + contentType + "\r\n"
        + (length < 0 ? "transfer-encoding: chunked\r\n" : "content-length: " + length + "\r\n") + "\r\n";
    out.write(h.getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  static void chunk(OutputStream out, byte[] data) throws IOException {
    out.write((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.write(data);
    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** Closes the TCP connection with a RST (SO_LINGER 0), as a crashed provider or a middlebox does. */
  static void reset(Socket s) throws IOException {
    s.setSoLinger(true, 0);
    s.close();
  }

  /** A well-formed answer framed by its content-length; the connection stays open for the next request. */
  static Fault answer(String contentType, byte[] body) {
    return (r, s, out) -> {
      head(out, 200, contentType, body.length);
      out.write(body);
      out.flush();
    };
  }

  /** A whole answer: {@code body} framed by content-length, half of it written, then a RST. */
  static Fault resetMidBody(String contentType, byte[] body) {
    return (r, s, out) -> {
      head(out, 200, contentType, body.length);
      out.write(body, 0, body.length / 2);
      out.flush();
      Thread.sleep(200);
      reset(s);
    };
  }

  /** A chunked stream: the first {@code sent} pieces, then a RST. */
  static Fault resetMidStream(String contentType, List<byte[]> sent) {
    return (r, s, out) -> {
      head(out, 200, contentType, -1);
      for (byte[] p : sent) {
        chunk(out, p);
        Thread.sleep(50);
      }
      Thread.sleep(200);
      reset(s);
    };
  }

  /** {@code body} under its content-length (or chunked, a byte per chunk), one byte a second. */
  static Fault trickle(String contentType, byte[] body, boolean chunked) {
    return (r, s, out) -> {
      head(out, 200, contentType, chunked ? -1 : body.length);
      for (byte b : body) {
        if (chunked) {
          chunk(out, new byte[] {b});
        } else {
          out.write(b);
          out.flush();
        }
        Thread.sleep(1000);
      }
    };
  }

  /** Content-length {@code body.length}, then the body and {@code extra} bytes more. */
  static Fault longerThanItsLength(String contentType, byte[] body, byte[] extra) {
    return (r, s, out) -> {
      head(out, 200, contentType, body.length);
      out.write(body);
      out.write(extra);
      out.flush();
      Thread.sleep(500);
      s.close();
    };
  }

  /** Content-length {@code body.length + missing}, the body only, then a close (FIN) or a stall. */
  static Fault shorterThanItsLength(String contentType, byte[] body, int missing, boolean thenClose) {
    return (r, s, out) -> {
      head(out, 200, contentType, body.length + missing);
      out.write(body);
      out.flush();
      if (thenClose) {
        Thread.sleep(200);
        s.close();
      } else {
        Thread.sleep(60_000);
      }
    };
  }

  /** Reads the request and never answers (until the connection is closed from the other end). */
  static Fault neverAnswers() {
    return (r, s, out) -> {
      s.setSoTimeout(60_000);
      while (s.getInputStream().read() >= 0) {
        // hold the connection open, headers never come
      }
      s.close();
    };
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : open) {
      s.close();
    }
    pool.shutdownNow();
  }
}
