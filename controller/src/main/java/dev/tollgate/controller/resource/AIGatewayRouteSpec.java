package dev.tollgate.controller.resource;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.crd.generator.annotation.SchemaFrom;
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
@JsonClassDescription("Routing rules (first match wins, in the order of the routes' names, then of the rules) that"
    + " send requests to weighted AIServiceBackends, and the costs to compute for them")
public record AIGatewayRouteSpec(
    @JsonPropertyDescription("The client-facing API, for errors on unknown paths: name OpenAI (default) or"
        + " Anthropic; all routes must agree")
    SchemaRef schema,
    @Required @JsonPropertyDescription("Routing rules, tried in order; the first whose matches all hold routes the request")
    List<Rule> rules,
    @JsonPropertyDescription("Costs computed when an exchange this route's rules routed ends, emitted as Envoy"
        + " dynamic metadata (namespace io.envoy.ai_gateway) for rate limits and access logs")
    List<Cost> llmRequestCosts) {

  /**
   * A routing rule: all matches must hold, then one backend of the best priority tier is picked by weight.
   *
   * @param name         optional rule name (default: route name plus index)
   * @param model        exact model name the client asked for
   * @param modelPattern regular expression the whole model name must match
   * @param headers      request header matches
   * @param backendRefs  the backends this rule sends traffic to
   */
  public record Rule(
      @JsonPropertyDescription("The rule's name in logs, metrics and policies (default: the route's name and the"
          + " rule's index)")
      String name,
      @JsonPropertyDescription("The exact model name the client asked for; set model or modelPattern, not both")
      String model,
      @JsonPropertyDescription("A regular expression the whole model name must match")
      String modelPattern,
      @JsonPropertyDescription("Request header matches; all must hold")
      List<HeaderMatch> headers,
      @Required @JsonPropertyDescription("The AIServiceBackends this rule sends requests to, by weight within the"
          + " best priority tier")
      List<BackendRef> backendRefs) {
  }

  /**
   * A request header match.
   *
   * @param name  the header name
   * @param type  {@code Exact} (default) or {@code RegularExpression}
   * @param value the value, or the pattern the whole value must match
   */
  public record HeaderMatch(
      @Required @JsonPropertyDescription("The request header's name")
      String name,
      @SchemaFrom(type = MatchType.class)
      @JsonPropertyDescription("How value is compared: Exact (default) or RegularExpression (the whole value must match)")
      String type,
      @Required @JsonPropertyDescription("The value, or the regular expression the whole value must match")
      String value) {
  }

  /** The values of {@link HeaderMatch#type}, for the CRD's schema. */
  public enum MatchType { Exact, RegularExpression }

  /**
   * A reference to an {@code AIServiceBackend}.
   *
   * @param name     the backend's metadata.name
   * @param weight   share of traffic within its priority tier (default 1, 0 takes none)
   * @param priority 0 is the primary tier (default); higher numbers are fallbacks
   */
  public record BackendRef(
      @Required @JsonPropertyDescription("The AIServiceBackend's metadata.name")
      String name,
      @JsonPropertyDescription("Its share of the traffic within its priority tier (default 1; 0 takes none)")
      Integer weight,
      @JsonPropertyDescription("Its tier: 0 (default) is the primary one; higher numbers are fallbacks")
      Integer priority) {
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
  public record Cost(
      @Required @JsonPropertyDescription("The dynamic metadata key the cost is emitted under, e.g. llm_total_token")
      String metadataKey,
      @Required @JsonPropertyDescription("A cost type: InputToken, OutputToken, TotalToken, CachedInputToken,"
          + " ReasoningToken, CEL; the set is open: installed plugins add cost types (tollgate plugins lists them)")
      String type,
      @SchemaFrom(type = CostScope.class)
      @JsonPropertyDescription("Route (default): computed for the requests this route's rules route; Global:"
          + " computed for every request, and no route may then use the key for a cost of its own")
      String scope,
      @PreserveUnknownFields
      @JsonPropertyDescription("The cost type's own settings, e.g. expression for CEL")
      Map<String, Object> settings) {
  }

  /** The values of {@link Cost#scope}, for the CRD's schema. */
  public enum CostScope { Route, Global }
}
