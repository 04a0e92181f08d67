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
   * @param retries      how Envoy retries a failed attempt, the next tier first (default: when the
   *                     backends have several priorities, each tier once)
   * @param outlierDetection when Envoy takes a failing backend out of this rule's rotation for a while
   * @param models       the model names this rule serves, listed by {@code GET /v1/models} (a rule's
   *                     exact {@code model} is listed anyway)
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
          + " best priority tier; when an attempt fails, Envoy retries on the next tier (see retries)")
      List<BackendRef> backendRefs,
      @JsonPropertyDescription("How Envoy retries a failed attempt, each retry on the next priority tier not yet"
          + " tried; setting it (or giving backends several priorities) gives the rule a cluster of its own, each"
          + " attempt translated and signed for its backend. Default with several priorities: each tier once")
      Retries retries,
      @JsonPropertyDescription("When Envoy takes a failing backend out of this rule's rotation for a while; applies"
          + " to rules with retries or several priorities")
      OutlierDetection outlierDetection,
      @JsonPropertyDescription("Model names this rule serves, listed by GET /v1/models for clients to discover (a"
          + " rule's exact model is listed anyway); each must match modelPattern")
      List<String> models) {
  }

  /**
   * Envoy's retries for a rule; durations are written like {@code 100ms}, {@code 1s}, {@code 2m}, {@code 1h}.
   *
   * @param attempts             attempts in all, the first included (default: the number of priority tiers)
   * @param retryOn              what fails an attempt (default {@code [5xx, reset, connect-failure]})
   * @param retriableStatusCodes further statuses that fail an attempt (default {@code [429]})
   * @param perTryTimeout        bound on one attempt, streams included (default none)
   * @param perTryIdleTimeout    how long an attempt may be silent, also between chunks, before the next starts
   *                             (default {@code 120s})
   * @param backOff              the wait before each retry
   * @param retryAfterLimit      the longest {@code Retry-After} waited for (default {@code 10s})
   */
  public record Retries(
      @JsonPropertyDescription("Attempts in all, the first one included, at least 1 and at most 10 (default: the"
          + " number of priority tiers, so each tier is tried once)")
      Integer attempts,
      @JsonPropertyDescription("What fails an attempt and moves to the next: any of 5xx, gateway-error (502, 503,"
          + " 504), reset, connect-failure, refused-stream (default [5xx, reset, connect-failure])")
      List<String> retryOn,
      @JsonPropertyDescription("Further HTTP statuses (400 to 599) that fail an attempt (default [429]; [] for none)")
      List<Integer> retriableStatusCodes,
      @JsonPropertyDescription("The longest one attempt may take, a streamed answer included, e.g. 60s (default:"
          + " none, since it would also cut long streams)")
      String perTryTimeout,
      @JsonPropertyDescription("How long an attempt may go without a byte, before its answer starts and between"
          + " chunks, before the next attempt starts, e.g. 30s (default 120s; 0 for none)")
      String perTryIdleTimeout,
      @JsonPropertyDescription("The jittered exponential wait before each retry")
      BackOff backOff,
      @JsonPropertyDescription("A Retry-After up to this long is waited for before the next attempt; a longer one"
          + " falls back to backOff (default 10s; 0 ignores Retry-After)")
      String retryAfterLimit) {
  }

  /**
   * The wait before each retry.
   *
   * @param baseInterval the first wait, doubled per retry and jittered (default {@code 100ms})
   * @param maxInterval  the longest wait (default {@code 1s})
   */
  public record BackOff(
      @JsonPropertyDescription("The first wait, doubled for each further retry and jittered (default 100ms)")
      String baseInterval,
      @JsonPropertyDescription("The longest wait, at least baseInterval (default 1s)")
      String maxInterval) {
  }

  /**
   * Envoy's outlier detection on a rule's backends.
   *
   * @param consecutive5xx   consecutive 5xx answers or failed connections that eject a backend (default 5; 0 turns it off)
   * @param baseEjectionTime how long a first ejection lasts (default {@code 30s}; Envoy lengthens repeated ones)
   */
  public record OutlierDetection(
      @JsonPropertyDescription("Consecutive 5xx answers or failed connections after which a backend is taken out"
          + " of this rule's rotation (default 5; 0 turns outlier detection off)")
      Integer consecutive5xx,
      @JsonPropertyDescription("How long a first ejection lasts, e.g. 30s (default 30s; Envoy multiplies it for"
          + " repeated ejections)")
      String baseEjectionTime) {
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
          + " CacheCreationInputToken, ReasoningToken, PriceTable, CEL; the set is open: installed plugins add cost types (tollgate plugins lists them)")
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
