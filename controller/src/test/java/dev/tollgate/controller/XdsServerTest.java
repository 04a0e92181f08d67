package dev.tollgate.controller;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import dev.tollgate.controller.sink.EnvoyRejection;
import dev.tollgate.controller.sink.XdsServer;
import dev.tollgate.controller.translate.Translation;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The xDS server hands an ADS client the same clusters, listener and routes as the bootstrap, and reports its NACKs. */
class XdsServerTest {
  static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
  static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

  @Test
  void adsServesClustersListenersAndRoutes() throws Exception {
    Translation t = TestPlugins.translate(TestFiles.EXAMPLES);
    try (XdsServer xds = new XdsServer("127.0.0.1", 0)) {
      xds.publish(t);
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", xds.port()).usePlaintext().build();
      try {
        LinkedBlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
        StreamObserver<DiscoveryRequest> requests = AggregatedDiscoveryServiceGrpc.newStub(channel)
            .streamAggregatedResources(new StreamObserver<>() {
              @Override
              public void onNext(DiscoveryResponse value) {
                responses.add(value);
              }

              @Override
              public void onError(Throwable t) {
              }

              @Override
              public void onCompleted() {
              }
            });
        Node node = Node.newBuilder().setId("envoy-1").setCluster("edge").build();

        requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(CDS).build());
        DiscoveryResponse cds = responses.poll(10, TimeUnit.SECONDS);
        assertThat(cds).as("CDS response").isNotNull();
        assertThat(cds.getTypeUrl()).isEqualTo(CDS);
        assertThat(cds.getVersionInfo()).isEqualTo(t.version());
        List<String> clusters = new ArrayList<>();
        for (Any a : cds.getResourcesList()) {
          clusters.add(a.unpack(Cluster.class).getName());
        }
        assertThat(clusters).containsExactlyInAnyOrder("tollgate-extproc", "tollgate-backend-openai", "tollgate-backend-bedrock");

        requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(LDS).build());
        DiscoveryResponse lds = responses.poll(10, TimeUnit.SECONDS);
        assertThat(lds).as("LDS response").isNotNull();
        Listener listener = lds.getResources(0).unpack(Listener.class);
        HttpConnectionManager hcm = listener.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
        assertThat(hcm.getRds().getRouteConfigName()).isEqualTo("tollgate");
        assertThat(hcm.getRds().getConfigSource().hasAds()).isTrue();

        requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(RDS).addResourceNames("tollgate").build());
        DiscoveryResponse rds = responses.poll(10, TimeUnit.SECONDS);
        assertThat(rds).as("RDS response").isNotNull();
        RouteConfiguration routes = rds.getResources(0).unpack(RouteConfiguration.class);
        assertThat(routes.getVirtualHosts(0).getRoutesList()).extracting(r -> r.getRoute().getCluster())
            .containsExactlyInAnyOrder("tollgate-backend-openai", "tollgate-backend-bedrock");
        requests.onCompleted();
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /** A fake Envoy takes the clusters, NACKs them, and the server reports it as one ERROR line naming what and why. */
  @Test
  void anEnvoyNackIsReportedWithTheTypeVersionAndEnvoysMessage() throws Exception {
    Translation t = TestPlugins.translate(TestFiles.EXAMPLES);
    LinkedBlockingQueue<EnvoyRejection> rejections = new LinkedBlockingQueue<>();
    ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(XdsServer.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
        new ch.qos.logback.core.read.ListAppender<>();
    logged.start();
    log.addAppender(logged);
    try (XdsServer xds = new XdsServer("127.0.0.1", 0, rejections::add)) {
      xds.publish(t);
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", xds.port()).usePlaintext().build();
      try {
        LinkedBlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
        StreamObserver<DiscoveryRequest> requests = AggregatedDiscoveryServiceGrpc.newStub(channel)
            .streamAggregatedResources(collect(responses));
        Node node = Node.newBuilder().setId("envoy-1").setCluster("edge").build();
        requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(CDS).build());
        DiscoveryResponse cds = responses.poll(10, TimeUnit.SECONDS);
        assertThat(cds).as("CDS response").isNotNull();

        // an ACK is not a rejection
        requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(LDS).build());
        DiscoveryResponse lds = responses.poll(10, TimeUnit.SECONDS);
        assertThat(lds).as("LDS response").isNotNull();
        requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(LDS)
            .setVersionInfo(lds.getVersionInfo()).setResponseNonce(lds.getNonce()).build());

        requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(CDS).setResponseNonce(cds.getNonce())
            .setErrorDetail(com.google.rpc.Status.newBuilder().setCode(3)
                .setMessage("Proto constraint validation failed\n  (cluster tollgate-backend-openai: bad port)"))
            .build());
        EnvoyRejection r = rejections.poll(10, TimeUnit.SECONDS);
        assertThat(r).as("the NACK is reported").isNotNull();
        assertThat(r).isEqualTo(new EnvoyRejection("envoy-1", CDS, t.version(), "none",
            "Proto constraint validation failed (cluster tollgate-backend-openai: bad port)"));
        assertThat(rejections.poll(200, TimeUnit.MILLISECONDS)).as("only the NACK is a rejection").isNull();
        assertThat(logged.list).filteredOn(e -> e.getLevel() == ch.qos.logback.classic.Level.ERROR).singleElement()
            .satisfies(e -> assertThat(e.getFormattedMessage()).startsWith("Envoy 'envoy-1' rejected " + CDS
                + " version " + t.version() + " and keeps version none: Proto constraint validation failed (cluster"
                + " tollgate-backend-openai: bad port)").doesNotContain("\n"));
        requests.onCompleted();
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      log.detachAppender(logged);
    }
  }

  private static StreamObserver<DiscoveryResponse> collect(LinkedBlockingQueue<DiscoveryResponse> responses) {
    return new StreamObserver<>() {
      @Override
      public void onNext(DiscoveryResponse value) {
        responses.add(value);
      }

      @Override
      public void onError(Throwable t) {
      }

      @Override
      public void onCompleted() {
      }
    };
  }
}
