package dev.tollgate.api;

import java.util.Optional;

/**
 * The backend an exchange was routed to, as configured.
 *
 * @param name              the backend's unique name (what Envoy routes on)
 * @param schema            its API schema, e.g. {@code OpenAI}, {@code AWSBedrock}
 * @param schemaVersion     optional schema version (e.g. Azure's api-version, a path prefix); empty when unset
 * @param modelNameOverride model name to send instead of the client's; empty to keep the client's
 * @param settings          the schema-specific block ({@code backends[i].provider}): region, project, host, …
 */
public record BackendTarget(String name, String schema, String schemaVersion, String modelNameOverride,
                            Settings settings) {
  public BackendTarget {
    schemaVersion = schemaVersion == null ? "" : schemaVersion;
    modelNameOverride = modelNameOverride == null ? "" : modelNameOverride;
  }

  public Optional<String> version() {
    return schemaVersion.isEmpty() ? Optional.empty() : Optional.of(schemaVersion);
  }

  /** The model to send upstream: the override when set, else the client's. */
  public String upstreamModel(String clientModel) {
    return modelNameOverride.isEmpty() ? clientModel : modelNameOverride;
  }
}
