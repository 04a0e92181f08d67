package dev.tollgate.bench.soak;

import dev.tollgate.bench.Schedule;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The soak's open-loop load: exchanges start at fixed intended times ({@code rate} per second in
 * all, ramped over the warm-up as {@link Schedule} does), their kinds taken in turn from a weighted
 * mix, each sent on an idle keep-alive connection (the one used last first; more opened up to
 * {@code maxConnections} while requests wait). Every answer is judged by its {@link SoakKind};
 * every failed exchange is kept as a {@link Failure} with what the client saw and when.
 *
 * <p>As in the HTTP benchmark's {@code HttpLoadRun}, all connection work and bookkeeping runs on one
 * Netty event loop (no locks); the calling thread only paces. Other threads read the counts with
 * {@link #snapshot()}, which runs on the loop.
 */
final class SoakRun {
  private static final long CAP_MICROS = TimeUnit.SECONDS.toMicros(120);
  private static final int MAX_FAILURES_KEPT = 10_000;

  /** One failed exchange. {@code connection} is the client connection's serial, {@code nth} its request number on it. */
  record Failure(Instant at, double tSeconds, SoakKind kind, String what, long latencyMillis, int connection,
                 int nth) {
  }

  /** The counts so far, and the latency of the exchanges completed since the previous snapshot. */
  record Snapshot(Map<SoakKind, long[]> byKind, long started, long inFlight, int openConnections,
                  int connectionsOpened, long failures, long intervalDone, long intervalP50Micros,
                  long intervalP99Micros, long intervalMaxMicros) {
    long ok() {
      return byKind.values().stream().mapToLong(v -> v[0]).sum();
    }
  }

  record Config(String host, int port, Map<SoakKind, byte[]> requests, List<SoakKind> mix, double rate,
                Duration warmup, Duration duration, int maxConnections, Duration timeout) {
  }

  private final Config config;
  private final EventLoopGroup group;
  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final Map<SoakKind, ByteBuf> wire = new EnumMap<>(SoakKind.class);
  private final long t0Nanos;
  private final Instant t0;

  // owned by the event loop
  private final ArrayDeque<Conn> idle = new ArrayDeque<>();
  private final ArrayDeque<Pending> queued = new ArrayDeque<>();
  private final Map<SoakKind, long[]> byKind = new EnumMap<>(SoakKind.class); // {ok, failed}
  private final List<Failure> failures = new ArrayList<>();
  private final Map<String, Long> failureCauses = new TreeMap<>();
  private final Histogram interval = new Histogram(CAP_MICROS, 3);
  private final Histogram latency = new Histogram(CAP_MICROS, 3);
  private long started;
  private long inFlight;
  private long failed;
  private long intervalDone;
  private int open;
  private int connecting;
  private int opened;

  private record Pending(SoakKind kind, long intended) {
  }

  SoakRun(Config config) {
    this.config = config;
    this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    this.loop = group.next();
    config.requests().forEach((k, bytes) ->
        wire.put(k, Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes.length).writeBytes(bytes))));
    for (SoakKind k : SoakKind.values()) {
      byKind.put(k, new long[2]);
    }
    this.bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis()))
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpResponseDecoder(), new HttpObjectAggregator(16 << 20), new Conn(++serial));
          }
        });
    this.t0Nanos = System.nanoTime();
    this.t0 = Instant.now();
  }

  private int serial; // connection serials, assigned on the loop (initChannel runs there)

  Instant startedAt() {
    return t0;
  }

  double secondsSinceStart() {
    return (System.nanoTime() - t0Nanos) / 1e9;
  }

  /** Paces the whole run on the calling thread, then waits for the exchanges in flight (up to the timeout). */
  void run() throws InterruptedException {
    long warmupNanos = config.warmup().toNanos();
    long end = t0Nanos + warmupNanos + config.duration().toNanos();
    long intended = t0Nanos;
    int slot = 0;
    List<SoakKind> mix = config.mix();
    while (intended < end) {
      long now = System.nanoTime();
      if (intended > now) {
        LockSupport.parkNanos(intended - now);
        continue;
      }
      List<Pending> due = new ArrayList<>();
      while (intended <= now && intended < end && due.size() < 64) {
        due.add(new Pending(mix.get(slot++ % mix.size()), intended));
        intended += Schedule.gapNanos(config.rate(), intended - t0Nanos, warmupNanos);
      }
      loop.execute(() -> due.forEach(this::start));
    }
    long drainUntil = System.nanoTime() + config.timeout().toNanos() + TimeUnit.SECONDS.toNanos(2);
    while (System.nanoTime() < drainUntil && onLoop(() -> inFlight) > 0) {
      Thread.sleep(20);
    }
    onLoop(() -> {
      for (Pending p : queued) {
        fail(p.kind(), p.intended(), "never sent: no connection before the run ended", 0, 0);
      }
      queued.clear();
      return null;
    });
  }

  void close() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  Snapshot snapshot() {
    return onLoop(() -> {
      Map<SoakKind, long[]> copy = new EnumMap<>(SoakKind.class);
      byKind.forEach((k, v) -> copy.put(k, v.clone()));
      Snapshot s = new Snapshot(copy, started, inFlight, open, opened, failed, intervalDone,
          interval.getValueAtPercentile(50), interval.getValueAtPercentile(99), interval.getMaxValue());
      interval.reset();
      intervalDone = 0;
      return s;
    });
  }

  List<Failure> failures() {
    return onLoop(() -> List.copyOf(failures));
  }

  Map<String, Long> failureCauses() {
    return onLoop(() -> new TreeMap<>(failureCauses));
  }

  Histogram latency() {
    return onLoop(latency::copy);
  }

  private <T> T onLoop(Callable<T> f) {
    try {
      return loop.submit(f).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  // ---- on the event loop ----

  private void start(Pending p) {
    started++;
    inFlight++;
    queued.add(p);
    pump();
  }

  private void pump() {
    while (!queued.isEmpty()) {
      Conn c = idle.pollLast();
      if (c == null) {
        break;
      }
      c.send(queued.pollFirst());
    }
    while (queued.size() > connecting && open + connecting < config.maxConnections()) {
      connect();
    }
  }

  private void connect() {
    connecting++;
    bootstrap.connect(config.host(), config.port()).addListener(done -> {
      connecting--;
      if (done.isSuccess()) {
        open++;
        opened++;
        idle.addLast(((io.netty.channel.ChannelFuture) done).channel().pipeline().get(Conn.class));
      } else {
        String why = "connect to " + config.host() + ":" + config.port() + " failed: " + done.cause().getMessage();
        long now = System.nanoTime();
        // nothing will take the requests that waited past the timeout: they fail with this cause
        while (!queued.isEmpty() && now - queued.peekFirst().intended() > config.timeout().toNanos()) {
          Pending p = queued.pollFirst();
          fail(p.kind(), p.intended(), why, 0, 0);
        }
      }
      pump();
    });
  }

  private void fail(SoakKind kind, long intended, String what, int connection, int nth) {
    long now = System.nanoTime();
    inFlight--;
    failed++;
    byKind.get(kind)[1]++;
    failureCauses.merge(kind.label() + ": " + cause(what), 1L, Long::sum);
    if (failures.size() < MAX_FAILURES_KEPT) {
      failures.add(new Failure(t0.plusNanos(now - t0Nanos), (now - t0Nanos) / 1e9, kind, what,
          (now - intended) / 1_000_000, connection, nth));
    }
  }

  /** The cause of a failure without what varies from one to the next (bodies, ids), for counting. */
  static String cause(String what) {
    String c = what.replaceAll("\"(id|created|request_id|x-request-id)\"\\s*:\\s*(\"[^\"]*\"|\\d+)", "\"$1\":…");
    return c.length() <= 120 ? c : c.substring(0, 120) + "…";
  }

  private void succeeded(SoakKind kind, long intended, long now) {
    inFlight--;
    byKind.get(kind)[0]++;
    long micros = Math.min((now - intended) / 1000, CAP_MICROS);
    interval.recordValue(micros);
    latency.recordValue(micros);
    intervalDone++;
  }

  /** One keep-alive connection, one exchange at a time on it. */
  private final class Conn extends SimpleChannelInboundHandler<FullHttpResponse> {
    private final int id;
    private Channel channel;
    private Pending current;
    private int nth;
    private ScheduledFuture<?> timeout;

    Conn(int id) {
      this.id = id;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      channel = ctx.channel();
    }

    void send(Pending p) {
      current = p;
      nth++;
      timeout = loop.schedule(this::timedOut, config.timeout().toNanos(), TimeUnit.NANOSECONDS);
      channel.writeAndFlush(wire.get(p.kind()).duplicate(), channel.voidPromise());
    }

    private void timedOut() {
      if (current != null) {
        Pending p = current;
        current = null;
        fail(p.kind(), p.intended(), "no answer within " + config.timeout().toMillis() + " ms", id, nth);
        channel.close();
      }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
      long now = System.nanoTime();
      if (current == null) {
        ctx.close();
        return;
      }
      Pending p = current;
      current = null;
      timeout.cancel(false);
      String problem = r.decoderResult().isSuccess()
          ? p.kind().problem(r.status().code(), r.headers().get(HttpHeaderNames.CONTENT_TYPE),
              r.content().toString(StandardCharsets.UTF_8))
          : "undecodable answer: " + r.decoderResult().cause();
      if (problem == null) {
        succeeded(p.kind(), p.intended(), now);
      } else {
        fail(p.kind(), p.intended(), problem, id, nth);
      }
      if (HttpUtil.isKeepAlive(r) && r.decoderResult().isSuccess()) {
        idle.addLast(this);
        pump();
      } else {
        ctx.close();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      open--;
      idle.remove(this);
      if (current != null) {
        Pending p = current;
        current = null;
        timeout.cancel(false);
        fail(p.kind(), p.intended(), "connection closed before the answer", id, nth);
      }
      pump();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (current != null) {
        Pending p = current;
        current = null;
        timeout.cancel(false);
        fail(p.kind(), p.intended(), "connection error: " + cause.getClass().getSimpleName() + " "
            + cause.getMessage(), id, nth);
      }
      ctx.close();
    }
  }
}
