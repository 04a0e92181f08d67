package dev.tollgate.controller.envoy;

import java.time.Duration;

/**
 * How the generated Envoy configuration looks around the backends.
 *
 * @param listenerAddress  address Envoy listens on for clients
 * @param listenerPort     port Envoy listens on for clients
 * @param adminPort        Envoy admin port on 127.0.0.1, 0 for no admin interface
 * @param extprocHost      where Tollgate's ext_proc server is: a host name or IP address, or
 *                         {@code unix:PATH} for a unix domain socket (the port is then unused)
 * @param extprocPort      its port
 * @param messageTimeout   ext_proc message timeout (keep it above Tollgate's {@code --phase-timeout})
 * @param routeTimeout     whole-request upstream timeout per route, zero for none (the default:
 *                         a streamed answer may run for many minutes)
 * @param idleTimeout      how long a request may go without a byte either way before Envoy ends it
 * @param bufferLimitBytes Envoy's per-connection buffer limit: the largest body Envoy buffers for
 *                         ext_proc; larger requests get Envoy's 413, larger buffered answers a 500.
 *                         Tollgate's {@code --max-message-bytes} must be larger.
 * @param trustedCaFile    CA bundle that upstream TLS certificates are verified against
 * @param accessLogPath    where Envoy writes its access log (with the costs), empty for none
 */
public record EnvoySettings(String listenerAddress, int listenerPort, int adminPort, String extprocHost,
                            int extprocPort, Duration messageTimeout, Duration routeTimeout, Duration idleTimeout,
                            int bufferLimitBytes, String trustedCaFile, String accessLogPath) {
  /** Debian's and Ubuntu's system trust store, the default CA bundle for upstream TLS. */
  public static final String SYSTEM_TRUST_STORE = "/etc/ssl/certs/ca-certificates.crt";
  /** 50 MiB, as Envoy AI Gateway sets it: long contexts and base64 images fit. */
  public static final int DEFAULT_BUFFER_LIMIT_BYTES = 50 * 1024 * 1024;

  /**
   * 0.0.0.0:1975, admin 9901, Tollgate at 127.0.0.1:1063, 30 s message timeout, no route timeout,
   * 600 s idle timeout, 50 MiB buffers, the system trust store, access log on stdout.
   */
  public static EnvoySettings defaults() {
    return new EnvoySettings("0.0.0.0", 1975, 9901, "127.0.0.1", 1063, Duration.ofSeconds(30), Duration.ZERO,
        Duration.ofSeconds(600), DEFAULT_BUFFER_LIMIT_BYTES, SYSTEM_TRUST_STORE, "/dev/stdout");
  }

  public EnvoySettings withExtproc(String host, int port) {
    return new EnvoySettings(listenerAddress, listenerPort, adminPort, host, port, messageTimeout, routeTimeout,
        idleTimeout, bufferLimitBytes, trustedCaFile, accessLogPath);
  }

  public EnvoySettings withListener(String address, int port) {
    return new EnvoySettings(address, port, adminPort, extprocHost, extprocPort, messageTimeout, routeTimeout,
        idleTimeout, bufferLimitBytes, trustedCaFile, accessLogPath);
  }

  public EnvoySettings withAdminPort(int port) {
    return new EnvoySettings(listenerAddress, listenerPort, port, extprocHost, extprocPort, messageTimeout,
        routeTimeout, idleTimeout, bufferLimitBytes, trustedCaFile, accessLogPath);
  }

  public EnvoySettings withTimeouts(Duration route, Duration idle) {
    return new EnvoySettings(listenerAddress, listenerPort, adminPort, extprocHost, extprocPort, messageTimeout,
        route, idle, bufferLimitBytes, trustedCaFile, accessLogPath);
  }

  public EnvoySettings withBufferLimit(int bytes) {
    return new EnvoySettings(listenerAddress, listenerPort, adminPort, extprocHost, extprocPort, messageTimeout,
        routeTimeout, idleTimeout, bytes, trustedCaFile, accessLogPath);
  }

  public EnvoySettings withTrustedCa(String file) {
    return new EnvoySettings(listenerAddress, listenerPort, adminPort, extprocHost, extprocPort, messageTimeout,
        routeTimeout, idleTimeout, bufferLimitBytes, file, accessLogPath);
  }

  public EnvoySettings withAccessLog(String path) {
    return new EnvoySettings(listenerAddress, listenerPort, adminPort, extprocHost, extprocPort, messageTimeout,
        routeTimeout, idleTimeout, bufferLimitBytes, trustedCaFile, path);
  }

  /** Whether Tollgate is reached over a unix domain socket. */
  public boolean extprocOnUnixSocket() {
    return extprocHost.startsWith("unix:");
  }
}
