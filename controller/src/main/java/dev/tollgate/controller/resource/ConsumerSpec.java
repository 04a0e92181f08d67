package dev.tollgate.controller.resource;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.List;
import java.util.Map;

/**
 * What a {@code Consumer} says: a client of the gateway (a team, an app, a user), known by its keys.
 * It becomes one entry of the gateway config's {@code consumers}, named by its metadata.name; a key
 * given through a Secret is hashed by the controller, so the plain key never reaches any output.
 *
 * @param metadata e.g. {@code team: research}: rate-limit descriptors (TokenBudget {@code per}) and rules
 *                 can use them; keys are lower-case letters, digits and '_', starting with a letter
 * @param models   the models it may ask for (exact names, {@code *} matching any run of characters);
 *                 none: any model
 * @param keys     its keys, at least one
 */
@JsonClassDescription("A client of the gateway, known by its keys: every request must then carry a key of some"
    + " Consumer (authorization: Bearer, x-api-key or api-key); TokenBudgets count per consumer or per metadata")
public record ConsumerSpec(
    @JsonPropertyDescription("Labels such as team: research, sent to Envoy as dynamic metadata consumer_<key> (a"
        + " TokenBudget's per) and matchable by rules as header x-tollgate-consumer-<key>; keys are lower-case"
        + " letters, digits and '_', starting with a letter")
    Map<String, String> metadata,
    @JsonPropertyDescription("The models this consumer may ask for: exact names, '*' matching any run of characters"
        + " (default: any model); others are refused with 403")
    List<String> models,
    @Required @JsonPropertyDescription("The consumer's keys, at least one: each the SHA-256 of a key, or a Secret"
        + " holding the key itself (the controller hashes it)")
    List<Key> keys) {

  /**
   * One key: exactly one of {@code sha256} and {@code secretRef}.
   *
   * @param sha256    the lower-case hex SHA-256 of the key's UTF-8 bytes
   * @param secretRef a Secret key holding the plain key (default key {@code key}); the controller hashes it
   * @param expires   when the key stops working, e.g. {@code 2027-01-01T00:00:00Z}; none: never
   */
  public record Key(
      @JsonPropertyDescription("The 64 hex digits of the key's SHA-256 (printf %s \"$KEY\" | sha256sum), never the"
          + " key itself; one of sha256, secretRef")
      String sha256,
      @JsonPropertyDescription("A key of a Secret holding the plain key (default key 'key'); the controller hashes"
          + " it, surrounding whitespace ignored, and never writes the key anywhere")
      SecretKeyRef secretRef,
      @JsonPropertyDescription("When the key stops working, an instant such as 2027-01-01T00:00:00Z (default: never)")
      String expires) {
  }
}
