package dev.tollgate.controller.translate;

import dev.tollgate.controller.envoy.EnvoySettings;
import dev.tollgate.core.config.GatewayConfig;

/**
 * Settings of the generated configuration that do not come from resources.
 *
 * @param modelHeader           header Tollgate writes the client's model to (rules on {@code model} match it)
 * @param selectedBackendHeader header Tollgate writes the chosen backend to (Envoy routes on it)
 * @param metadataNamespace     dynamic-metadata namespace of the costs
 * @param envoy                 the Envoy side
 */
public record GatewaySettings(String modelHeader, String selectedBackendHeader, String metadataNamespace,
                              EnvoySettings envoy) {
  /** The gateway config's defaults and {@link EnvoySettings#defaults()}. */
  public static GatewaySettings defaults() {
    return new GatewaySettings(GatewayConfig.DEFAULT_MODEL_HEADER, GatewayConfig.DEFAULT_SELECTED_BACKEND_HEADER,
        GatewayConfig.DEFAULT_METADATA_NAMESPACE, EnvoySettings.defaults());
  }

  public GatewaySettings withEnvoy(EnvoySettings envoy) {
    return new GatewaySettings(modelHeader, selectedBackendHeader, metadataNamespace, envoy);
  }
}
