package dev.tollgate.api.spi;

import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.UpstreamRequest;

/** Adds a backend's credentials to the final upstream request. Thread-safe. */
@FunctionalInterface
public interface BackendAuth {
  /**
   * @param request       the translated request (final path and body)
   * @param backend       the backend it goes to
   * @param clientHeaders the client's own headers, for pass-through credentials
   * @return the request with credentials added
   * @throws GatewayException 401 when the client's own credentials are missing, 500 when the
   *                          configured ones cannot be read
   */
  UpstreamRequest apply(UpstreamRequest request, BackendTarget backend, Headers clientHeaders) throws GatewayException;
}
