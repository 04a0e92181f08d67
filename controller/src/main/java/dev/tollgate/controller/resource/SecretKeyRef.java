package dev.tollgate.controller.resource;

import io.fabric8.generator.annotation.Required;

/**
 * A key of a {@code Secret} (Kubernetes, or a {@code kind: Secret} document in the resource directory).
 *
 * @param name the Secret's metadata.name
 * @param key  the data key; each use has its own default
 */
public record SecretKeyRef(@Required String name, String key) {
}
