package dev.tollgate.controller.resource;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** A reference to another resource in the same namespace (or directory) by its metadata.name. */
public record LocalRef(
    @Required @JsonPropertyDescription("The metadata.name of a resource in the same namespace (or directory)")
    String name) {
}
