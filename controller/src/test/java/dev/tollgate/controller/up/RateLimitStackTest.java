package dev.tollgate.controller.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.UInt64Value;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redis and the real ratelimit service as {@code tollgate up} runs them for TokenBudgets: gRPC
 * answers for the {@code tollgate} domain, counters in Redis, a replaced config reloaded, a bad one
 * refused at start, both stopped on close. Skipped when the binaries are not installed.
 */
class RateLimitStackTest {
  private static final Duration READY = Duration.ofSeconds(30);

  @TempDir
  Path dir;
  RateLimitTools tools;
  RateLimitStack stack;
  ManagedChannel channel;

  @BeforeEach
  void binaries() throws Exception {
    tools = RateLimitBinaries.find().orElse(null);
    assumeTrue(tools != null, RateLimitBinaries::whyMissing);
  }

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (stack != null) {
      stack.close();
    }
  }

  private static String budget(int tokensPerDay) {
    // budget -> subject -> rate_limit, as the translator writes it for `per: consumer`
    return """
        domain: tollgate
        descriptors:
          - key: budget
            value: small
            descriptors:
              - key: consumer
                rate_limit:
                  unit: day
                  requests_per_unit: %d
        """.formatted(tokensPerDay);
  }

  private RateLimitResponse.DescriptorStatus check(String consumer, Long hits) {
    if (channel == null) {
      InetSocketAddress grpc = address(stack.grpcAddress());
      channel = NettyChannelBuilder.forAddress(grpc.getHostString(), grpc.getPort()).usePlaintext().build();
    }
    RateLimitDescriptor.Builder d = RateLimitDescriptor.newBuilder()
        .addEntries(RateLimitDescriptor.Entry.newBuilder().setKey("budget").setValue("small"))
        .addEntries(RateLimitDescriptor.Entry.newBuilder().setKey("consumer").setValue(consumer));
    if (hits != null) {
      d.setHitsAddend(UInt64Value.of(hits));
    }
    RateLimitResponse r = RateLimitServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
        .shouldRateLimit(RateLimitRequest.newBuilder().setDomain("tollgate").addDescriptors(d).build());
    assertThat(r.getStatusesCount()).isEqualTo(1);
    return r.getStatuses(0);
  }

  private static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }

  @Test
  void servesTheBudgetOverGrpcCountingHitsInRedis() throws Exception {
    stack = new RateLimitStack(tools, dir);
    stack.start(budget(10), READY);

    assertThat(stack.configFile()).isEqualTo(dir.resolve("ratelimit/ratelimit/config/tollgate.yaml"));
    assertThat(Files.readString(stack.configFile())).isEqualTo(budget(10));
    assertThat(stack.grpcAddress()).startsWith("127.0.0.1:");
    assertThat(stack.redisAddress()).startsWith("127.0.0.1:").isNotEqualTo(stack.grpcAddress());

    RateLimitResponse.DescriptorStatus first = check("alice", 4L);
    assertThat(first.getCode()).isEqualTo(RateLimitResponse.Code.OK);
    assertThat(first.getCurrentLimit().getRequestsPerUnit()).isEqualTo(10);
    assertThat(first.getCurrentLimit().getUnit()).isEqualTo(RateLimitResponse.RateLimit.Unit.DAY);
    assertThat(first.getLimitRemaining()).isEqualTo(6);
    assertThat(first.getDurationUntilReset().getSeconds()).isBetween(1L, 86_400L);
    // a request-time check adds nothing (hits_addend 0), the stream-done report adds the cost
    assertThat(check("alice", 0L).getLimitRemaining()).isEqualTo(6);
    assertThat(check("alice", 6L).getLimitRemaining()).isZero();
    assertThat(check("alice", 0L).getCode()).as("at the limit, not over it").isEqualTo(RateLimitResponse.Code.OK);
    assertThat(check("alice", 1L).getCode()).isEqualTo(RateLimitResponse.Code.OVER_LIMIT);
    assertThat(check("alice", 0L).getCode()).as("over: the next request is refused")
        .isEqualTo(RateLimitResponse.Code.OVER_LIMIT);
    // each consumer value its own counter
    assertThat(check("bob", null).getLimitRemaining()).as("no hits_addend: 1").isEqualTo(9);
    assertThat(stack.stopped()).isEmpty();
  }

  @Test
  void aReplacedConfigIsReloadedAndTheCountersStay() throws Exception {
    stack = new RateLimitStack(tools, dir);
    stack.start(budget(10), READY);
    assertThat(check("alice", 12L).getCode()).isEqualTo(RateLimitResponse.Code.OVER_LIMIT);

    stack.updateConfig(budget(100));

    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    RateLimitResponse.DescriptorStatus s = check("alice", 0L);
    while (s.getCurrentLimit().getRequestsPerUnit() != 100 && System.nanoTime() < deadline) {
      Thread.sleep(50);
      s = check("alice", 0L);
    }
    assertThat(s.getCurrentLimit().getRequestsPerUnit()).as("the new limit").isEqualTo(100);
    assertThat(s.getCode()).isEqualTo(RateLimitResponse.Code.OK);
    assertThat(s.getLimitRemaining()).as("the same Redis counter: 100 - 12").isEqualTo(88);
    try (var files = Files.list(stack.configFile().getParent())) {
      assertThat(files.map(p -> p.getFileName().toString()).toList()).as("no temporary file left")
          .containsExactly("tollgate.yaml");
    }
  }

  @Test
  void aConfigTheServiceRefusesFailsTheStartNamingTheFileAndTheServicesWords() throws Exception {
    stack = new RateLimitStack(tools, dir);
    String bad = budget(10).replace("unit: day", "unit: fortnight");

    assertThatThrownBy(() -> stack.start(bad, READY))
        .hasMessageContaining("The ratelimit service rejected " + stack.configFile())
        .hasMessageContaining("invalid rate limit unit 'fortnight'")
        .hasMessageContaining(stack.ratelimitLog().toString());
    assertThat(accepts(stack.redisAddress())).as("Redis stopped with it").isFalse();
  }

  @Test
  void closeStopsTheServiceAndRedis() throws Exception {
    stack = new RateLimitStack(tools, dir);
    stack.start(budget(10), READY);
    assertThat(accepts(stack.grpcAddress())).isTrue();
    assertThat(accepts(stack.redisAddress())).isTrue();
    HttpClient http = HttpClient.newHttpClient();
    assertThat(http.send(HttpRequest.newBuilder(stack.debugUri().resolve("/rlconfig")).build(),
        HttpResponse.BodyHandlers.ofString()).body()).contains("tollgate.budget_small.consumer").contains("DAY");

    stack.close();

    assertThat(accepts(stack.grpcAddress())).isFalse();
    assertThat(accepts(stack.redisAddress())).isFalse();
    assertThat(Files.readString(stack.ratelimitLog())).contains("Listening for gRPC on '" + stack.grpcAddress() + "'");
    assertThat(dir.resolve("redis")).isDirectory();
    try (var files = Files.list(dir.resolve("redis"))) {
      assertThat(files.toList()).as("no persistence: no dump.rdb, no appendonly file").isEmpty();
    }
  }

  private static boolean accepts(String hostPort) {
    try (Socket s = new Socket()) {
      s.connect(address(hostPort), 500);
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
