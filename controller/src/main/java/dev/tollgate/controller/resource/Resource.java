package dev.tollgate.controller.resource;

/**
 * A parsed, well-formed resource.
 *
 * @param kind      its kind
 * @param name      metadata.name
 * @param namespace metadata.namespace, empty in a directory
 * @param origin    where it came from, for messages: a file (and document) or a Kubernetes object
 * @param spec      the typed spec
 * @param <S>       the spec type
 */
public record Resource<S>(ResourceKind kind, String name, String namespace, String origin, S spec) {
}
