package dev.tollgate.controller.resource;

import io.fabric8.generator.annotation.Required;

/** A reference to another resource in the same namespace (or directory) by its metadata.name. */
public record LocalRef(@Required String name) {
}
