package dev.tollgate.controller.sink;

import dev.tollgate.controller.translate.Translation;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes the gateway config (for extproc-server's file watcher) and the Envoy bootstrap, each
 * atomically. Either path may be null to skip that file. A gateway config with inlined secrets
 * is made readable by its owner only.
 */
public final class FileSink implements ConfigSink {
  private final Path gatewayConfig;
  private final Path envoyBootstrap;

  public FileSink(Path gatewayConfig, Path envoyBootstrap) {
    this.gatewayConfig = gatewayConfig;
    this.envoyBootstrap = envoyBootstrap;
  }

  @Override
  public void publish(Translation t) throws IOException {
    if (gatewayConfig != null) {
      AtomicFiles.write(gatewayConfig, t.gatewayConfigYaml(), t.containsSecrets());
    }
    if (envoyBootstrap != null) {
      AtomicFiles.write(envoyBootstrap, t.envoyBootstrapYaml(), false);
    }
  }

  @Override
  public String toString() {
    return "files " + gatewayConfig + ", " + envoyBootstrap;
  }
}
