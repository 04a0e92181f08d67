package dev.tollgate.controller.envoy;

import java.time.Duration;

/**
 * How the generated Envoy configuration looks around the backends.
 *
 * @param listenerAddress address Envoy listens on for clients
 * @param listenerPort    port Envoy listens on for clients
 * @param adminPort       Envoy admin port on 127.0.0.1, 0 for no admin interface
 * @param extprocHost     where Tollgate's ext_proc server is
 * @param extprocPort     its port
 * @param messageTimeout  ext_proc message timeout
 * @param routeTimeout    upstream request timeout per route, zero for none (long streams)
 */
public record EnvoySettings(String listenerAddress, int listenerPort, int adminPort, String extprocHost,
                            int extprocPort, Duration messageTimeout, Duration routeTimeout) {
  /** 0.0.0.0:1975, admin 9901, Tollgate at 127.0.0.1:1063, 30 s message timeout, 300 s route timeout. */
  public static EnvoySettings defaults() {
    return new EnvoySettings("0.0.0.0", 1975, 9901, "127.0.0.1", 1063, Duration.ofSeconds(30), Duration.ofSeconds(300));
  }

  public EnvoySettings withExtproc(String host, int port) {
    return new EnvoySettings(listenerAddress, listenerPort, adminPort, host, port, messageTimeout, routeTimeout);
  }

  public EnvoySettings withListener(String address, int port) {
    return new EnvoySettings(address, port, adminPort, extprocHost, extprocPort, messageTimeout, routeTimeout);
  }
}
