package dev.tollgate.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.controller.lead.LeaderElection;
import dev.tollgate.controller.lead.LeaderGatedSink;
import dev.tollgate.controller.sink.ConfigSink;
import dev.tollgate.controller.translate.Translation;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** {@code --leader-elect}: two replicas on one Lease of fabric8's mock API server (CRUD mode); only the leader writes. */
@EnableKubernetesMockClient(crud = true)
class LeaderElectionTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String NS = "ai";
  private static final String LEASE = "tollgate-controller";
  private static final LeaderElection.Timing FAST =
      new LeaderElection.Timing(Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(200));
  KubernetesClient client;

  /** What a replica's Kubernetes sink was given. */
  static final class Recording implements ConfigSink {
    final List<String> published = new CopyOnWriteArrayList<>();

    @Override
    public void publish(Translation t) {
      published.add(t.uuid());
    }
  }

  private String holder() {
    Lease lease = client.resources(Lease.class).inNamespace(NS).withName(LEASE).get();
    return lease == null ? null : lease.getSpec().getHolderIdentity();
  }

  private String renewTime() {
    Lease lease = client.resources(Lease.class).inNamespace(NS).withName(LEASE).get();
    return lease == null || lease.getSpec().getRenewTime() == null ? null : lease.getSpec().getRenewTime().toString();
  }

  @Test
  void onlyTheLeaderWritesAndAnotherTakesOverWhenItStops() throws Exception {
    Translation first = TestPlugins.translate(TestFiles.EXAMPLES);
    Recording sinkA = new Recording();
    Recording sinkB = new Recording();
    LeaderGatedSink gateA = new LeaderGatedSink(sinkA);
    LeaderGatedSink gateB = new LeaderGatedSink(sinkB);
    gateA.publish(first);
    assertThat(sinkA.published).as("not leading yet").isEmpty();

    LeaderElection a = new LeaderElection(client, NS, LEASE, "replica-a", FAST, gateA).start();
    TestFiles.await(WAIT, gateA::leading, "replica-a to lead");
    assertThat(holder()).isEqualTo("replica-a");
    assertThat(sinkA.published).as("the latest translation is written on winning").containsExactly(first.uuid());

    try (LeaderElection b = new LeaderElection(client, NS, LEASE, "replica-b", FAST, gateB).start()) {
      gateB.publish(first);
      // while replica-a renews the Lease twice over, replica-b keeps standing and writes nothing
      String renewed = renewTime();
      TestFiles.await(WAIT, () -> renewTime() != null && !renewTime().equals(renewed), "a renewal");
      String again = renewTime();
      TestFiles.await(WAIT, () -> renewTime() != null && !renewTime().equals(again), "another renewal");
      assertThat(gateB.leading()).isFalse();
      assertThat(sinkB.published).isEmpty();
      assertThat(holder()).isEqualTo("replica-a");
      gateA.publish(first);
      assertThat(sinkA.published).hasSize(2);

      // replica-a stops: it releases the Lease, replica-b wins it and writes what it holds
      a.close();
      assertThat(gateA.leading()).isFalse();
      TestFiles.await(WAIT, gateB::leading, "replica-b to take over");
      assertThat(holder()).isEqualTo("replica-b");
      assertThat(sinkB.published).containsExactly(first.uuid());
      gateA.publish(first);
      assertThat(sinkA.published).as("a replica that no longer leads writes nothing").hasSize(2);
    }
  }
}
