package dev.tollgate.controller.resource;

import io.fabric8.generator.annotation.Required;

/**
 * An API schema by name, optionally with a version (e.g. Azure's api-version).
 *
 * @param name    e.g. {@code OpenAI}, {@code AWSBedrock}, {@code Anthropic}
 * @param version optional version
 */
public record SchemaRef(@Required String name, String version) {
}
