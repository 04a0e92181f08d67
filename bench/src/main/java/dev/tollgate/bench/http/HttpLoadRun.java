package dev.tollgate.bench.http;

import dev.tollgate.bench.Schedule;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
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
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * An open-loop HTTP/1.1 load run: requests start at fixed intended times ({@code rate} per
 * second, ramping up during the warm-up, see {@link Schedule}) whatever the server's speed, each
 * on an idle keep-alive connection of a pool that grows up to {@code maxConnections} (the one
 * used last first, so that a steady load keeps few connections busy); a request finding none
 * waits in a queue. Latency is measured from the intended start, so a server that
 * falls behind is charged for the queueing it causes (no coordinated omission); the service time
 * from the moment the request was written is kept too.
 *
 * <p>All connection and bookkeeping work runs on one Netty event-loop thread (no locks); the
 * calling thread only paces: it sleeps to each intended start and hands the start to the loop.
 * Requests are one pre-encoded byte buffer, written as it is; answers are decoded and aggregated
 * by Netty's codec and judged by an {@link AnswerCheck}.
 */
public final class HttpLoadRun {
  private static final long CAP_MICROS = TimeUnit.SECONDS.toMicros(60);
  private static final int MAX_ERROR_KINDS = 50;

  /** A process whose CPU time and memory the run reports, e.g. {@code envoy 1234}. */
  public record Target(String role, long pid) {
  }

  /**
   * What to run. {@code request} is the whole HTTP request as sent on the wire.
   */
  public record Config(String host, int port, byte[] request, AnswerCheck check, double rate, Duration warmup,
                       Duration duration, int initialConnections, int maxConnections, int maxQueued,
                       Duration timeout, List<Target> targets, Duration reportEvery) {
  }

  /** What one process used over the measured window. */
  public record Usage(String role, long pid, long cpuNanos, long hwmKib, long rssKib) {
  }

  /** What a run measured. Latencies in microseconds; {@code usage} over the measured window. */
  public record Result(double targetRate, double achievedRate, long started, long completed, long errors, long shed,
                       Map<String, Long> errorKinds, Histogram latency, Histogram service, double wallSeconds,
                       int connectionsOpened, List<Usage> usage, long clientCpuNanos) {
    /** CPU µs per completed request of the processes of one role (summed), NaN when none. */
    public double cpuMicrosPerRequest(String role) {
      long sum = 0;
      boolean any = false;
      for (Usage u : usage) {
        if (u.role().equals(role) && u.cpuNanos() >= 0) {
          sum += u.cpuNanos();
          any = true;
        }
      }
      return !any || completed == 0 ? Double.NaN : sum / 1e3 / completed;
    }
  }

  private final Config config;
  private final PrintStream log;
  private final EventLoopGroup group;
  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final ByteBuf request;

  // state owned by the event loop
  private final ArrayDeque<Conn> idle = new ArrayDeque<>();
  private final ArrayDeque<long[]> queued = new ArrayDeque<>();
  private int open;
  private int connecting;
  private int opened;
  private long measureStart = Long.MAX_VALUE;
  private long started;
  private long completed;
  private long errors;
  private long shed;
  private long measuredInFlight;
  private long intervalDone;
  private long intervalErrors;
  private final Map<String, Long> errorKinds = new TreeMap<>();
  private final Histogram latency = new Histogram(CAP_MICROS, 3);
  private final Histogram service = new Histogram(CAP_MICROS, 3);
  private final Histogram interval = new Histogram(CAP_MICROS, 3);
  private long lastCompletion;

