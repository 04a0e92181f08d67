package dev.tollgate.core.pipeline;

import dev.tollgate.api.Endpoint;
import java.time.Duration;

/**
 * What observers are told about an exchange when it ends.
 *
 * @param endpoint      the client endpoint; null for a path that is not one
 * @param backend       the backend it was routed to; null before routing
 * @param schema        that backend's schema, e.g. {@code OpenAI}; null before routing
 * @param requestModel  the client's model; null before the body was read
 * @param responseModel the model that answered (the client's when the answer names none); null when none did
 * @param duration      from the request headers to the end; null when the exchange was already timed
 *                      (an exchange that is told twice, e.g. an answer a guard rejects, is timed once) or
 *                      began before its request headers
 */
public record ExchangeFacts(Endpoint endpoint, String backend, String schema, String requestModel,
                            String responseModel, Duration duration) {
}
