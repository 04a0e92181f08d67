package dev.tollgate.controller.envoy;

import java.time.Duration;
import java.util.List;

/**
 * A rule whose requests Envoy retries through a cluster of its own (gateway-config placement
 * {@code UPSTREAM}): every backend of the rule is an endpoint of that cluster, in the priority
 * group of its tier, and Tollgate's upstream ext_proc filter translates and signs each attempt for
 * the endpoint Envoy picked.
 *
 * @param name        the rule's name (the cluster is {@code tollgate-rule-<name>})
 * @param routeTarget the selected-backend header's value that leads to the rule's route
 * @param backends    the rule's backends with their weights and tiers (0 the best; contiguous)
 * @param retries     how Envoy retries
 * @param outlier     when Envoy takes an endpoint out of rotation for a while
 */
public record EnvoyRule(String name, String routeTarget, List<Member> backends, Retries retries,
                        OutlierDetection outlier) {
  public EnvoyRule {
    backends = List.copyOf(backends);
  }

  /**
   * A backend of the rule.
   *
   * @param backend  its name
   * @param weight   its share within its tier; 0 takes none (it gets no endpoint)
   * @param priority its tier, 0 the best
   */
  public record Member(String backend, int weight, int priority) {
  }

  /**
   * Envoy's retry policy for the rule's route.
   *
   * @param attempts             attempts in all, the first one included (at least 1)
   * @param retryOn              Envoy {@code retry_on} conditions
   * @param retriableStatusCodes statuses retried besides those of {@code retryOn}
   * @param perTryTimeout        bound on one attempt, zero for none
   * @param perTryIdleTimeout    how long an attempt may be silent before the next one starts, zero for none
   * @param baseInterval         back-off base interval between attempts
   * @param maxInterval          back-off maximum interval
   * @param retryAfterLimit      the longest {@code Retry-After} waited for; zero to ignore the header
   */
  public record Retries(int attempts, List<String> retryOn, List<Integer> retriableStatusCodes,
                        Duration perTryTimeout, Duration perTryIdleTimeout, Duration baseInterval,
                        Duration maxInterval, Duration retryAfterLimit) {
    /** Retried by default: 5xx answers, resets and failed connections. */
    public static final List<String> DEFAULT_RETRY_ON = List.of("5xx", "reset", "connect-failure");
    /** The {@code retry_on} values a resource may name. */
    public static final List<String> RETRY_ON_VALUES =
        List.of("5xx", "gateway-error", "reset", "connect-failure", "refused-stream");
    /** Retried by default besides {@link #DEFAULT_RETRY_ON}: 429 (rate limited). */
    public static final List<Integer> DEFAULT_RETRIABLE_STATUS_CODES = List.of(429);
    public static final Duration DEFAULT_PER_TRY_IDLE_TIMEOUT = Duration.ofSeconds(120);
    public static final Duration DEFAULT_BASE_INTERVAL = Duration.ofMillis(100);
    public static final Duration DEFAULT_MAX_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_RETRY_AFTER_LIMIT = Duration.ofSeconds(10);

    public Retries {
      retryOn = List.copyOf(retryOn);
      retriableStatusCodes = List.copyOf(retriableStatusCodes);
    }

    /** Every default, with this many attempts. */
    public static Retries defaults(int attempts) {
      return new Retries(attempts, DEFAULT_RETRY_ON, DEFAULT_RETRIABLE_STATUS_CODES, Duration.ZERO,
          DEFAULT_PER_TRY_IDLE_TIMEOUT, DEFAULT_BASE_INTERVAL, DEFAULT_MAX_INTERVAL, DEFAULT_RETRY_AFTER_LIMIT);
    }
  }

  /**
   * Envoy's outlier detection for the rule's cluster.
   *
   * @param consecutive5xx   consecutive 5xx answers (or failed connections) that eject an endpoint; 0 turns it off
   * @param baseEjectionTime how long the first ejection lasts (Envoy multiplies it for repeated ones)
   */
  public record OutlierDetection(int consecutive5xx, Duration baseEjectionTime) {
    public static final int DEFAULT_CONSECUTIVE_5XX = 5;
    public static final Duration DEFAULT_BASE_EJECTION_TIME = Duration.ofSeconds(30);

    public static OutlierDetection defaults() {
      return new OutlierDetection(DEFAULT_CONSECUTIVE_5XX, DEFAULT_BASE_EJECTION_TIME);
    }
  }
}