  public HttpLoadRun(Config config, PrintStream log) {
    this.config = config;
    this.log = log;
    this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    this.loop = group.next();
    this.request = Unpooled.unreleasableBuffer(Unpooled.directBuffer(config.request().length)
        .writeBytes(config.request()));
    this.bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis()))
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpResponseDecoder(), new HttpObjectAggregator(16 << 20), new Conn());
          }
        });
  }

  /** Warm-up, then the measured window, then waits for the measured requests still in flight. */
  public Result run() throws InterruptedException {
    try {
      return doRun();
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  private Result doRun() throws InterruptedException {
    CountDownLatch ready = new CountDownLatch(config.initialConnections());
    loop.execute(() -> {
      for (int i = 0; i < config.initialConnections(); i++) {
        connect().addListener(f -> ready.countDown());
      }
    });
    ready.await(config.timeout().toMillis(), TimeUnit.MILLISECONDS);
    long t0 = System.nanoTime();
    long warmupNanos = config.warmup().toNanos();
    long measureAt = t0 + warmupNanos;
    long end = measureAt + config.duration().toNanos();
    long reportEvery = config.reportEvery().toNanos();
    long nextReport = reportEvery > 0 ? t0 + reportEvery : Long.MAX_VALUE;
    long intended = t0;
    long[] cpuStart = null;
    long clientStart = 0;
    loop.execute(() -> measureStart = measureAt);
    while (intended < end) {
      long now = System.nanoTime();
      if (now >= nextReport) {
        long since = now - t0;
        boolean measured = now >= measureAt;
        loop.execute(() -> report(since, measured));
        nextReport += reportEvery;
      }
      if (intended > now) {
        LockSupport.parkNanos(Math.min(intended, nextReport) - now);
        continue;
      }
      if (cpuStart == null && intended >= measureAt) {
        cpuStart = cpuOf(config.targets());
        clientStart = ProcStat.cpuNanos(ProcessHandle.current().pid());
      }
      // every start that is due now, in one task for the loop
      long[] due = new long[64];
      int n = 0;
      while (intended <= now && intended < end && n < due.length) {
        due[n++] = intended;
        intended += Schedule.gapNanos(config.rate(), intended - t0, warmupNanos);
      }
      long[] starts = java.util.Arrays.copyOf(due, n);
      loop.execute(() -> {
        for (long s : starts) {
          start(s);
        }
      });
    }
    if (cpuStart == null) {
      cpuStart = cpuOf(config.targets());
      clientStart = ProcStat.cpuNanos(ProcessHandle.current().pid());
    }
    long drainUntil = System.nanoTime() + config.timeout().toNanos() + TimeUnit.SECONDS.toNanos(1);
    while (System.nanoTime() < drainUntil && onLoop(() -> measuredInFlight) > 0) {
      Thread.sleep(5);
    }
    long[] cpuEnd = cpuOf(config.targets());
    long clientEnd = ProcStat.cpuNanos(ProcessHandle.current().pid());
    long[] cpuFrom = cpuStart;
    long clientCpu = clientEnd - clientStart;
    return onLoop(() -> result(measureAt, end, cpuFrom, cpuEnd, clientCpu));
  }

  private static long[] cpuOf(List<Target> targets) {
    long[] out = new long[targets.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ProcStat.cpuNanos(targets.get(i).pid());
    }
    return out;
  }

  private Result result(long measureAt, long end, long[] cpuStart, long[] cpuEnd, long clientCpu) {
    long lost = measuredInFlight;
    if (lost > 0) {
      kind("unfinished when the run ended", lost);
    }
    long last = Math.max(end, lastCompletion);
    double wall = (Math.min(last, System.nanoTime()) - measureAt) / 1e9;
    List<Usage> usage = new java.util.ArrayList<>();
    for (int i = 0; i < config.targets().size(); i++) {
      Target t = config.targets().get(i);
      long[] mem = ProcStat.memoryKib(t.pid());
      long cpu = cpuStart[i] < 0 || cpuEnd[i] < 0 ? -1 : cpuEnd[i] - cpuStart[i];
      usage.add(new Usage(t.role(), t.pid(), cpu, mem[0], mem[1]));
    }
    return new Result(config.rate(), completed / wall, started, completed, errors + lost, shed,
        new LinkedHashMap<>(errorKinds), latency.copy(), service.copy(), wall, opened, List.copyOf(usage), clientCpu);
  }

  /** Runs {@code f} on the event loop and waits for its value. */
  private <T> T onLoop(java.util.concurrent.Callable<T> f) {
    try {
      return loop.submit(f).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  // ---- on the event loop ----

  private void start(long intended) {
    boolean measured = intended >= measureStart;
    if (measured) {
      started++;
    }
    if (queued.size() >= config.maxQueued()) {
      if (measured) {
        shed++;
        kind("shed: " + config.maxQueued() + " requests already queued for a connection", 1);
      }
      return;
    }
    if (measured) {
      measuredInFlight++;
    }
    queued.add(new long[] {intended, measured ? 1 : 0});
    pump();
  }

  /** Sends queued requests on idle connections; opens connections while requests wait for one. */
  private void pump() {
    while (!queued.isEmpty()) {
      Conn c = idle.pollLast(); // the connection used last: few connections stay busy, the rest idle
      if (c == null) {
        break;
      }
      long[] q = queued.pollFirst();
      c.send(q[0], q[1] == 1);
    }
    while (queued.size() > connecting && open + connecting < config.maxConnections()) {
      connect();
    }
  }

  private ChannelFuture connect() {
    connecting++;
    ChannelFuture f = bootstrap.connect(config.host(), config.port());
    f.addListener(done -> {
      connecting--;
      if (done.isSuccess()) {
        open++;
        opened++;
        idle.addLast(f.channel().pipeline().get(Conn.class));
      } else {
        kindAlways("connect to " + config.host() + ":" + config.port() + " failed: " + done.cause().getMessage());
        if (open == 0 && connecting == 0) {
          // nothing will take the queued requests: fail the ones that have waited past the timeout
          expireQueued();
        }
      }
      pump();
    });
    return f;
  }

  private void expireQueued() {
    long now = System.nanoTime();
    while (!queued.isEmpty() && now - queued.peekFirst()[0] > config.timeout().toNanos()) {
      long[] q = queued.pollFirst();
      failed(q[1] == 1, "no connection within the timeout");
    }
  }

  private void kind(String k, long n) {
    if (errorKinds.size() < MAX_ERROR_KINDS || errorKinds.containsKey(k)) {
      errorKinds.merge(k, n, Long::sum);
    } else {
      errorKinds.merge("(other kinds)", n, Long::sum);
    }
  }

  /** Connection-level problems: counted as kinds also during the warm-up, not as request errors. */
  private void kindAlways(String k) {
    kind(k, 1);
  }

  private void failed(boolean measured, String kind) {
    intervalErrors++;
    if (measured) {
      measuredInFlight--;
      errors++;
      kind(kind, 1);
    }
  }

  private void succeeded(boolean measured, long intended, long sent, long now) {
    intervalDone++;
    long l = Math.min((now - intended) / 1000, CAP_MICROS);
    interval.recordValue(l);
    if (measured) {
      latency.recordValue(l);
      service.recordValue(Math.min((now - sent) / 1000, CAP_MICROS));
      measuredInFlight--;
      completed++;
      lastCompletion = now;
    }
  }

  private long lastReport;

  private void report(long since, boolean measured) {
    double secs = (since - lastReport) / 1e9;
    lastReport = since;
    log.printf(java.util.Locale.ROOT, "  t=%5.0fs %s ok=%.0f/s err=%d queued=%d connections=%d p50=%dus p99=%dus "
            + "max=%dus%n", since / 1e9, measured ? "measured" : "warm-up ", intervalDone / secs, intervalErrors,
        queued.size(), open, interval.getValueAtPercentile(50), interval.getValueAtPercentile(99),
        interval.getMaxValue());
    log.flush();
    interval.reset();
    intervalDone = 0;
    intervalErrors = 0;
  }

  /** One keep-alive connection: at most one request on it at a time (no pipelining). */
  private final class Conn extends SimpleChannelInboundHandler<FullHttpResponse> {
    private Channel channel;
    private boolean busy;
    private long intended;
    private long sent;
    private boolean measured;
    private ScheduledFuture<?> timeout;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      channel = ctx.channel(); // before the connect promise's listeners run
    }

    void send(long intended, boolean measured) {
      this.intended = intended;
      this.measured = measured;
      this.busy = true;
      this.sent = System.nanoTime();
      timeout = loop.schedule(this::timedOut, config.timeout().toNanos(), TimeUnit.NANOSECONDS);
      channel.writeAndFlush(request.duplicate(), channel.voidPromise());
    }

    private void timedOut() {
      if (busy) {
        busy = false;
        failed(measured, "no answer within " + config.timeout().toMillis() + " ms");
        channel.close();
      }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
      long now = System.nanoTime();
      if (!busy) {
        kindAlways("an answer nobody asked for");
        ctx.close();
        return;
      }
      busy = false;
      timeout.cancel(false);
      String problem = r.decoderResult().isSuccess()
          ? config.check().problem(r.status().code(), r.headers().get(HttpHeaderNames.CONTENT_TYPE),
              r.content().toString(StandardCharsets.UTF_8))
          : "undecodable answer: " + r.decoderResult().cause();
      if (problem == null) {
        succeeded(measured, intended, sent, now);
      } else {
        failed(measured, problem);
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
      if (busy) {
        busy = false;
        timeout.cancel(false);
        failed(measured, "connection closed before the answer");
      }
      pump();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      kindAlways("connection error: " + cause.getClass().getSimpleName() + " " + cause.getMessage());
      ctx.close();
    }
  }
}
