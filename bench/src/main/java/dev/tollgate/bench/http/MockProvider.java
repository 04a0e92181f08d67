package dev.tollgate.bench.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The benchmark's mock provider: {@link MockAnswers} served over plain HTTP/1.1 with keep-alive,
 * on Netty with one event-loop thread (it shares a core with the load generator). A whole answer
 * goes out with {@code content-length}; a streamed one chunked, each SSE chunk or event-stream
 * frame written and flushed on its own, so the gateway sees a stream rather than one buffer.
 *
 * <pre>MockProvider [--port 18000] [--host 127.0.0.1] [--threads 1]</pre>
 */
public final class MockProvider implements AutoCloseable {
  private final MockAnswers answers = new MockAnswers();
  private final EventLoopGroup group;
  private final Channel server;

  public MockProvider(String host, int port, int threads) throws InterruptedException {
    group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
    server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 4096)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(4 << 20), new Handler());
          }
        })
        .bind(host, port).sync().channel();
  }

  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  public MockAnswers answers() {
    return answers;
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      byte[] body = ByteBufUtil.getBytes(req.content());
      MockAnswers.Answer a = answers.answer(req.method().name(), req.uri(),
          req.headers().get(HttpHeaderNames.AUTHORIZATION), body);
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(a.status()));
      head.headers().set(HttpHeaderNames.CONTENT_TYPE, a.contentType());
      List<byte[]> pieces = a.pieces();
      boolean streamed = pieces.size() > 1;
      if (streamed) {
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      } else {
        head.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, a.length());
      }
      if (!keepAlive) {
        head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      }
      if (streamed) {
        ctx.writeAndFlush(head);
        for (byte[] p : pieces) {
          ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(p)));
        }
        var last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        if (!keepAlive) {
          last.addListener(ChannelFutureListener.CLOSE);
        }
      } else {
        ctx.write(head);
        ByteBuf content = Unpooled.wrappedBuffer(pieces.get(0));
        var done = ctx.writeAndFlush(new io.netty.handler.codec.http.DefaultLastHttpContent(content));
        if (!keepAlive) {
          done.addListener(ChannelFutureListener.CLOSE);
        }
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  public static void main(String[] args) throws Exception {
    String host = "127.0.0.1";
    int port = 18000;
    int threads = 1;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--host" -> host = args[++i];
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("mock provider: unknown option " + args[i] + "; options: --port N --host H --threads N");
          System.exit(2);
        }
      }
    }
    MockProvider mock = new MockProvider(host, port, threads);
    Runtime.getRuntime().addShutdownHook(new Thread(mock::close, "mock-stop"));
    System.out.println("mock provider listening on http://" + host + ":" + mock.port());
    System.out.flush();
    Thread.currentThread().join();
  }
}
