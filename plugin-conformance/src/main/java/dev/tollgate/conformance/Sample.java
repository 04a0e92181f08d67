package dev.tollgate.conformance;

import dev.tollgate.api.Endpoint;
import dev.tollgate.api.TokenUsage;
import java.util.Objects;

/**
 * One recorded exchange the kit replays: what the client sent and what the upstream answered.
 *
 * @param name     names the sample in test reports
 * @param endpoint the client endpoint the request arrived at
 * @param request  the client's JSON body (with {@code "stream":true} for a streamed answer)
 * @param answer   the upstream's answer to the translated request
 * @param usage    the token usage the translator must read from it; null to skip that check
 */
public record Sample(String name, Endpoint endpoint, String request, UpstreamAnswer answer, TokenUsage usage) {
  public Sample {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(answer, "answer");
    if (answer.status() >= 400) {
      throw new IllegalArgumentException(name + ": a sample answer succeeds; the kit makes the errors");
    }
  }

  public static Sample of(String name, Endpoint endpoint, String request, UpstreamAnswer answer) {
    return new Sample(name, endpoint, request, answer, null);
  }

  /** The same sample, whose answer must be read as {@code expected} usage. */
  public Sample withUsage(TokenUsage expected) {
    return new Sample(name, endpoint, request, answer, expected);
  }
}
