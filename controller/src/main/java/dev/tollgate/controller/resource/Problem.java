package dev.tollgate.controller.resource;

/**
 * Something wrong with a resource.
 *
 * @param origin  the file (and document) or Kubernetes object, and the object's kind and name when known
 * @param field   the field path, e.g. {@code spec.rules[0].backendRefs[1].name}
 * @param message what is wrong and, where it helps, what to do
 */
public record Problem(String origin, String field, String message) {
  @Override
  public String toString() {
    return origin + ": " + field + ": " + message;
  }
}
