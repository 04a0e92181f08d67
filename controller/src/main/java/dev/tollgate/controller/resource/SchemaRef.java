package dev.tollgate.controller.resource;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/**
 * An API schema by name, optionally with a version (e.g. Azure's api-version).
 *
 * @param name    e.g. {@code OpenAI}, {@code AWSBedrock}, {@code Anthropic}
 * @param version optional version
 */
public record SchemaRef(
    @Required @JsonPropertyDescription("The API schema's name, e.g. OpenAI, Anthropic, AWSBedrock, AzureOpenAI,"
        + " GCPVertexAI; the set is open: installed plugins add schemas (tollgate plugins lists them)")
    String name,
    @JsonPropertyDescription("The schema's version where it has one, e.g. AzureOpenAI's api-version or the path"
        + " prefix that replaces OpenAI's v1")
    String version) {
}
