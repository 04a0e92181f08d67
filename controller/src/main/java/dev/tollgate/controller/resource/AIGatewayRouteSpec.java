package dev.tollgate.controller.resource;

import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Required;
import java.util.List;
import java.util.Map;

/**
 * What an {@code AIGatewayRoute} says: which client API it serves, its routing rules (first match
 * wins, in the order of the routes' names and then the rules) and the costs to compute.
 *
 * @param schema          the client-facing API ({@code OpenAI} or {@code Anthropic}); all routes must agree
 * @param rules           routing rules
 * @param llmRequestCosts costs computed at the end of every exchange this route's rules route, emitted as
 *                        dynamic metadata (each cost with {@code scope: Global} is computed for every exchange)
 */
public record AIGatewayRouteSpec(SchemaRef schema, @Required List<Rule> rules, List<Cost> llmRequestCosts) {

  /**
   * A routing rule: all matches must hold, then one backend of the best priority tier is picked by weight.
   *
   * @param name         optional rule name (default: route name plus index)
   * @param model        exact model name the client asked for
   * @param modelPattern regular expression the whole model name must match
   * @param headers      request header matches
   * @param backendRefs  the backends this rule sends traffic to
   */
  public record Rule(String name, String model, String modelPattern, List<HeaderMatch> headers,
                     @Required List<BackendRef> backendRefs) {
  }

  /**
   * A request header match.
   *
   * @param name  the header name
   * @param type  {@code Exact} (default) or {@code RegularExpression}
   * @param value the value, or the pattern the whole value must match
   */
  public record HeaderMatch(@Required String name, String type, @Required String value) {
  }

  /**
   * A reference to an {@code AIServiceBackend}.
   *
   * @param name     the backend's metadata.name
   * @param weight   share of traffic within its priority tier (default 1, 0 takes none)
   * @param priority 0 is the primary tier (default); higher numbers are fallbacks
   */
  public record BackendRef(@Required String name, Integer weight, Integer priority) {
  }

  /**
   * A cost: {@code type} names a cost calculator (e.g. {@code InputToken}, {@code TotalToken},
   * {@code CEL}); {@code settings} are its further fields (for {@code CEL}: {@code expression}).
   *
   * @param scope {@code Route} (default): the cost belongs to this route and is emitted on each of
   *              its rules, so other routes may use the same key differently; {@code Global}: it is
   *              computed for every request the gateway serves, and its key may then not be a
   *              route's own cost anywhere
   */
  public record Cost(@Required String metadataKey, @Required String type, String scope,
                     @PreserveUnknownFields Map<String, Object> settings) {
  }
}
