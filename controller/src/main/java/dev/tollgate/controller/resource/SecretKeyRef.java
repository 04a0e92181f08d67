package dev.tollgate.controller.resource;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/**
 * A key of a {@code Secret} (Kubernetes, or a {@code kind: Secret} document in the resource directory).
 *
 * @param name the Secret's metadata.name
 * @param key  the data key; each use has its own default
 */
public record SecretKeyRef(
    @Required @JsonPropertyDescription("The Secret's metadata.name (in Kubernetes, or a kind: Secret document of"
        + " the resource directory)")
    String name,
    @JsonPropertyDescription("The key in the Secret's data or stringData; each use names its default")
    String key) {
}
