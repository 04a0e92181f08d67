package dev.tollgate.controller.lead;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election among controller replicas on a {@code coordination.k8s.io/v1} Lease, with
 * fabric8's LeaderElector: the leader renews the Lease, the others wait for it to expire. A replica
 * that loses the Lease stops writing and stands for election again; closing releases the Lease, so
 * that another replica takes over without waiting for it to expire.
 */
public final class LeaderElection implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderElection.class);

  /** Timing of the election, as Kubernetes' own controllers time theirs by default (15 s, 10 s, 2 s). */
  public record Timing(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
    public static Timing defaults() {
      return new Timing(Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2));
    }
  }

  private final KubernetesClient client;
  private final String namespace;
  private final String lease;
  private final String identity;
  private final Timing timing;
  private final LeaderGatedSink gate;
  private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "tollgate-leader-election");
    t.setDaemon(true);
    return t;
  });
  private CompletableFuture<?> running;
  private boolean closed;

  public LeaderElection(KubernetesClient client, String namespace, String lease, String identity, Timing timing,
      LeaderGatedSink gate) {
    this.client = client;
    this.namespace = namespace;
    this.lease = lease;
    this.identity = identity;
    this.timing = timing;
    this.gate = gate;
  }

  /** Stands for election (in the background). */
  public synchronized LeaderElection start() {
    if (closed) {
      return this;
    }
    LOG.info("standing for election as {} on Lease {}/{}", identity, namespace, lease);
    running = new LeaderElector(client, new LeaderElectionConfigBuilder()
            .withName("tollgate-controller")
            .withLock(new LeaseLock(namespace, lease, identity))
            .withLeaseDuration(timing.leaseDuration())
            .withRenewDeadline(timing.renewDeadline())
            .withRetryPeriod(timing.retryPeriod())
            .withReleaseOnCancel(true)
            .withLeaderCallbacks(new LeaderCallbacks(this::won, this::lost,
                leader -> LOG.info("the leader is {}", leader)))
            .build(), executor)
        .start();
    running.whenComplete((ok, e) -> {
      synchronized (this) {
        if (!closed) {
          // the Lease was lost (or could not be renewed in time): stand again
          executor.execute(this::start);
        }
      }
    });
    return this;
  }

  private void won() {
    LOG.info("{} leads: writing the outputs", identity);
    gate.startLeading();
  }

  private void lost() {
    gate.stopLeading();
    LOG.warn("{} no longer leads: not writing the outputs", identity);
  }

  /** The identity this replica stands as. */
  public String identity() {
    return identity;
  }

  @Override
  public void close() {
    CompletableFuture<?> r;
    synchronized (this) {
      closed = true;
      r = running;
    }
    if (r != null) {
      r.cancel(true);  // releases the Lease (releaseOnCancel)
    }
    gate.stopLeading();
    executor.shutdown();
  }
}
