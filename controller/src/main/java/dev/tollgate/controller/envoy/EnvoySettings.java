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
 * @param rateLimitHost    where the rate-limit service is (a host name or IP address), used when a
 *                         TokenBudget exists
 * @param rateLimitPort    its gRPC port
 * @param extprocTls       TLS from Envoy to Tollgate's ext_proc port, or null for plaintext (always
 *                         plaintext over a unix socket)
 */
public record EnvoySettings(String listenerAddress, int listenerPort, int adminPort, String extprocHost,
                            int extprocPort, Duration messageTimeout, Duration routeTimeout, Duration idleTimeout,
                            int bufferLimitBytes, String trustedCaFile, String accessLogPath, String rateLimitHost,
                            int rateLimitPort, ExtprocTls extprocTls) {
  /** Debian's and Ubuntu's system trust store, the default CA bundle for upstream TLS. */
  public static final String SYSTEM_TRUST_STORE = "/etc/ssl/certs/ca-certificates.crt";
  /** 50 MiB, as Envoy AI Gateway sets it: long contexts and base64 images fit. */
  public static final int DEFAULT_BUFFER_LIMIT_BYTES = 50 * 1024 * 1024;

  /** The rate-limit service's default address. */
  public static final String DEFAULT_RATELIMIT_HOST = "127.0.0.1";
  public static final int DEFAULT_RATELIMIT_PORT = 8081;

  /**
   * 0.0.0.0:1975, admin 9901, Tollgate at 127.0.0.1:1063, 30 s message timeout, no route timeout,
   * 600 s idle timeout, 50 MiB buffers, the system trust store, access log on stdout, the rate-limit
   * service at 127.0.0.1:8081.
   */
  public static EnvoySettings defaults() {
    return new EnvoySettings("0.0.0.0", 1975, 9901, "127.0.0.1", 1063, Duration.ofSeconds(30), Duration.ZERO,
        Duration.ofSeconds(600), DEFAULT_BUFFER_LIMIT_BYTES, SYSTEM_TRUST_STORE, "/dev/stdout", DEFAULT_RATELIMIT_HOST,
        DEFAULT_RATELIMIT_PORT, null);
  }

  public EnvoySettings withExtproc(String host, int port) {
    return new EnvoySettings(listenerAddress, listenerPort, adminPort, host, port, messageTimeout, routeTimeout,
        idleTimeout, bufferLimitBytes, trustedCaFile, accessLogPath, rateLimitHost, rateLimitPort, extprocTls);
  }

  public EnvoySettings withListener(String address, int port) {
    return new EnvoySettings(address, port, adminPort, extprocHost, extprocPort, messageTimeout, routeTimeout,
        idleTimeout, bufferLimitBytes, trustedCaFile, accessLogPath, rateLimitHost, rateLimitPort, extprocTls);
  }

  public EnvoySettings withAdminPort(int port) {
    return new EnvoySettings(listenerAddress, listenerPort, port, extprocHost, extprocPort, messageTimeout,
        routeTimeout, idleTimeout, bufferLimitBytes, trustedCaFile, accessLogPath, rateLimitHost, rateLimitPort,
        extprocTls);
  }

  public EnvoySettings withTimeouts(Duration route, Duration idle) {
    return new EnvoySettings(listenerAddress, listenerPort, adminPort, extprocHost, extprocPort, messageTimeout,
        route, idle, bufferLimitBytes, trustedCaFile, accessLogPath, rateLimitHost, rateLimitPort, extprocTls);
  }

  public EnvoySettings withBufferLimit(int bytes) {
    return new EnvoySettings(listenerAddress, listenerPort, adminPort, extprocHost, extprocPort, messageTimeout,
        routeTimeout, idleTimeout, bytes, trustedCaFile, accessLogPath, rateLimitHost, rateLimitPort, extprocTls);
  }

  public EnvoySettings withTrustedCa(String file) {
    return new EnvoySettings(listenerAddress, listenerPort, adminPort, extprocHost, extprocPort, messageTimeout,
        routeTimeout, idleTimeout, bufferLimitBytes, file, accessLogPath, rateLimitHost, rateLimitPort, extprocTls);
  }

  public EnvoySettings withAccessLog(String path) {
    return new EnvoySettings(listenerAddress, listenerPort, adminPort, extprocHost, extprocPort, messageTimeout,
        routeTimeout, idleTimeout, bufferLimitBytes, trustedCaFile, path, rateLimitHost, rateLimitPort, extprocTls);
  }

  /** The rate-limit service at {@code host:port}. */
  public EnvoySettings withRateLimit(String host, int port) {
    return new EnvoySettings(listenerAddress, listenerPort, adminPort, extprocHost, extprocPort, messageTimeout,
        routeTimeout, idleTimeout, bufferLimitBytes, trustedCaFile, accessLogPath, host, port, extprocTls);
  }

  /**
   * The rate-limit service at {@code address}, written {@code host:port} ({@code [v6]:port} for an
   * IPv6 address).
   *
   * @throws IllegalArgumentException when it is not written so
   */
  public EnvoySettings withRateLimitAddress(String address) {
    int colon = address.lastIndexOf(':');
    String host = colon < 0 ? "" : address.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = -1;
    try {
      port = colon < 0 ? -1 : Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      // reported below
    }
    if (host.isBlank() || host.contains("/") || port < 1 || port > 65535) {
      throw new IllegalArgumentException("'" + address + "' is not host:port, e.g. 127.0.0.1:8081 or ratelimit:8081");
    }
    return withRateLimit(host, port);
  }

  /** Whether the rate-limit service's host is an IP address (else a DNS name). */
  public boolean rateLimitOnIpAddress() {
    return rateLimitHost.contains(":") || rateLimitHost.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
  }

  /** TLS (or mTLS) from Envoy to Tollgate, null for plaintext. */
  public EnvoySettings withExtprocTls(ExtprocTls tls) {
    return new EnvoySettings(listenerAddress, listenerPort, adminPort, extprocHost, extprocPort, messageTimeout,
        routeTimeout, idleTimeout, bufferLimitBytes, trustedCaFile, accessLogPath, rateLimitHost, rateLimitPort, tls);
  }

  /** Whether Tollgate is reached over a unix domain socket. */
  public boolean extprocOnUnixSocket() {
    return extprocHost.startsWith("unix:");
  }
}
