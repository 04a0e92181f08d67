package dev.tollgate.controller.envoy;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.List;

/**
 * The Envoy configuration for one set of backends, in the two forms the controller serves.
 *
 * @param bootstrap     a complete static bootstrap for a single machine (listener with inline routes)
 * @param xdsListeners  listeners for xDS; their routes come by RDS over ADS
 * @param xdsRoutes     route configurations for xDS
 * @param clusters      every cluster (Tollgate's ext_proc cluster first), the same in both forms
 */
public record EnvoyResources(Bootstrap bootstrap, List<Listener> xdsListeners, List<RouteConfiguration> xdsRoutes,
                             List<Cluster> clusters) {
  public EnvoyResources {
    xdsListeners = List.copyOf(xdsListeners);
    xdsRoutes = List.copyOf(xdsRoutes);
    clusters = List.copyOf(clusters);
  }
}
