package dev.tollgate.controller.sink;

import dev.tollgate.controller.translate.Translation;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes the gateway config (for extproc-server's file watcher), the Envoy bootstrap and the
 * rate-limit service's configuration, each atomically. Any path may be null to skip that file. A
 * gateway config with inlined secrets is made readable by its owner only.
 */
public final class FileSink implements ConfigSink {
  private final Path gatewayConfig;
  private final Path envoyBootstrap;
  private final Path rateLimitConfig;

  public FileSink(Path gatewayConfig, Path envoyBootstrap) {
    this(gatewayConfig, envoyBootstrap, null);
  }

  /**
   * @param rateLimitConfig where the rate-limit service's configuration goes (written with or
   *                        without budgets, so that a budget removed is no longer enforced)
   */
  public FileSink(Path gatewayConfig, Path envoyBootstrap, Path rateLimitConfig) {
    this.gatewayConfig = gatewayConfig;
    this.envoyBootstrap = envoyBootstrap;
    this.rateLimitConfig = rateLimitConfig;
  }

  @Override
  public void publish(Translation t) throws IOException {
    if (gatewayConfig != null) {
      AtomicFiles.write(gatewayConfig, t.gatewayConfigYaml(), t.containsSecrets());
    }
    if (envoyBootstrap != null) {
      AtomicFiles.write(envoyBootstrap, t.envoyBootstrapYaml(), false);
    }
    if (rateLimitConfig != null) {
      AtomicFiles.write(rateLimitConfig, t.rateLimitConfigYaml(), false);
    }
  }

  @Override
  public String toString() {
    return "files " + gatewayConfig + ", " + envoyBootstrap + ", " + rateLimitConfig;
  }
}
